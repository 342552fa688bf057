package manifest

import "slices"

// firstOrder is the order in which a struct's keys are emitted for one
// First list: the listed keys the struct has, in the list's order, then
// the others in byte order. Emitters return one of a few fixed lists, so
// each struct plan keeps the order for the last list it met instead of
// searching the list for every key of every object.
type firstOrder struct {
	first []string // a copy of the list
	index []int32  // into the struct's sorted keys (walkFields)
}

// orderFor returns the indexes of the sorted keys of struct plan p in the
// order an emitter whose First returned first wants them, or nil for byte
// order (no first keys).
func (p *plan) orderFor(first []string) []int32 {
	if len(first) == 0 {
		return nil
	}
	if o := p.order.Load(); o != nil && slices.Equal(o.first, first) {
		return o.index
	}
	wfs := p.walkFields()
	o := &firstOrder{first: slices.Clone(first), index: make([]int32, 0, len(wfs))}
	for _, k := range first {
		// The keys are sorted: the first match is where a binary search
		// lands.
		if i := slices.IndexFunc(wfs, func(f walkField) bool { return f.name == k }); i >= 0 {
			o.index = append(o.index, int32(i))
		}
	}
	for i := range wfs {
		if !slices.Contains(first, wfs[i].name) {
			o.index = append(o.index, int32(i))
		}
	}
	p.order.Store(o)
	return o.index
}
