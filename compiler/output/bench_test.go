package output

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hubfleet/hubfleet/compiler/manifest"
)

func BenchmarkEncodeDeployment(b *testing.B) {
	o := &manifest.Object{Source: "hubs/aws/staging.yaml", Body: deploymentBody(rand.New(rand.NewPCG(1, 1)))}
	b.ReportAllocs()
	var n int
	cpu0 := cpuTime()
	for b.Loop() {
		out, err := Encode(o)
		if err != nil {
			b.Fatal(err)
		}
		n = len(out)
	}
	b.SetBytes(int64(n))
	// CPU time is steadier than wall time on a shared machine.
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N)/1000, "cpu-µs/op")
}

// fleetTree is 40,000 small files laid out like rendered/: 50 clusters of
// 20 hubs of 40 objects; gen changes every hundredth file.
func fleetTree(gen int) Tree {
	t := make(Tree, 40000)
	i := 0
	for c := range 50 {
		for h := range 20 {
			for o := range 40 {
				body := fmt.Sprintf("# Source: hubs/c%d/h%d.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: o%d\n  namespace: h%d\ndata:\n  k: v\n", c, h, o, h)
				if i%100 == 0 {
					body += fmt.Sprintf("  gen: %q\n", fmt.Sprint(gen))
				}
				t[fmt.Sprintf("c%d/hubs/h%d/configmap-o%d.yaml", c, h, o)] = []byte(body)
				i++
			}
		}
	}
	return t
}

func BenchmarkWrite40kUnchanged(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "rendered")
	t := fleetTree(0)
	if _, err := Write(dir, t); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		res, err := Write(dir, t)
		if err != nil || res.Changed() {
			b.Fatal(err, res.Changed())
		}
	}
}

func BenchmarkWrite40kOnePercentChanged(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "rendered")
	trees := []Tree{fleetTree(0), fleetTree(1)}
	if _, err := Write(dir, trees[0]); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		res, err := Write(dir, trees[i%2])
		if err != nil || res.Written != 400 {
			b.Fatal(err, res.Written)
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkEncodeDeploymentYAMLv3 is the same object through yaml.v3 nodes
// only (the path for objects the fast writer declines).
func BenchmarkEncodeDeploymentYAMLv3(b *testing.B) {
	o := &manifest.Object{Source: "hubs/aws/staging.yaml", Body: deploymentBody(rand.New(rand.NewPCG(1, 1)))}
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		var buf bytes.Buffer
		if err := encodeSlow(&buf, o); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N)/1000, "cpu-µs/op")
}

// configMapBody is a ConfigMap holding a program and JSON settings, the
// multi-line strings that used to send a hub's ConfigMaps to yaml.v3.
func configMapBody() map[string]any {
	var prog, settings strings.Builder
	for i := range 60 {
		fmt.Fprintf(&prog, "c.Spawner.option_%d = SETTINGS[\"option%d\"]  # from the hub file\n", i, i)
	}
	settings.WriteString("{\n")
	for i := range 80 {
		fmt.Fprintf(&settings, "  \"key%d\": \"value %d\",\n", i, i)
	}
	settings.WriteString("  \"last\": true\n}")
	return map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "hub", "namespace": "staging", "labels": map[string]any{"app": "jupyterhub", "component": "hub"}},
		"data":     map[string]any{"jupyterhub_config.py": prog.String(), "hubfleet.json": settings.String()},
	}
}

// BenchmarkEncodeConfigMap: fast is Encode (the literal-block fast path),
// yaml.v3 the path such objects took before it.
func BenchmarkEncodeConfigMap(b *testing.B) {
	o := &manifest.Object{Source: "hubs/aws/staging.yaml", Body: configMapBody()}
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Encode(o); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("yaml.v3", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var buf bytes.Buffer
			if err := encodeSlow(&buf, o); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkWrite40kKept is the write after a render that found every file
// unchanged as it encoded it (Options.Keep): nothing is read or written,
// so what is left is listing the directory and the bookkeeping.
func BenchmarkWrite40kKept(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "rendered")
	t := fleetTree(0)
	if _, err := Write(dir, t); err != nil {
		b.Fatal(err)
	}
	kept := make(Tree, len(t))
	keep := make(map[string]bool, len(t))
	for p := range t {
		kept[p], keep[p] = nil, true
	}
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		res, err := WriteWith(dir, kept, Options{Keep: keep})
		if err != nil || res.Changed() {
			b.Fatal(err, res.Changed())
		}
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N)/1e6, "cpu-ms/op")
}
