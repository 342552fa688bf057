package output_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/hubfleet/hubfleet/compiler/fleetgen"
	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/output"
)

// BenchmarkEncodeTypedFleet encodes every lazy object of a generated
// fleet of 40 hubs from its struct, into one reused buffer as the build
// does: the encoding share of a render, without loading and rendering.
// "fresh" forgets the memos of string styles and long values before each
// pass, as a render does (it encodes each object once); "warm" keeps them.
func BenchmarkEncodeTypedFleet(b *testing.B) {
	f := loadFleet(b, fleetgen.Generate(fleetgen.Options{Clusters: 2, HubsPerCluster: 20, Seed: 1}))
	var objs []*manifest.Object
	for _, o := range renderObjects(b, f) {
		if o.Lazy() {
			objs = append(objs, o)
		}
	}
	var buf []byte
	var size int64
	for _, o := range objs {
		var err error
		if buf, err = output.AppendEncode(buf[:0], o); err != nil {
			b.Fatal(err)
		}
		size += int64(len(buf))
	}
	for _, fresh := range []bool{true, false} {
		name := "warm"
		if fresh {
			name = "fresh"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			cpu0 := processCPU()
			for b.Loop() {
				if fresh {
					output.ForgetStrings()
				}
				for _, o := range objs {
					buf, _ = output.AppendEncode(buf[:0], o)
				}
			}
			// CPU time is steadier than wall time on a shared machine.
			b.ReportMetric(float64((processCPU()-cpu0).Nanoseconds())/float64(b.N)/1e6, "cpu-ms/op")
			b.ReportMetric(float64(len(objs)), "objects")
		})
	}
	for _, o := range objs {
		if !o.Lazy() {
			b.Fatalf("%s: encoding built the map", o)
		}
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
