package patch

import (
	"testing"

	"github.com/hubfleet/hubfleet/compiler/model"
)

// fuzzTargets are the targets FuzzPatch picks from; nil leaves a
// strategic-merge patch to select by its own kind and name.
var fuzzTargets = []*model.PatchTarget{
	nil,
	deploymentTarget("hub"),
	deploymentTarget("proxy"),
	tricky,
	cmTarget("tricky"),
	{Name: "numbers"},
	{Name: "keys"},
	{Kind: "Service"},
	{LabelSelector: "app=jupyterhub"},
	{Kind: "ClusterRole"},
}

// FuzzPatch runs arbitrary patch text through run and the former text
// route and requires the same bodies, or the same error.
func FuzzPatch(f *testing.F) {
	for i, c := range diffCases {
		sel := uint8(0)
		for j, tg := range fuzzTargets {
			if tg == c.target {
				sel = uint8(j)
			}
		}
		if c.target != nil && sel == 0 {
			sel = uint8(1 + i%(len(fuzzTargets)-1))
		}
		f.Add(c.patch, sel)
	}
	objs := trickyObjects(f)
	f.Fuzz(func(t *testing.T, text string, sel uint8) {
		target := fuzzTargets[int(sel)%len(fuzzTargets)]
		s, err := parse(&model.Patch{Target: target, Patch: text})
		if err != nil {
			return
		}
		m, err := newMatcher(s.target)
		if err != nil {
			return
		}
		idx := m.selectFrom(objs)
		if len(idx) == 0 {
			return
		}
		in := selected(t, s, objs)
		compareRoutes(t, s, in)
	})
}
