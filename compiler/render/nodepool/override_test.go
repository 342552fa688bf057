package nodepool

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/hubfleet/hubfleet/compiler/manifest"
)

func renderWith(t *testing.T, overrides fstest.MapFS, template string) []*manifest.Object {
	t.Helper()
	r, err := New(overrides)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := r.Render(clusterFor(template))
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// A fleet replaces a template wholesale by dropping a file of the same name
// into hubs/_templates/.
func TestOverrideReplacesTemplate(t *testing.T) {
	fsys := fstest.MapFS{"gcp-config-connector.libsonnet": {Data: []byte(`{
  nodePool(pool, cluster):: {
    apiVersion: 'container.cnrm.cloud.google.com/v1beta1',
    kind: 'ContainerNodePool',
    metadata: { name: 'fleet-' + pool.name, namespace: cluster.gcp.namespace },
    spec: { location: cluster.gcp.location, nodeConfig: { machineType: pool.machineType } },
  },
}`)}}
	objs := renderWith(t, fsys, TemplateGCPKCC)
	if len(objs) != 5 {
		t.Fatalf("got %d objects, want 5", len(objs))
	}
	for _, o := range objs {
		if !strings.HasPrefix(o.Name(), "fleet-") {
			t.Errorf("%s: not from the override", o)
		}
		if o.Get("spec", "autoscaling") != nil {
			t.Errorf("%s: has fields of the embedded template", o)
		}
		// The guards against pruning survive any template.
		a := o.Annotations()
		if a[AnnotSyncOptions] != SyncOptionsCapacity || a[AnnotSyncWave] != SyncWaveNodePool ||
			a["cnrm.cloud.google.com/deletion-policy"] != "abandon" {
			t.Errorf("%s: annotations %v lack the capacity guards", o, a)
		}
	}
	// Other providers still use the embedded templates.
	aws := renderWith(t, fsys, TemplateAWSKarpenter)
	if d := cmp.Diff(encode(t, renderWith(t, nil, TemplateAWSKarpenter)), encode(t, aws)); d != "" {
		t.Errorf("aws output changed by a gcp override:\n%s", d)
	}
}

// A fleet extends a template with a mixin that imports the embedded one.
func TestOverrideExtendsTemplate(t *testing.T) {
	fsys := fstest.MapFS{
		"aws-karpenter.libsonnet": {Data: []byte(`
local base = import 'hubfleet/aws-karpenter.libsonnet';
local tags = import 'lib/tags.libsonnet';
base {
  nodePool(p, c):: super.nodePool(p, c) + {
    spec+: {
      disruption+: { consolidateAfter: if p.purpose == 'user' then '30m' else super.consolidateAfter },
      weight: 50,
    },
  },
  nodeClass(nc, c):: super.nodeClass(nc, c) + { spec+: { tags: tags } },
}`)},
		"lib/tags.libsonnet": {Data: []byte(`import 'team.libsonnet'`)},
		// Resolved relative to lib/tags.libsonnet first.
		"lib/team.libsonnet": {Data: []byte(`{ team: 'ocean' }`)},
		"team.libsonnet":     {Data: []byte(`{ team: 'wrong' }`)},
	}
	plain := renderWith(t, nil, TemplateAWSKarpenter)
	ext := renderWith(t, fsys, TemplateAWSKarpenter)
	if len(plain) != len(ext) {
		t.Fatalf("got %d objects, want %d", len(ext), len(plain))
	}
	for i, o := range ext {
		want := plain[i].Map()
		if errs := validateObject(t, TemplateAWSKarpenter, o); len(errs) > 0 {
			t.Errorf("%s: extended object is invalid: %v", o, errs)
		}
		switch {
		case o.Kind() == "EC2NodeClass":
			if got := o.Get("spec", "tags"); !cmp.Equal(got, map[string]any{"team": "ocean"}) {
				t.Errorf("%s: tags %v", o, got)
			}
			delete(o.Get("spec").(map[string]any), "tags")
		default:
			if got := o.Get("spec", "weight"); got != int64(50) {
				t.Errorf("%s: weight %v (%T), want 50", o, got, got)
			}
			delete(o.Get("spec").(map[string]any), "weight")
			if o.Name() == "user" || o.Name() == "gpu-t4" || o.Name() == "staging-highmem-b" {
				if got := o.Get("spec", "disruption", "consolidateAfter"); got != "30m" {
					t.Errorf("%s: consolidateAfter %v, want 30m", o, got)
				}
				dig(o.Map(), "spec", "disruption")["consolidateAfter"] = "10m"
			}
		}

		// Everything else is the embedded template's output.
		if d := cmp.Diff(want, o.Map()); d != "" {
			t.Errorf("%s differs from the embedded output beyond the mixin:\n%s", o, d)
		}
	}
}

func TestTemplateErrorsAreBrief(t *testing.T) {
	cases := []struct {
		name, file, src string
		want            []string
	}{
		{"runtime error", "azure-aso.libsonnet",
			"{\n  nodePool(pool, cluster)::\n    if pool.purpose == 'dask-worker' then error 'no spot here: ' + pool.name\n    else { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: pool.name } },\n}",
			[]string{"hubs/_templates/azure-aso.libsonnet", "node pool dask", "hubs/pangeo-azure/cluster.yaml", "no spot here: dask", "azure-aso.libsonnet:3:"}},
		{"missing field", "azure-aso.libsonnet",
			"{ nodePool(pool, cluster):: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: pool.nmae } } }",
			[]string{"node pool core", "Field does not exist: nmae"}},
		{"not an object", "azure-aso.libsonnet",
			"{ nodePool(pool, cluster):: 'text' }",
			[]string{"node pool core", "template returned a string"}},
		{"no name", "azure-aso.libsonnet",
			"{ nodePool(pool, cluster):: { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} } }",
			[]string{"object has no metadata.name"}},
		{"no function", "azure-aso.libsonnet", "{}",
			[]string{"template has no function nodePool"}},
		{"bad import", "azure-aso.libsonnet", "import 'nope.libsonnet'",
			[]string{`import "nope.libsonnet": not found`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := New(fstest.MapFS{tc.file: {Data: []byte(tc.src)}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = r.Render(azureASOCluster())
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not mention %q", msg, w)
				}
			}
			if strings.Contains(msg, "\n") || strings.Contains(msg, "RUNTIME ERROR") || strings.Contains(msg, "During evaluation") {
				t.Errorf("error carries a stack trace: %q", msg)
			}
			var te *TemplateError
			if !errors.As(err, &te) {
				t.Errorf("error %T is not a *TemplateError", err)
			}
		})
	}
}

func TestNewRejectsBrokenOverride(t *testing.T) {
	_, err := New(fstest.MapFS{"aws-karpenter.libsonnet": {Data: []byte("{ nodePool(p, c):: { ")}})
	if err == nil || !strings.Contains(err.Error(), "hubs/_templates/aws-karpenter.libsonnet") {
		t.Fatalf("got %v, want a parse error naming the override", err)
	}
	_, err = New(fstest.MapFS{"aws-karpenter.libsonnet/x": {Data: []byte("{}")}})
	if err == nil || !strings.Contains(err.Error(), "aws-karpenter.libsonnet") {
		t.Fatalf("a directory in place of a template: got %v", err)
	}
}
