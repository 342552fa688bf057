package verify

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/hubfleet/hubfleet/compiler/manifest"
)

// benchObjects is n hubs' worth of the built-in objects of newHub.
func benchObjects(b *testing.B, hubs int) []*manifest.Object {
	var objs []*manifest.Object
	for i := range hubs {
		for _, o := range newHub().objects(&testing.T{}) {
			if o.Group() == "external-secrets.io" {
				continue
			}
			o.Map()["metadata"].(map[string]any)["namespace"] = fmt.Sprintf("hub-%d", i)
			objs = append(objs, o)
		}
	}
	return objs
}

func BenchmarkObjectBuiltin(b *testing.B) {
	objs := benchObjects(b, 500) // 4,000 objects
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		for _, o := range objs {
			if err := Object(o); err != nil {
				b.Fatal(err)
			}
		}
	}
	// Wall time suffers when the machine is shared; CPU time (this
	// process, all threads, GC included) does much less.
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(objs))/1000, "µs/object")
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N*len(objs))/1000, "cpu-µs/object")
}

func BenchmarkObjectDeployment(b *testing.B) {
	o, err := manifest.New("hubs/aws/staging.yaml", deployment())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := Object(o); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkObjectNodePool(b *testing.B) {
	o := &manifest.Object{Body: nodePool("karpenter.k8s.aws", "EC2NodeClass")}
	if err := Object(o); err != nil { // compile the schema outside the timer
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := Object(o); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSemantics(b *testing.B) {
	objs := benchObjects(b, 50)
	opts := SemanticsOptions{ExtraPods: []map[string]string{userPod}}
	b.ReportAllocs()
	for b.Loop() {
		SemanticsWith(objs, opts)
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
