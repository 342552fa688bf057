package schema

import (
	"bytes"
	"encoding/json"
	"os"
	"sort"
	"testing"

	"github.com/hubfleet/hubfleet/internal/golden"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
)

// TestJSONSchemaFilesUpToDate keeps the editor schemas in schema/*.json in
// step with the CUE definitions: run with -update after editing a .cue file.
func TestJSONSchemaFilesUpToDate(t *testing.T) {
	defs := make([]string, 0, len(JSONSchemaFiles))
	for d := range JSONSchemaFiles {
		defs = append(defs, d)
	}
	sort.Strings(defs)
	for _, def := range defs {
		file := JSONSchemaFiles[def]
		got, err := JSONSchema(def)
		if err != nil {
			t.Fatalf("JSONSchema(%s): %v", def, err)
		}
		if golden.Update() {
			if err := os.WriteFile(file, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v (run go test ./schema -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go test ./schema -run TestJSONSchemaFilesUpToDate -update", file)
		}
	}
}

func TestJSONSchemaShape(t *testing.T) {
	js, err := JSONSchema("#Hub")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Schema     string                     `json:"$schema"`
		Required   []string                   `json:"required"`
		Properties map[string]json.RawMessage `json:"properties"`
		Defs       map[string]struct {
			AdditionalProperties *bool `json:"additionalProperties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Schema != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %q", doc.Schema)
	}
	// The loader injects name; hubDefaults may supply image.
	want := map[string]bool{"auth": true, "domain": true, "image": true, "profiles": true}
	for _, r := range doc.Required {
		if !want[r] {
			t.Errorf("hub files need not write %q, but the schema requires it", r)
		}
		delete(want, r)
	}
	for r := range want {
		t.Errorf("schema does not require %q", r)
	}
	for _, def := range []string{"Profile", "NodePool", "Auth"} {
		d, ok := doc.Defs[def]
		if !ok {
			t.Errorf("no $defs/%s", def)
			continue
		}
		if d.AdditionalProperties == nil || *d.AdditionalProperties {
			t.Errorf("$defs/%s is open: a typo would pass the editor", def)
		}
	}
	if _, err := JSONSchema("#Nope"); err == nil {
		t.Error("JSONSchema(#Nope) succeeded")
	}
}

// TestSchemaDefaults checks the defaults of the spec on a minimal hub and
// cluster. (Defaults copied from another field, such as a hub's namespace
// from its name, are filled in by the loader and tested there.)
func TestSchemaDefaults(t *testing.T) {
	ctx := cuecontext.New()
	v, err := Compile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hub := v.LookupPath(cue.ParsePath("#Hub")).Unify(ctx.CompileString(`
name: "h", domain: "h.example.org", image: "a/b:1"
auth: {type: "github", clientId: "x", clientSecret: secretRef: key: "k"}
profiles: [{slug: "s", nodePool: "p"}]
storage: {}, culling: {}, dask: {}, userScheduler: {}, placeholders: {}, imagePuller: {}
`))
	checks := map[string]string{
		"defaultUrl":            `"/lab"`,
		"culling":               `{"enabled":true,"idleTimeout":3600,"maxAge":0,"every":600}`,
		"storage.home":          `{"type":"dynamic","size":"10Gi"}`,
		"dask.scheduler":        `{"cores":1,"memory":"2G"}`,
		"dask.idleTimeout":      `1800`,
		"userScheduler.enabled": `true`,
		"placeholders.replicas": `0`,
		"imagePuller.enabled":   `true`,
		"profiles[0].default":   `false`,
	}
	for path, want := range checks {
		got, err := hub.LookupPath(cue.ParsePath(path)).MarshalJSON()
		if err != nil || string(got) != want {
			t.Errorf("%s = %s (%v), want %s", path, got, err, want)
		}
	}
	cluster := v.LookupPath(cue.ParsePath("#Cluster")).Unify(ctx.CompileString(`
name: "c", provider: "aws", aws: {account: "123456789012", region: "us-west-2", clusterName: "c"}
secretStore: name: "s"
nodeClass: aws: {role: "r", discoveryTag: "c"}
nodePools: [{name: "u", purpose: "user", instanceTypes: ["r5.xlarge"], max: 1},
	{name: "d", purpose: "dask-worker", instanceTypes: ["r5.xlarge"], max: 1}]
`))
	if err := cluster.Validate(cue.Concrete(true)); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"nodeProvisioner":           `"karpenter"`,
		"nodePools[0].capacityType": `"on-demand"`,
		"nodePools[1].capacityType": `"spot"`,
		"nodePools[0].arch":         `"amd64"`,
		"nodePools[0].min":          `0`,
		"nodeClass.aws.amiAlias":    `"al2023@latest"`,
	} {
		got, err := cluster.LookupPath(cue.ParsePath(path)).MarshalJSON()
		if err != nil || string(got) != want {
			t.Errorf("%s = %s (%v), want %s", path, got, err, want)
		}
	}
	fleet := v.LookupPath(cue.ParsePath("#Fleet")).Unify(ctx.CompileString(`{}`))
	got, err := fleet.MarshalJSON()
	want := `{"gitops":{"repoURL":"https://github.com/example-org/hubs.git","targetRevision":"main","argocdNamespace":"argocd"},"versions":{"jupyterhub":"4.4.0","daskGateway":"2026.3.0","addons":{"ingressNginx":"4.13.3","certManager":"v1.20.3","externalSecrets":"0.20.4","karpenter":"1.8.1"}}}`
	if err != nil || string(got) != want {
		t.Errorf("fleet defaults = %s (%v)\nwant %s", got, err, want)
	}
}
