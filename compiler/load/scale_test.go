package load

import (
	"io/fs"
	"os"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/hubfleet/hubfleet/compiler/fleetgen"
	"github.com/hubfleet/hubfleet/compiler/model"
)

// The result does not depend on the number of workers.
func TestLoadDeterministic(t *testing.T) {
	fsys := fleetgen.Generate(fleetgen.Options{Clusters: 6, HubsPerCluster: 5, Seed: 7})
	// One bad hub per run, so diagnostics are compared too.
	fsys["hubs/aws-karpenter-00/broken.yaml"] = &fstest.MapFile{Data: []byte("domain: x\nprofile: []\n")}
	f1, e1 := Load(fsys, Options{Workers: 1})
	f4, e4 := Load(fsys, Options{Workers: 4})
	if diff := cmp.Diff(e1, e4); diff != "" {
		t.Errorf("diagnostics differ:\n%s", diff)
	}
	if len(e1) == 0 {
		t.Error("the broken hub was not reported")
	}
	opts := cmp.Options{cmpopts.IgnoreFields(model.Hub{}, "Cluster"), cmpopts.EquateEmpty()}
	if diff := cmp.Diff(f1, f4, opts); diff != "" {
		t.Errorf("fleets differ:\n%s", diff)
	}
	if n := len(f1.Hubs()); n != 30 {
		t.Errorf("loaded %d hubs, want 30", n)
	}
}

// A generated fleet is valid whatever its size and seed.
func TestGeneratedFleetsAreValid(t *testing.T) {
	for _, o := range []fleetgen.Options{{Clusters: 1, HubsPerCluster: 1}, {Clusters: 5, HubsPerCluster: 9, Seed: 42}} {
		f, errs := Load(fleetgen.Generate(o), Options{})
		if len(errs) > 0 {
			t.Fatalf("%+v: %s", o, strings.Join(lines(errs), "\n"))
		}
		if len(f.Hubs()) != o.Clusters*o.HubsPerCluster {
			t.Errorf("%+v: %d hubs", o, len(f.Hubs()))
		}
	}
	f, errs := Load(fleetgen.GenerateAllOptions(), Options{})
	if len(errs) > 0 {
		t.Fatal(lines(errs))
	}
	provs := map[string]bool{}
	for _, c := range f.Clusters {
		provs[c.Provider+"/"+c.NodeProvisioner] = true
	}
	if len(provs) != 4 {
		t.Errorf("provisioners covered: %v", provs)
	}
}

func BenchmarkLoad1000(b *testing.B) {
	fsys := fleetgen.Generate(fleetgen.Options{Clusters: 50, HubsPerCluster: 20, Seed: 1})
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		f, errs := Load(fsys, Options{})
		if len(errs) > 0 || len(f.Hubs()) != 1000 {
			b.Fatalf("%d hubs, %v", len(f.Hubs()), lines(errs))
		}
	}
	if cpu > 0 {
		b.ReportMetric(float64(cpuTime()-cpu)/1e6/float64(b.N), "cpu-ms/op")
	}
}

// FuzzLoad feeds arbitrary bytes as a hub file (YAML or CUE) and as a
// cluster file: the loader must not panic, and must answer quickly.
func FuzzLoad(f *testing.F) {
	seeds, _ := fs.Glob(os.DirFS("../../hubs"), "*/*")
	for _, s := range seeds {
		if data, err := os.ReadFile("../../hubs/" + s); err == nil {
			f.Add(data, strings.HasSuffix(s, ".cue"), strings.HasSuffix(s, "cluster.yaml"))
		}
	}
	f.Add([]byte("a: &a [*a, *a]\n"), false, false)
	f.Add([]byte("x: {y: {z: [1, 2, {a: b}]}}\n\t- "), false, true)
	f.Add([]byte("a: [for x in [1,2] {x}]"), true, false)
	f.Fuzz(func(t *testing.T, data []byte, isCUE, asCluster bool) {
		fsys := fixture(nil)
		switch {
		case asCluster:
			fsys["hubs/c1/cluster.yaml"] = &fstest.MapFile{Data: data}
		case isCUE:
			delete(fsys, "hubs/c1/h1.yaml")
			fsys["hubs/c1/h1.cue"] = &fstest.MapFile{Data: data}
		default:
			fsys["hubs/c1/h1.yaml"] = &fstest.MapFile{Data: data}
		}
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		_, errs := Load(fsys, Options{Workers: 1})
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Load took %v", d)
		}
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		if grown := after.TotalAlloc - before.TotalAlloc; grown > 512<<20 {
			t.Errorf("Load allocated %d MiB", grown>>20)
		}
		for _, d := range errs {
			if d.Pos.File == "" || strings.Contains(d.Message, "internal error") {
				t.Errorf("bad diagnostic %q", d.String())
			}
		}
	})
}
