package manifest

import "github.com/hubfleet/hubfleet/compiler/manifest/manifesttest"

// newFiller is the random filler the differential tests share with
// package output's.
func newFiller(seed uint64, zero float64, weird bool) *manifesttest.Filler {
	return manifesttest.NewFiller(seed, zero, weird)
}
