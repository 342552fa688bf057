package daskgateway

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hubfleet/hubfleet/internal/verifytest"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/verify"
	"github.com/hubfleet/hubfleet/test/kube"
)

// TestBuiltinKindsValid checks every built-in object through package
// verify: strict decoding into its k8s.io/api type plus the API server's
// cheap validity rules.
func TestBuiltinKindsValid(t *testing.T) {
	for name, mk := range testHubs() {
		t.Run(name, func(t *testing.T) {
			n := 0
			for _, o := range mustRender(t, mk()) {
				if o.Group() == "traefik.io" {
					continue
				}
				n++
				if err := verify.Object(o); err != nil {
					t.Error(err)
				}
			}
			if n == 0 {
				t.Fatal("no built-in objects checked")
			}
		})
	}
}

// TestTraefikObjectsMatchTheirCRDs validates the Traefik objects against
// their CRDs (embedded in package verify) as the API server would.
func TestTraefikObjectsMatchTheirCRDs(t *testing.T) {
	for name, mk := range testHubs() {
		t.Run(name, func(t *testing.T) {
			n := 0
			for _, o := range mustRender(t, mk()) {
				if o.Group() != "traefik.io" {
					continue
				}
				n++
				if err := verify.Object(o); err != nil {
					t.Error(err)
				}
			}
			if n != 3 {
				t.Errorf("%d traefik objects checked, want 3", n)
			}
		})
	}
}

// The check must catch mistakes in this package's Traefik kinds, or the
// test above proves nothing.
func TestCRDValidatorCatchesMistakes(t *testing.T) {
	h := awsHub()
	objs := mustRender(t, h)
	mw := find(t, objs, "Middleware", ClustersMiddleware(h))
	route := find(t, objs, "IngressRoute", apiName(h))
	for _, o := range []*manifest.Object{mw, route} {
		if err := verify.Object(o); err != nil {
			t.Fatalf("unmutated %s already invalid: %v", o, err)
		}
	}
	mw.Map()["spec"].(map[string]any)["stripPrefixRegex"].(map[string]any)["regexes"] = []any{"x"} // misspelt
	verifytest.WantFieldErrors(t, verify.Object(mw), "spec.stripPrefixRegex.regexes")
	route.Map()["spec"].(map[string]any)["routes"].([]any)[0].(map[string]any)["kind"] = "Bogus" // not in the enum
	verifytest.WantFieldErrors(t, verify.Object(route), "spec.routes[0].kind")
}

func TestCRDs(t *testing.T) {
	objs, err := CRDs()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join("crds", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 11 || len(files) != 11 {
		t.Fatalf("%d CRDs from %d files, want 11 (DaskCluster + 10 Traefik)", len(objs), len(files))
	}
	kinds := map[string]bool{}
	for _, o := range objs {
		if o.Cluster != "" || o.Hub != "" {
			t.Errorf("%s: Cluster/Hub = %q/%q, want empty", o, o.Cluster, o.Hub)
		}
		if err := verify.Object(o); err != nil {
			t.Error(err)
		}
		var crd apiextensionsv1.CustomResourceDefinition
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Map(), &crd); err != nil {
			t.Fatal(err)
		}
		if want := crd.Spec.Names.Plural + "." + crd.Spec.Group; crd.Name != want {
			t.Errorf("CRD %s: name, want %s", crd.Name, want)
		}
		if a := o.Annotations(); a[syncOptionsAnnot] != "ServerSideApply=true" || a[syncWaveAnnot] != crdSyncWave {
			t.Errorf("CRD %s: annotations %v", crd.Name, a)
		}
		if _, ok := o.Get("metadata").(map[string]any)["creationTimestamp"]; ok {
			t.Errorf("CRD %s keeps creationTimestamp: null", crd.Name)
		}
		kinds[crd.Spec.Names.Kind] = true
	}
	for _, k := range []string{"DaskCluster", "IngressRoute", "IngressRouteTCP", "Middleware", "TraefikService"} {
		if !kinds[k] {
			t.Errorf("no CRD for %s", k)
		}
	}
	// dropNulls must leave meaningful empty maps: the status subresource.
	dc := objectNamed(objs, "daskclusters.gateway.dask.org")
	if dc == nil {
		t.Fatal("no daskclusters CRD")
	}
	v := dc.Get("spec", "versions").([]any)[0].(map[string]any)
	if _, ok := v["subresources"].(map[string]any)["status"]; !ok {
		t.Error("DaskCluster CRD lost its status subresource")
	}
}

func objectNamed(objs []*manifest.Object, name string) *manifest.Object {
	for _, o := range objs {
		if o.Name() == name {
			return o
		}
	}
	return nil
}

// The embedded CRDs are upstream data: they must equal the shared copies
// they were taken from, in shared/crds next to the repository
// ($HUBFLEET_SHARED/crds), when that folder is present.
func TestCRDFilesMatchSharedCopies(t *testing.T) {
	shared, err := kube.CRDDir()
	if err != nil {
		t.Skipf("shared CRDs not available: %v", err)
	}
	files, err := filepath.Glob(filepath.Join("crds", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no embedded CRDs (%v)", err)
	}
	for _, f := range files {
		want, err := os.ReadFile(filepath.Join(shared, filepath.Base(f)))
		if err != nil {
			t.Skipf("shared CRDs not available: %v", err)
		}
		got, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s", f, shared)
		}
	}
	// And the YAML must be one document each.
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if strings.Contains(string(b), "\n---") {
			t.Errorf("%s holds more than one document", f)
		}
		var m map[string]any
		if err := yaml.Unmarshal(b, &m); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}
