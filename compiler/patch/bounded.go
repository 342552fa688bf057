package patch

import "sync"

// bounded is a map under a lock, emptied whole when it reaches max
// entries. The package's caches are keyed by hub input (patch texts,
// targets, object types), so they must stay bounded; a fleet's hubs
// share a few keys (hubDefaults give them the same patches), so a
// simple reset keeps the hits.
type bounded[K comparable, V any] struct {
	mu  sync.Mutex
	m   map[K]V
	max int
}

// get returns the value for k, computing it with compute, outside the
// lock, on a miss. When two goroutines miss at once the first value stored
// is kept and returned to both, so callers share one value per key.
func (b *bounded[K, V]) get(k K, compute func() V) V {
	b.mu.Lock()
	v, ok := b.m[k]
	b.mu.Unlock()
	if ok {
		return v
	}
	v = compute()
	b.mu.Lock()
	defer b.mu.Unlock()
	if old, ok := b.m[k]; ok {
		return old
	}
	if len(b.m) >= b.max || b.m == nil {
		b.m = make(map[K]V)
	}
	b.m[k] = v
	return v
}
