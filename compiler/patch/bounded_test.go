package patch

import (
	"sync"
	"testing"
)

func TestBounded(t *testing.T) {
	b := bounded[int, string]{max: 2}
	calls := 0
	get := func(k int, v string) string {
		return b.get(k, func() string { calls++; return v })
	}
	if got := get(1, "a"); got != "a" || calls != 1 {
		t.Fatalf("miss: %q, %d calls", got, calls)
	}
	if got := get(1, "other"); got != "a" || calls != 1 {
		t.Fatalf("hit: %q, %d calls", got, calls)
	}
	get(2, "b")
	// Full: the next key empties the map, so 1 is computed again.
	get(3, "c")
	if got := get(1, "a2"); got != "a2" || calls != 4 {
		t.Fatalf("after the reset: %q, %d calls", got, calls)
	}
	if len(b.m) > b.max {
		t.Fatalf("%d entries, max %d", len(b.m), b.max)
	}
}

// TestBoundedSharesFirstValue: goroutines that miss together all get the
// value stored first.
func TestBoundedSharesFirstValue(t *testing.T) {
	b := bounded[string, *int]{max: 8}
	var wg sync.WaitGroup
	got := make([]*int, 8)
	start := make(chan struct{})
	for i := range got {
		wg.Go(func() {
			<-start
			got[i] = b.get("k", func() *int { v := i; return &v })
		})
	}
	close(start)
	wg.Wait()
	for _, p := range got {
		if p != got[0] {
			t.Fatalf("goroutines got different values: %v", got)
		}
	}
}
