package load

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/hubfleet/hubfleet/compiler/model"
)

// loadFastFull loads a fleet with the fast path (shapes on) and with the
// full validation only, and reports any difference: a cheaper loadModes
// for big inputs.
func loadFastFull(t *testing.T, fsys fstest.MapFS) (*model.Fleet, []string) {
	t.Helper()
	opts := cmp.Options{cmpopts.IgnoreFields(model.Hub{}, "Cluster"), cmpopts.EquateEmpty()}
	fast, fastErrs := Load(fsys, Options{Workers: 2})
	fastPath = false
	full, fullErrs := Load(fsys, Options{Workers: 2})
	fastPath = true
	if diff := cmp.Diff(full, fast, opts); diff != "" {
		t.Errorf("fleets differ (-full +fast):\n%s", diff)
	}
	if diff := cmp.Diff(lines(fullErrs), lines(fastErrs)); diff != "" {
		t.Errorf("diagnostics differ (-full +fast):\n%s", diff)
	}
	return fast, lines(fastErrs)
}

// A hub field whose exported value has more than 10,000 paths: the fast
// path once indexed only the first 10,001 of them (piece.index), in Go map
// order, so schema defaults past the cap got no position (which ones was
// random), while the full validation (fillDefaults) gives every one the
// position of its nearest written ancestor. Each profile has 7 paths:
// itself, slug, displayName, nodePool and the defaults default, cpu and
// memory. (Source.At agreed even then, since Lookup climbs to the parent;
// the Positions maps did not.)
func TestManyPathsPositions(t *testing.T) {
	var b strings.Builder
	b.WriteString(strings.Replace(hubYAML, "profiles:\n  - {slug: small, default: true, nodePool: user}\n", "", 1))
	b.WriteString("image: a/b:1\nprofiles:\n")
	for i := range 1450 {
		fmt.Fprintf(&b, "  - {slug: p%d, nodePool: user}\n", i)
	}
	f, errs := loadFastFull(t, fixture(map[string]string{"hubs/c1/h1.yaml": b.String()}))
	if len(errs) > 0 || len(f.Hubs()) != 1 {
		t.Fatalf("%d hubs, %v", len(f.Hubs()), errs)
	}
}

// reviewHub has a free string leaf at every %s that shapeHub leaves out:
// the generic-oauth block, allowed lists, a pattern-keyed map with a key
// that needs quoting, profile options and choices, node pools (labels,
// taints, enumerations and defaults), patches, dask and an NFS home.
const reviewHub = `auth:
  type: generic-oauth
  clientId: id
  clientSecret: {secretRef: {key: %s}}
  generic-oauth:
    authorizeUrl: %s
    tokenUrl: %s
    userdataUrl: %s
    usernameClaim: %s
    scopes: [%s]
    allowedGroups: [%s]
    groupsClaim: %s
  github: {allowedOrganizations: [%s]}
  google: {allowedDomains: [%s]}
  cilogon: {allowedIdps: {"é \"q\" [0].x": {usernameClaim: %s}}}
  sharedPassword: {secretRef: {key: %s}}
  allowedUsers: [%s]
profiles:
  - slug: %s
    displayName: %s
    nodePool: %s
    image: %s
    allowedGroups: [%s]
    environment: {X_1: %s}
    options:
      img:
        displayName: %s
        choices:
          c-1: {displayName: %s, image: %s, memory: {guarantee: %s}, environment: {Y: %s}}
          c_2: {default: true}
        unlisted: {displayName: %s, validationRegex: %s}
nodePools:
  - name: %s
    purpose: user
    instanceTypes: [%s]
    max: 3
    capacityType: %s
    zones: [%s]
    labels: {example.com/team: %s}
    taints: [{key: %s, value: %s, effect: %s}]
    arch: %s
    generation: %s
    disruption: {consolidationPolicy: %s, consolidateAfter: %s, expireAfter: %s}
patches:
  - target: {group: %s, version: %s, kind: %s, name: %s, namespace: %s, labelSelector: %s, annotationSelector: %s}
    patch: %s
dask:
  enabled: true
  workerNodePool: %s
  schedulerNodePool: %s
  image: %s
  scheduler: {memory: %s}
  workerSizes: [{name: %s, cores: 1, memory: %s}]
  limits: {maxMemory: %s}
storage: {home: {type: nfs, server: %s, path: %s}}
`

// reviewLeaves are valid values of the leaves of reviewHub, in order.
var reviewLeaves = []string{
	"c1/h", "https://a.example/auth", "https://a.example/token", "https://a.example/user", "sub", "openid", "staff", "groups",
	"org:team", "example.edu", "email", "c1/pw", "bob",
	"small", "Small", "user", "a/b:2", "g", "v", "Image", "One", "a/c:1", "1G", "y", "Other", "^.*$",
	"gpu", "g4dn.xlarge", "spot", "us-west-2a", "ml", "nvidia.com/gpu", "true", "NoSchedule", "arm64", "g1",
	"WhenEmpty", "10m", "Never",
	"apps", "v1", "Deployment", "hub", "ns", "a=b", "c=d", "[]",
	"gpu", "gpu", "a/d:1", "2G", "s", "1G", "10G",
	"nfs.example.org", "/homes",
}

// reviewVariants are tried in every leaf of reviewHub: empty, wrong
// formats, escapes, HTML characters, non-ASCII, combining marks, the
// defaults and enumerations of other leaves, lengths at the limits.
var reviewVariants = []string{
	// The first three are tried in every leaf.
	"", strings.Repeat("a", 64), "q\"\\<&>\u2028", "x", "Bad Value", "ünï", "e\u0301", "spot", "on-demand", "amd64", "2G", "WhenEmptyOrUnderutilized",
	"1h30m", "https://b.example/x", "http://$x", "quay.io/x/y:2024", "/p", "email", "preferred_username", "NoExecute",
	strings.Repeat("a", 63), strings.Repeat("é", 64), "a\n", "c_2", "c-1", "\x00", strings.Repeat("a.", 127) + "ab",
}

// reviewDefaulted are the leaves of reviewHub with a default or an
// enumeration, and reviewEnums the variants that are one of those: each
// such leaf tries all of them.
var (
	reviewDefaulted = map[int]bool{4: true, 10: true, 20: true, 28: true, 33: true, 34: true, 36: true, 50: true}
	reviewEnums     = map[string]bool{"spot": true, "on-demand": true, "amd64": true, "2G": true, "WhenEmptyOrUnderutilized": true,
		"email": true, "preferred_username": true, "NoExecute": true, "c_2": true, "c-1": true}
)

// reviewHubWith returns reviewHub with leaf i set to v (i < 0: all valid).
func reviewHubWith(i int, v string) string { return fillLeaves(reviewHub, reviewLeaves, i, v) }

// reviewCUE writes a YAML hub as a CUE file with the same fields in the
// same order (so the same shape), plus what only CUE has: a let, a hidden
// field, a definition and an interpolation.
func reviewCUE(t testing.TB, src string) string {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("let org = \"example\"\n_hidden: 1\n#Def: {a: string}\n")
	var emit func(n *yaml.Node)
	emit = func(n *yaml.Node) {
		switch n.Kind {
		case yaml.MappingNode:
			b.WriteString("{\n")
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, _ := json.Marshal(n.Content[i].Value)
				b.Write(k)
				b.WriteString(": ")
				emit(n.Content[i+1])
				b.WriteString("\n")
			}
			b.WriteString("}")
		case yaml.SequenceNode:
			b.WriteString("[")
			for _, it := range n.Content {
				emit(it)
				b.WriteString(", ")
			}
			b.WriteString("]")
		default:
			if n.ShortTag() != "!!str" {
				b.WriteString(n.Value)
				return
			}
			if n.Value == "example.edu" {
				b.WriteString(`"\(org).edu"`)
				return
			}
			s, _ := json.Marshal(n.Value)
			b.Write(s)
		}
	}
	for i := 0; i+1 < len(doc.Content[0].Content); i += 2 {
		b.WriteString(doc.Content[0].Content[i].Value + ": ")
		emit(doc.Content[0].Content[i+1])
		b.WriteString("\n")
	}
	return b.String()
}

// Every leaf of reviewHub, with every variant, in YAML hubs of two
// clusters (the second cluster's hubDefaults add a leaf, so its hubs have
// their own shape) and in CUE hubs of the same shape: shapes on and the
// full validation give the same hubs, positions and diagnostics.
func TestShapesMoreLeaves(t *testing.T) {
	files := map[string]string{
		"hubs/c1/a-base.yaml": hubYAML0 + reviewHubWith(-1, ""),
		"hubs/c2/cluster.yaml": strings.Replace(clusterYAML, "hubDefaults:\n",
			"hubDefaults:\n  auth: {sharedPassword: {secretRef: {property: from-c2}}}\n", 1),
		"hubs/c2/a-base.yaml": hubYAML0 + reviewHubWith(-1, ""),
	}
	for i := range reviewLeaves {
		for j, v := range reviewVariants {
			// An eighth of the other variants per leaf, in turn,
			// keeps the run short.
			if j >= 3 && (i+j)%8 != 0 && !(reviewDefaulted[i] && reviewEnums[v]) {
				continue
			}
			c := []string{"c1", "c2"}[(i/4)%2]
			name := fmt.Sprintf("hubs/%s/v%02d-%02d.yaml", c, i, j)
			src := hubYAML0 + reviewHubWith(i, v)
			if i%3 == 1 && utf8.ValidString(v) && !strings.ContainsRune(v, 0) {
				name, src = strings.TrimSuffix(name, ".yaml")+".cue", reviewCUE(t, src)
			}
			files[name] = src
		}
	}
	before := shapeHits.Load()
	f, errs := loadFastFull(t, fixture(files))
	if hits := shapeHits.Load() - before; hits < int64(len(reviewLeaves)*3) {
		t.Errorf("%d values were checked against a shape", hits)
	}
	t.Logf("%d hubs, %d diagnostics, %d shape hits", len(f.Hubs()), len(errs), shapeHits.Load()-before)
	if len(errs) == 0 || len(f.Hubs()) < 100 {
		t.Errorf("%d diagnostics, %d hubs: the variants are not a mix of valid and invalid", len(errs), len(f.Hubs()))
	}
}

// hubYAML0 is the part of a hub that reviewHub does not write.
const hubYAML0 = "displayName: Hub\ndomain: h.example.org\nimage: a/b:1\n"
