package load

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/hubfleet/hubfleet/compiler/diag"
	"github.com/hubfleet/hubfleet/compiler/model"
)

const (
	fleetYAML = `gitops: {repoURL: https://github.com/x/y.git}
hubDefaults:
  image: pangeo/pangeo-notebook:2024.11.08
  culling: {idleTimeout: 1200}
`
	clusterYAML = `provider: aws
aws: {account: "123456789012", region: us-west-2, clusterName: c1}
secretStore: {name: store}
nodeClass: {aws: {role: r, discoveryTag: c1}}
nodePools:
  - {name: core, purpose: core, instanceTypes: [r5.large], min: 1, max: 2}
  - {name: user, purpose: user, instanceTypes: [r5.xlarge], max: 10}
hubDefaults:
  storage: {home: {storageClass: gp3}}
`
	hubYAML = `domain: h1.example.org
auth:
  type: github
  clientId: id
  clientSecret: {secretRef: {key: c1/h1}}
  github: {allowedOrganizations: [org]}
profiles:
  - {slug: small, default: true, nodePool: user}
`
)

// fixture is a small valid fleet; cases override or add files.
func fixture(over map[string]string) fstest.MapFS {
	files := map[string]string{
		"hubs/fleet.yaml":           fleetYAML,
		"hubs/c1/cluster.yaml":      clusterYAML,
		"hubs/c1/h1.yaml":           hubYAML,
		"hubs/_templates/x.jsonnet": "{}",
		"hubs/README.md":            "# fleet",
	}
	for k, v := range over {
		if v == "" && !strings.HasSuffix(k, "empty.yaml") {
			delete(files, k)
			continue
		}
		files[k] = v
	}
	fs := fstest.MapFS{}
	for k, v := range files {
		fs[k] = &fstest.MapFile{Data: []byte(v)}
	}
	return fs
}

func lines(l diag.List) []string {
	out := []string{}
	for _, d := range l {
		out = append(out, d.String())
	}
	return out
}

func TestLoadValidFixture(t *testing.T) {
	f, errs := Load(fixture(nil), Options{})
	if len(errs) > 0 {
		t.Fatalf("unexpected diagnostics:\n%s", strings.Join(lines(errs), "\n"))
	}
	if len(f.Clusters) != 1 || len(f.Clusters[0].Hubs) != 1 {
		t.Fatalf("got %d clusters", len(f.Clusters))
	}
	c := f.Clusters[0]
	h := c.Hubs[0]
	if h.Cluster != c || h.Name != "h1" || h.Namespace != "h1" || c.Name != "c1" {
		t.Errorf("names: cluster %q hub %q namespace %q", c.Name, h.Name, h.Namespace)
	}
	if h.DisplayName != "h1" || h.Profiles[0].DisplayName != "small" || c.ArgoCD.Destination != "c1" {
		t.Errorf("derived defaults: displayName %q, profile %q, destination %q", h.DisplayName, h.Profiles[0].DisplayName, c.ArgoCD.Destination)
	}
	if h.Image != "pangeo/pangeo-notebook:2024.11.08" || h.Culling.IdleTimeout != 1200 || h.Culling.Every != 600 {
		t.Errorf("layering: image %q culling %+v", h.Image, h.Culling)
	}
	if h.Storage.Home != (model.Home{Type: "dynamic", Size: "10Gi", StorageClass: "gp3"}) {
		t.Errorf("home = %+v", h.Storage.Home)
	}
	if f.GitOps.RepoURL != "https://github.com/x/y.git" || f.GitOps.ArgocdNamespace != "argocd" || f.Versions.JupyterHub != "4.4.0" {
		t.Errorf("fleet = %+v %+v", f.GitOps, f.Versions)
	}
	if p := c.NodePools[1]; p.Path != "nodePools[1]" || p.CapacityType != "on-demand" || p.Src.File != "hubs/c1/cluster.yaml" || p.Hub != "" {
		t.Errorf("pool = %+v", p)
	}
	if f.Source != "hubs/fleet.yaml" {
		t.Errorf("fleet source %q", f.Source)
	}
}

// Positions of the effective hub point where each value was written, in
// whichever layer wrote it.
func TestLayeringPositions(t *testing.T) {
	f, errs := Load(fixture(nil), Options{})
	if len(errs) > 0 {
		t.Fatal(lines(errs))
	}
	h := f.Clusters[0].Hubs[0]
	want := map[string]model.Pos{
		"image":                           {File: "hubs/fleet.yaml", Line: 3, Col: 10},
		"culling.idleTimeout":             {File: "hubs/fleet.yaml", Line: 4, Col: 26},
		"storage.home.storageClass":       {File: "hubs/c1/cluster.yaml", Line: 9, Col: 34},
		"profiles[0].nodePool":            {File: "hubs/c1/h1.yaml", Line: 8, Col: 44},
		"profiles[0]":                     {File: "hubs/c1/h1.yaml", Line: 8, Col: 5},
		"auth.clientSecret.secretRef.key": {File: "hubs/c1/h1.yaml", Line: 5, Col: 35},
		// Filled by a schema default: at the nearest written ancestor.
		"culling.every": {File: "hubs/fleet.yaml", Line: 4, Col: 3},
	}
	for path, pos := range want {
		if got := h.Src.Positions[path]; got != pos {
			t.Errorf("%s at %v, want %v", path, got, pos)
		}
	}
	if h.Src.File != "hubs/c1/h1.yaml" {
		t.Errorf("Src.File = %q", h.Src.File)
	}
	// Every field of the effective value has a position.
	for _, p := range []string{"namespace", "dask.scheduler.cores", "storage.home.size", "placeholders.replicas"} {
		if _, ok := h.Src.Positions[p]; !ok {
			t.Errorf("no position for %s", p)
		}
	}
	if got := f.Clusters[0].Src.Positions["nodePools[1].max"]; got != (model.Pos{File: "hubs/c1/cluster.yaml", Line: 7, Col: 66}) {
		t.Errorf("cluster position %v", got)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{
			name:  "unknown field with suggestion",
			files: map[string]string{"hubs/c1/h1.yaml": hubYAML + "displayname: Hub\n"},
			want:  []string{"hubs/c1/h1.yaml:9:1: displayname: field not allowed\n\thint: did you mean displayName?"},
		},
		{
			name:  "quantity with hint",
			files: map[string]string{"hubs/c1/h1.yaml": strings.Replace(hubYAML, "nodePool: user}", "nodePool: user, memory: {guarantee: 8GB}}", 1)},
			want:  []string{`hubs/c1/h1.yaml:8:70: profiles[0].memory.guarantee: "8GB" is not a Kubernetes quantity` + "\n\thint: did you mean 8G?"},
		},
		{
			name:  "secret literal",
			files: map[string]string{"hubs/c1/h1.yaml": strings.Replace(hubYAML, "{secretRef: {key: c1/h1}}", "hunter2", 1)},
			want:  []string{"hubs/c1/h1.yaml:5:17: auth.clientSecret: a secret must be a reference, never the secret itself\n\thint: write clientSecret: {secretRef: {key: <key in the cluster's secret store>, property: <property>}}"},
		},
		{
			name: "inherited error reported once in the defaults file",
			files: map[string]string{
				"hubs/fleet.yaml": strings.Replace(fleetYAML, "1200", "-5", 1),
				"hubs/c1/h2.yaml": strings.Replace(hubYAML, "h1.example", "h2.example", 1),
			},
			want: []string{"hubs/fleet.yaml:4:26: hubDefaults.culling.idleTimeout: must be greater than 0, not -5"},
		},
		{
			name:  "enum",
			files: map[string]string{"hubs/c1/h1.yaml": strings.Replace(hubYAML, "type: github", "type: gitlab", 1)},
			want:  []string{`hubs/c1/h1.yaml:3:9: auth.type: invalid value "gitlab": must be one of "cilogon", "generic-oauth", "github", "google", "shared-password"`},
		},
		{
			name:  "several errors in one file",
			files: map[string]string{"hubs/c1/h1.yaml": strings.Replace(hubYAML, "domain: h1.example.org", "domain: h1\nstorage: {home: {type: nfs}}\nculling: {every: 0}\ncullling: {}", 1)},
			want: []string{
				`hubs/c1/h1.yaml:1:9: domain: "h1" is not a domain name` + "\n\thint: write a fully qualified lower-case name such as hub.example.org",
				"hubs/c1/h1.yaml:2:11: storage.home.path: field is required but not present",
				"hubs/c1/h1.yaml:2:11: storage.home.server: field is required but not present",
				"hubs/c1/h1.yaml:3:18: culling.every: must be greater than 0, not 0",
				"hubs/c1/h1.yaml:4:1: cullling: field not allowed\n\thint: did you mean culling?",
			},
		},
		{
			name:  "tabs",
			files: map[string]string{"hubs/c1/h1.yaml": "auth:\n\ttype: github\n"},
			want:  []string{"hubs/c1/h1.yaml:2:1: tab character in indentation\n\thint: YAML forbids tabs for indentation; indent with spaces"},
		},
		{
			name:  "anchors and aliases",
			files: map[string]string{"hubs/c1/h1.yaml": hubYAML + "environment: &e {A: b}\nx: *e\n"},
			want: []string{
				"hubs/c1/h1.yaml:9:14: environment: YAML anchors (&e) are not supported\n\thint: write the value out, or move it to hubDefaults in fleet.yaml or cluster.yaml",
				"hubs/c1/h1.yaml:10:4: x: YAML aliases (*e) are not supported\n\thint: write the value out, or move it to hubDefaults in fleet.yaml or cluster.yaml",
			},
		},
		{
			name:  "top level list",
			files: map[string]string{"hubs/c1/h1.yaml": "- a\n- b\n"},
			want:  []string{"hubs/c1/h1.yaml:1:1: the top level must be a mapping of fields, not a list"},
		},
		{
			name:  "empty hub file",
			files: map[string]string{"hubs/c1/empty.yaml": "# nothing yet\n"},
			want:  []string{"hubs/c1/empty.yaml:1:1: empty file"},
		},
		{
			name:  "duplicate key and second document",
			files: map[string]string{"hubs/c1/h1.yaml": hubYAML + "domain: x.org\n", "hubs/c1/h2.yaml": hubYAML + "---\na: 1\n"},
			want: []string{
				`hubs/c1/h1.yaml:9:1: domain: duplicate key "domain"`,
				"hubs/c1/h2.yaml:9:1: a second YAML document; a file holds exactly one",
			},
		},
		{
			name:  "name must match the file and folder",
			files: map[string]string{"hubs/c1/h1.yaml": "name: h2\n" + hubYAML, "hubs/c1/cluster.yaml": "name: other\n" + clusterYAML},
			want: []string{
				"hubs/c1/cluster.yaml:1:7: name: name must equal the folder name \"c1\"\n\thint: remove the name field, or rename the folder",
				"hubs/c1/h1.yaml:1:7: name: name must equal the file name \"h1\"\n\thint: remove the name field, or rename the file",
			},
		},
		{
			name:  "hub in yaml and cue",
			files: map[string]string{"hubs/c1/h1.cue": `domain: "h1.example.org"`},
			want:  []string{"hubs/c1/h1.yaml: hub \"h1\" is defined twice, in h1.cue and h1.yaml\n\thint: keep either the .yaml or the .cue file"},
		},
		{
			name:  "folder without cluster.yaml and stray files",
			files: map[string]string{"hubs/c2/h.yaml": hubYAML, "hubs/notes.txt": "x", "hubs/c1/h1.yml": "x"},
			want: []string{
				"hubs/c1/h1.yml: unexpected file\n\thint: rename it to h1.yaml",
				"hubs/c2: cluster folder \"c2\" has no cluster.yaml\n\thint: every folder under hubs/ is a cluster; prefix the name with _ to keep other files there",
				"hubs/notes.txt: unexpected file in hubs/\n\thint: hubs/ holds fleet.yaml and one folder per cluster",
			},
		},
		{
			name:  "file too large",
			files: map[string]string{"hubs/c1/h1.yaml": hubYAML + "# " + strings.Repeat("x", maxFileSize) + "\n"},
			want:  []string{"hubs/c1/h1.yaml: file is larger than 1024 KiB"},
		},
		{
			name:  "provider blocks and provisioner",
			files: map[string]string{"hubs/c1/cluster.yaml": strings.Replace(clusterYAML, "secretStore:", "gcp: {project: pangeo-hubs, location: us-central1, clusterName: c}\nnodeProvisioner: aso\nsecretStore:", 1)},
			want: []string{
				"hubs/c1/cluster.yaml:3:1: gcp: the gcp block is only for provider gcp",
				"hubs/c1/cluster.yaml:4:18: nodeProvisioner: node provisioner \"aso\" is not available on aws\n\thint: use one of: \"karpenter\"",
			},
		},
		{
			name: "provisioner of another provider",
			files: map[string]string{"hubs/c1/cluster.yaml": "provider: azure\nazure: {subscriptionID: 01234567-89ab-cdef-0123-456789abcdef, resourceGroup: rg, clusterName: c1, location: westeurope}\n" +
				"nodeProvisioner: config-connector\nsecretStore: {name: store}\nnodePools: [{name: user, purpose: user, instanceTypes: [Standard_E4s_v5], max: 10}]\n"},
			want: []string{"hubs/c1/cluster.yaml:3:18: nodeProvisioner: node provisioner \"config-connector\" is not available on azure\n\thint: use one of: \"aso\", \"karpenter\""},
		},
		{
			name:  "cluster errors: taint, account, missing field",
			files: map[string]string{"hubs/c1/cluster.yaml": strings.Replace(strings.Replace(clusterYAML, `"123456789012"`, "12345", 1), "max: 10}", "taints: [{key: a, effect: Never}]}", 1)},
			want: []string{
				"hubs/c1/cluster.yaml:2:16: aws.account: must be an AWS account ID (a string), not 12345" + "\n\thint: quote the value to make it a string",
				"hubs/c1/cluster.yaml:7:5: nodePools[1].max: field is required but not present",
				`hubs/c1/cluster.yaml:7:87: nodePools[1].taints[0].effect: invalid value "Never": must be one of "NoExecute", "NoSchedule", "PreferNoSchedule"`,
			},
		},
		{
			name:  "number where a string belongs",
			files: map[string]string{"hubs/fleet.yaml": "versions: {jupyterhub: 4.4}\n" + fleetYAML},
			want:  []string{"hubs/fleet.yaml:1:24: versions.jupyterhub: must be a release version (a string), not 4.4\n\thint: quote the value to make it a string"},
		},
		{
			name:  "hub in CUE",
			files: map[string]string{"hubs/c1/h2.cue": "domain: \"h2.example.org\"\nauth: {type: \"google\", clientId: \"x\", clientSecret: secretRef: key: 1}\nprofiles: [{slug: \"s\", nodePool: \"user\"}]\n"},
			want:  []string{"hubs/c1/h2.cue:2:64: auth.clientSecret.secretRef.key: must be a string, not 1\n\thint: quote the value to make it a string"},
		},
		{
			name:  "incomplete CUE hub",
			files: map[string]string{"hubs/c1/h2.cue": "domain: string\n"},
			want:  []string{"hubs/c1/h2.cue:1:9: domain: incomplete value string"},
		},
		{
			name:  "hubDefaults typo without hubs",
			files: map[string]string{"hubs/c1/h1.yaml": "", "hubs/c1/cluster.yaml": clusterYAML + "  cloudidentity: true\n"},
			want:  []string{"hubs/c1/cluster.yaml:10:3: hubDefaults.cloudidentity: field not allowed\n\thint: did you mean cloudIdentity?"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := Load(fixture(tt.files), Options{})
			if diff := cmp.Diff(tt.want, lines(errs)); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSelect(t *testing.T) {
	files := map[string]string{
		"hubs/c1/h2.yaml":      strings.Replace(hubYAML, "h1.example", "h2.example", 1),
		"hubs/c2/cluster.yaml": clusterYAML,
		"hubs/c2/bad.yaml":     "nope: 1\n",
	}
	f, errs := Load(fixture(files), Options{Select: []string{"c1/h2"}})
	if len(errs) > 0 {
		t.Fatal(lines(errs))
	}
	if len(f.Clusters) != 1 || len(f.Clusters[0].Hubs) != 1 || f.Clusters[0].Hubs[0].Name != "h2" {
		t.Fatalf("selected %v", f.Hubs())
	}
	_, errs = Load(fixture(files), Options{Select: []string{"c9", "c1/h9"}})
	want := []string{`hubs: no cluster "c9" in hubs/`, `hubs/c1: no hub "h9" in cluster "c1"`}
	if diff := cmp.Diff(want, lines(errs)); diff != "" {
		t.Error(diff)
	}
	f, errs = Load(fixture(files), Options{Select: []string{"c2"}})
	for _, d := range errs {
		if d.Pos.File != "hubs/c2/bad.yaml" {
			t.Errorf("select c2 reported %v", d)
		}
	}
	if !errs.HasErrors() || f.Cluster("c1") != nil || f.Cluster("c2") == nil {
		t.Errorf("select c2: %v %v", lines(errs), f.Clusters)
	}
}

// The shipped example fleet is valid and uses the features it shows off.
func TestExampleFleet(t *testing.T) {
	f, errs := Load(os.DirFS("../.."), Options{})
	if len(errs) > 0 {
		t.Fatalf("hubs/ is invalid:\n%s", strings.Join(lines(errs), "\n"))
	}
	var names []string
	for _, h := range f.Hubs() {
		names = append(names, h.ID())
	}
	if len(names) < 8 || len(f.Clusters) != 3 {
		t.Errorf("example fleet has %d clusters, hubs %v", len(f.Clusters), names)
	}
	seen := map[string]bool{}
	for _, h := range f.Hubs() {
		seen["auth:"+h.Auth.Type] = true
		seen["home:"+h.Storage.Home.Type] = true
		seen["dask"] = seen["dask"] || h.Dask.Enabled
		seen["hubpools"] = seen["hubpools"] || len(h.NodePools) > 0
		seen["patches"] = seen["patches"] || len(h.Patches) > 0
		seen["cue"] = seen["cue"] || strings.HasSuffix(h.Src.File, ".cue")
		for _, p := range h.Profiles {
			seen["gpu"] = seen["gpu"] || p.GPUs > 0
			seen["options"] = seen["options"] || len(p.Options) > 0
		}
	}
	for _, k := range []string{"auth:github", "auth:cilogon", "auth:google", "auth:generic-oauth", "auth:shared-password",
		"home:dynamic", "home:nfs", "dask", "hubpools", "patches", "cue", "gpu", "options"} {
		if !seen[k] {
			t.Errorf("example fleet does not use %s", k)
		}
	}
	for _, c := range f.Clusters {
		if c.Src.File != "hubs/"+c.Name+"/cluster.yaml" {
			t.Errorf("cluster %s Src.File %q", c.Name, c.Src.File)
		}
	}
}
