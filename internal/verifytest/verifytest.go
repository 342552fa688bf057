// Package verifytest holds the assertion the renderers' tests share when
// they check that compiler/verify rejects a deliberately broken object.
package verifytest

import (
	"testing"

	"github.com/hubfleet/hubfleet/compiler/verify"
)

// WantFieldErrors fails unless err (from verify.Object or ObjectFor)
// reports a problem on each of the given field paths.
func WantFieldErrors(t testing.TB, err error, fields ...string) {
	t.Helper()
	got := map[string]bool{}
	for _, e := range verify.AsFieldErrors(err) {
		got[e.Field] = true
	}
	for _, f := range fields {
		if !got[f] {
			t.Errorf("no error on %s; got:\n%v", f, err)
		}
	}
}
