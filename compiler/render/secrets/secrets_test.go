package secrets

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sort"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/base"
	"github.com/hubfleet/hubfleet/compiler/verify"
	"github.com/hubfleet/hubfleet/internal/golden"
)

func fleet() *model.Fleet {
	return &model.Fleet{Versions: model.Versions{JupyterHub: "4.4.0", DaskGateway: "2026.3.0"}}
}

func cluster() *model.Cluster {
	return &model.Cluster{
		Name: "pangeo-aws", Provider: model.ProviderAWS,
		SecretStore: model.SecretStore{Kind: "ClusterSecretStore", Name: "aws-secrets-manager"},
	}
}

func ref(key, prop string) *model.SecretValue {
	return &model.SecretValue{SecretRef: model.SecretRef{Key: key, Property: prop}}
}

func testHubs() map[string]*model.Hub {
	return map[string]*model.Hub{
		"github-dask": {
			Name: "staging", Namespace: "staging", Cluster: cluster(),
			Auth: model.Auth{Type: model.AuthGitHub, ClientID: "abc", ClientSecret: ref("pangeo-aws/staging/github", "client-secret")},
			Dask: model.Dask{Enabled: true}, Src: model.Source{File: "hubs/pangeo-aws/staging.yaml"},
		},
		"shared-password": {
			Name: "workshop", Namespace: "workshop", Cluster: cluster(),
			Auth: model.Auth{Type: model.AuthSharedPassword, SharedPassword: ref("pangeo-aws/workshop/password", "")},
			Src:  model.Source{File: "hubs/pangeo-aws/workshop.yaml"},
		},
		"generic-oauth": {
			Name: "lab", Namespace: "lab-ns", Cluster: &model.Cluster{Name: "pangeo-azure", Provider: model.ProviderAzure,
				SecretStore: model.SecretStore{Kind: "SecretStore", Name: "azure-kv"}},
			Auth: model.Auth{Type: model.AuthGenericOAuth, ClientID: "hub-lab", ClientSecret: ref("lab-oauth", "client-secret")},
			Src:  model.Source{File: "hubs/pangeo-azure/lab.yaml"},
		},
	}
}

func names(m map[string]*model.Hub) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestGolden(t *testing.T) {
	for _, name := range names(testHubs()) {
		t.Run(name, func(t *testing.T) {
			objs, err := Render(testHubs()[name], fleet())
			if err != nil {
				t.Fatal(err)
			}
			manifest.Sort(objs)
			var buf bytes.Buffer
			for _, o := range objs {
				b, err := yaml.Marshal(o.Map())
				if err != nil {
					t.Fatal(err)
				}
				buf.WriteString("---\n")
				buf.Write(b)
			}
			path := filepath.Join("testdata", name+".golden")
			golden.Check(t, path, buf.Bytes())
		})
	}
}

// The tokens Secret carries exactly the keys the pods read, each from its
// own generator, and is generated once.
func TestTokensContract(t *testing.T) {
	for _, name := range names(testHubs()) {
		h := testHubs()[name]
		objs, err := Render(h, fleet())
		if err != nil {
			t.Fatal(err)
		}
		generators := map[string]map[string]any{}
		var tokens, oauth *manifest.Object
		for _, o := range objs {
			if o.Kind() == "Secret" {
				t.Errorf("%s: Secret rendered", name)
			}
			if o.Namespace() != h.Namespace || o.Cluster != h.Cluster.Name || o.Hub != h.Name {
				t.Errorf("%s: %s placed at %s/%s/%s", name, o, o.Cluster, o.Hub, o.Namespace())
			}
			switch {
			case o.Kind() == "Password":
				generators[o.Name()], _ = o.Get("spec").(map[string]any)
			case o.Kind() == "ExternalSecret" && o.Name() == base.TokensSecret:
				tokens = o
			case o.Kind() == "ExternalSecret" && o.Name() == base.OAuthSecret:
				oauth = o
			}
		}
		if tokens == nil || oauth == nil {
			t.Fatalf("%s: missing ExternalSecrets", name)
		}
		want := []string{base.KeyCookieSecret, base.KeyCryptKey, base.KeyProxyToken}
		if h.Dask.Enabled {
			want = append(want, base.KeyDaskGatewayToken)
		}
		sort.Strings(want)
		var got []string
		used := map[string]bool{}
		for _, e := range tokens.Get("spec", "dataFrom").([]any) {
			entry := e.(map[string]any)
			gen := entry["sourceRef"].(map[string]any)["generatorRef"].(map[string]any)["name"].(string)
			if generators[gen] == nil {
				t.Errorf("%s: generator %s not rendered", name, gen)
			}
			if used[gen] {
				t.Errorf("%s: generator %s used twice", name, gen)
			}
			used[gen] = true
			rw := entry["rewrite"].([]any)[0].(map[string]any)["regexp"].(map[string]any)
			key := rw["target"].(string)
			got = append(got, key)
			spec := generators[gen]
			// 64 characters either way: hex of 32, or 64 raw.
			switch key {
			case base.KeyCookieSecret, base.KeyCryptKey:
				if spec["encoding"] != "hex" || spec["length"] != int64(32) {
					t.Errorf("%s: %s must be 64 hex characters: %v", name, key, spec)
				}
			default:
				if spec["symbols"] != int64(0) || spec["length"] != int64(64) {
					t.Errorf("%s: %s must be 64 characters without symbols: %v", name, key, spec)
				}
			}
		}
		sort.Strings(got)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: token keys %v, want %v", name, got, want)
		}
		for path, v := range map[string]any{
			"refreshPolicy": "CreatedOnce", "target.immutable": true,
			"target.creationPolicy": "Orphan", "target.deletionPolicy": "Retain", "target.name": base.TokensSecret,
		} {
			if g := getPath(tokens.Map()["spec"], path); g != v {
				t.Errorf("%s: hub-tokens spec.%s = %v, want %v", name, path, g, v)
			}
		}
		wantKey := base.KeyClientSecret
		if h.Auth.Type == model.AuthSharedPassword {
			wantKey = base.KeySharedPassword
		}
		data := oauth.Get("spec", "data").([]any)
		if len(data) != 1 || data[0].(map[string]any)["secretKey"] != wantKey {
			t.Errorf("%s: hub-oauth data = %v, want key %s", name, data, wantKey)
		}
		if getPath(oauth.Map()["spec"], "secretStoreRef.name") != h.Cluster.SecretStore.Name {
			t.Errorf("%s: hub-oauth store = %v", name, oauth.Get("spec", "secretStoreRef"))
		}
		for _, o := range []*manifest.Object{tokens, oauth} {
			if o.Annotations()[syncWaveAnnotation] == "" {
				t.Errorf("%s: %s has no sync wave", name, o)
			}
			for k, v := range o.Labels() {
				if k == "helm.sh/chart" || k == "chart" || k == "app.kubernetes.io/version" {
					t.Errorf("%s: %s carries a version label %s=%s", name, o, k, v)
				}
			}
		}
	}
}

func getPath(v any, path string) any {
	for _, p := range bytes.Split([]byte(path), []byte(".")) {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[string(p)]
	}
	return v
}

func TestRejects(t *testing.T) {
	cases := map[string]func(h *model.Hub){
		"no store":       func(h *model.Hub) { h.Cluster.SecretStore = model.SecretStore{} },
		"no secret ref":  func(h *model.Hub) { h.Auth.ClientSecret = nil },
		"empty ref key":  func(h *model.Hub) { h.Auth.ClientSecret = ref("", "x") },
		"no cluster":     func(h *model.Hub) { h.Cluster = nil },
		"no namespace":   func(h *model.Hub) { h.Namespace = "" },
		"shared, no ref": func(h *model.Hub) { h.Auth.Type = model.AuthSharedPassword },
	}
	for name, mutate := range cases {
		h := testHubs()["github-dask"]
		mutate(h)
		if _, err := Render(h, fleet()); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := Render(nil, fleet()); err == nil {
		t.Error("nil hub: no error")
	}
}

// Every rendered ESO object passes its CRD through package verify: the
// schema, and no field the schema does not define (the API server would
// prune it silently).
func TestValidAgainstCRDs(t *testing.T) {
	for _, name := range names(testHubs()) {
		objs, err := Render(testHubs()[name], fleet())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			if o.Kind() != "ExternalSecret" && o.Kind() != "Password" {
				t.Fatalf("%s: unexpected object %s", name, o)
			}
			if err := verify.Object(o); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
}

// TestCRDCheckCatchesMistakes proves the check above can fail on the kinds
// this package renders.
func TestCRDCheckCatchesMistakes(t *testing.T) {
	objs, err := Render(testHubs()["github-dask"], fleet())
	if err != nil {
		t.Fatal(err)
	}
	broken := map[string]bool{}
	for _, o := range objs {
		if err := verify.Object(o); err != nil {
			t.Fatalf("unmutated %s already invalid: %v", o, err)
		}
		spec := o.Map()["spec"].(map[string]any)
		var fields []string
		switch o.Kind() {
		case "ExternalSecret":
			spec["refreshIntervall"] = "1h"                              // misspelt
			spec["target"].(map[string]any)["creationPolicy"] = "Always" // not in the enum
			fields = []string{"spec.refreshIntervall", "spec.target.creationPolicy"}
		case "Password":
			spec["length"] = "32" // wrong type
			fields = []string{"spec.length"}
		}
		got := map[string]bool{}
		for _, e := range verify.AsFieldErrors(verify.Object(o)) {
			got[e.Field] = true
		}
		for _, f := range fields {
			if !got[f] {
				t.Errorf("%s: no error on %s", o, f)
			}
		}
		broken[o.Kind()] = true
	}
	if !broken["ExternalSecret"] || !broken["Password"] {
		t.Errorf("checked %v, want ExternalSecret and Password", broken)
	}
}
