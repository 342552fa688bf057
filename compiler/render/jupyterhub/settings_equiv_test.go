package jupyterhub

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hubfleet/hubfleet/compiler/fleetgen"
	"github.com/hubfleet/hubfleet/compiler/model"
)

// hubfleet.json from the typed settings must be byte-identical to the
// frozen map-based builder (settings_oracle_test.go) for every hub.

func TestSettingsMatchOracleShippedFleet(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	if _, err := os.Stat(filepath.Join(root, "hubs", "fleet.yaml")); err != nil {
		t.Skipf("no shipped fleet: %v", err)
	}
	checkOracle(t, fleetRenderers(t, os.DirFS(root)))
}

func TestSettingsMatchOracleAllOptions(t *testing.T) {
	checkOracle(t, fleetRenderers(t, fleetgen.GenerateAllOptions()))
}

func TestSettingsMatchOracleGenerated(t *testing.T) {
	seeds := []int64{1, 2}
	if testing.Short() {
		seeds = seeds[:1]
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			fsys := fleetgen.Generate(fleetgen.Options{Clusters: 50, HubsPerCluster: 4, Seed: seed})
			checkOracle(t, fleetRenderers(t, fsys))
		})
	}
}

// The test hubs, and variants with values a map would still have written
// (false, 0, "", empty maps) or left out.
func TestSettingsMatchOracleEdgeCases(t *testing.T) {
	variants := map[string]func(h *model.Hub){
		"as is":        func(h *model.Hub) {},
		"zero memory":  func(h *model.Hub) { h.Profiles[0].Memory = model.Memory{Guarantee: "0", Limit: "0"} },
		"negative cpu": func(h *model.Hub) { h.Profiles[0].CPU = model.CPU{Guarantee: -1, Limit: -2} },
		"no image":     func(h *model.Hub) { h.Image = ""; h.Profiles[0].Image = "" },
		"empty lists": func(h *model.Hub) {
			h.Environment = map[string]string{}
			h.Profiles[0].Environment = map[string]string{}
			h.Profiles[0].AllowedGroups = []string{}
			h.Auth.Admins, h.Auth.AllowedUsers = []string{}, []string{}
		},
		"option without choices": func(h *model.Hub) {
			h.Profiles[0].Options = map[string]model.ProfileOption{"empty": {}}
		},
		"choice overrides": func(h *model.Hub) {
			h.Profiles[0].Options = map[string]model.ProfileOption{"size": {Choices: map[string]model.OptionChoice{
				"big":  {CPU: &model.CPU{Guarantee: 2}, Memory: &model.Memory{Limit: "0"}, Environment: map[string]string{"A": "<&>"}},
				"none": {Environment: map[string]string{}},
			}, Unlisted: &model.UnlistedChoice{Enabled: true, DisplayName: "Custom"}}}
		},
		"google": func(h *model.Hub) {
			h.Auth = model.Auth{Type: model.AuthGoogle, ClientID: "c", Google: &model.GoogleAuth{AllowedDomains: []string{"x.org"}}}
		},
		"google any domain": func(h *model.Hub) {
			h.Auth = model.Auth{Type: model.AuthGoogle, ClientID: "c"}
		},
		"generic empty urls": func(h *model.Hub) {
			h.Auth = model.Auth{Type: model.AuthGenericOAuth, ClientID: "c", GenericOAuth: &model.GenericOAuth{}}
		},
		"github no orgs": func(h *model.Hub) {
			h.Auth = model.Auth{Type: model.AuthGitHub, ClientID: "c", GitHub: &model.GitHubAuth{AllowedOrganizations: []string{}}}
		},
		"shared password": func(h *model.Hub) {
			h.Auth = model.Auth{Type: model.AuthSharedPassword, SharedPassword: secretRef("k", "p"), Admins: []string{"a"}}
		},
		"html in values": func(h *model.Hub) {
			h.DefaultURL = "/lab?a=<b>&c=\u2028"
			h.Profiles[0].Description = `"quoted" {braces} [brackets], colons: \ back`
		},
	}
	var rs []*renderer
	for name, mutate := range variants {
		for hub, h := range testHubs() {
			mutate(h)
			r, err := newRenderer(h, testFleet())
			if err != nil {
				t.Fatalf("%s/%s: %v", hub, name, err)
			}
			rs = append(rs, r)
		}
	}
	checkOracle(t, rs)
}

func checkOracle(t *testing.T, rs []*renderer) {
	t.Helper()
	for _, r := range rs {
		got, err := r.settingsJSON()
		if err != nil {
			t.Fatalf("%s: %v", r.h.ID(), err)
		}
		want, err := r.oracleSettingsJSON()
		if err != nil {
			t.Fatalf("%s: map builder: %v", r.h.ID(), err)
		}
		if got != want {
			t.Fatalf("%s: hubfleet.json differs from the map builder's:\n%s\nwant:\n%s", r.h.ID(), got, want)
		}
		// The hash hubConfig takes from the writer's escaped copy is
		// the SHA-256 of json.Marshal of the ConfigMap's data.
		_, hash, err := r.settingsFile()
		if err != nil {
			t.Fatalf("%s: %v", r.h.ID(), err)
		}
		b, err := json.Marshal(hubConfigData(want))
		if err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256(b); hash != hex.EncodeToString(sum[:]) {
			t.Fatalf("%s: config hash %s, want %x", r.h.ID(), hash, sum)
		}
	}
}
