package jupyterhub

import (
	"syscall"
	"testing"
	"time"

	"github.com/hubfleet/hubfleet/compiler/fleetgen"
)

// BenchmarkRender renders every object of one hub per iteration, over the
// hubs of a generated fleet like the one the CLI is timed on. The machine
// is shared, so CPU time (getrusage) per hub is reported beside wall time.
func BenchmarkRender(b *testing.B) {
	rs := fleetRenderers(b, fleetgen.Generate(fleetgen.Options{Clusters: 5, HubsPerCluster: 20, Seed: 1}))
	b.ReportAllocs()
	cpu0 := cpuTime()
	for i := 0; b.Loop(); i++ {
		r := rs[i%len(rs)]
		if _, err := Render(r.h, r.f); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N)/1000, "cpu-µs/op")
}

// BenchmarkHubConfig renders the hub ConfigMap (hubfleet.json and the
// config hash) of one hub per iteration.
func BenchmarkHubConfig(b *testing.B) {
	rs := fleetRenderers(b, fleetgen.Generate(fleetgen.Options{Clusters: 5, HubsPerCluster: 20, Seed: 1}))
	b.ReportAllocs()
	cpu0 := cpuTime()
	for i := 0; b.Loop(); i++ {
		r := rs[i%len(rs)]
		r.objs = r.objs[:0]
		if err := r.hubConfig(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N)/1000, "cpu-µs/op")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
