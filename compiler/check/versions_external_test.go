package check_test

import (
	"slices"
	"testing"

	"github.com/hubfleet/hubfleet/compiler/check"
	"github.com/hubfleet/hubfleet/compiler/render/base"
)

// check keeps its own copy of the supported versions (it may not import
// render/base); this test keeps the copies in step with the image table.
func TestVersionsMatchImageTable(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want []string
	}{
		{"jupyterhub", check.JupyterHubVersions(), base.JupyterHubVersions()},
		{"daskGateway", check.DaskGatewayVersions(), base.DaskGatewayVersions()},
	} {
		slices.Sort(c.got)
		slices.Sort(c.want)
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s: check accepts %v, render/base renders %v", c.name, c.got, c.want)
		}
	}
}
