package secrets

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/base"
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
				b, err := yaml.Marshal(o.Body)
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
			if g := getPath(tokens.Body["spec"], path); g != v {
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
		if getPath(oauth.Body["spec"], "secretStoreRef.name") != h.Cluster.SecretStore.Name {
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

// crdDir holds the upstream CRDs (see /work/shared/crds/README.md).
func crdDir() string {
	if d := os.Getenv("HUBFLEET_CRDS"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "..", "..", "shared", "crds")
}

// loadSchema returns the openAPIV3Schema of a CRD version.
func loadSchema(t *testing.T, file, version string) *apiextensionsv1.JSONSchemaProps {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(crdDir(), file))
	if err != nil {
		t.Skipf("CRDs not available: %v", err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(b, &crd); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	for _, v := range crd.Spec.Versions {
		if v.Name == version && v.Served && v.Schema != nil {
			return v.Schema.OpenAPIV3Schema
		}
	}
	t.Fatalf("%s: version %s not served", file, version)
	return nil
}

// Every rendered ESO object passes its CRD's schema, and names no field
// the schema does not define (the API server would prune it silently).
func TestValidAgainstCRDs(t *testing.T) {
	schemas := map[string]*apiextensionsv1.JSONSchemaProps{
		"ExternalSecret": loadSchema(t, "external-secrets.io_externalsecrets.yaml", "v1"),
		"Password":       loadSchema(t, "generators.external-secrets.io_passwords.yaml", "v1alpha1"),
	}
	for _, name := range names(testHubs()) {
		objs, err := Render(testHubs()[name], fleet())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			s := schemas[o.Kind()]
			if s == nil {
				t.Fatalf("%s: no schema for %s", name, o.Kind())
			}
			var internal apiextensions.JSONSchemaProps
			if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(s, &internal, nil); err != nil {
				t.Fatal(err)
			}
			v, _, err := validation.NewSchemaValidator(&internal)
			if err != nil {
				t.Fatal(err)
			}
			// Round-trip through YAML: the validator wants JSON-like numbers.
			b, _ := yaml.Marshal(o.Body)
			var body map[string]any
			if err := yaml.Unmarshal(b, &body); err != nil {
				t.Fatal(err)
			}
			if errs := validation.ValidateCustomResource(field.NewPath(""), body, v); len(errs) > 0 {
				t.Errorf("%s: %s: %v", name, o, errs.ToAggregate())
			}
			for _, u := range unknownFields("", body["spec"], s.Properties["spec"]) {
				t.Errorf("%s: %s: unknown field %s", name, o, u)
			}
		}
	}
}

// unknownFields lists fields of v that schema s does not declare.
func unknownFields(path string, v any, s apiextensionsv1.JSONSchemaProps) []string {
	var out []string
	switch t := v.(type) {
	case map[string]any:
		if s.XPreserveUnknownFields != nil && *s.XPreserveUnknownFields {
			return nil
		}
		for k, e := range t {
			if p, ok := s.Properties[k]; ok {
				out = append(out, unknownFields(path+"."+k, e, p)...)
			} else if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
				out = append(out, unknownFields(path+"."+k, e, *s.AdditionalProperties.Schema)...)
			} else {
				out = append(out, path+"."+k)
			}
		}
	case []any:
		if s.Items != nil && s.Items.Schema != nil {
			for i, e := range t {
				out = append(out, unknownFields(fmt.Sprintf("%s[%d]", path, i), e, *s.Items.Schema)...)
			}
		}
	}
	return out
}
