package output

import (
	"strconv"
	"sync"

	"github.com/hubfleet/hubfleet/compiler/manifest"
)

// encodeTyped writes the YAML of an object still without its map
// (manifest.Object.Lazy) straight from its struct: manifest's Walk streams
// the body convert would build, in key order, and typedWriter lays it out
// with fastWriter's rules, so the bytes are those fastEncode writes for
// the map. It returns false, having written nothing, when the walk or the
// writer declines; the caller then encodes the map.
func encodeTyped(dst []byte, o *manifest.Object) ([]byte, bool) {
	w := typedWriters.Get().(*typedWriter)
	w.b = dst
	w.failed = false
	ok := o.Walk(w) && len(w.frames) == 0 && !w.failed
	out := w.b
	clear(w.keys[:cap(w.keys)])
	w.b, w.keys, w.frames = nil, w.keys[:0], w.frames[:0]
	typedWriters.Put(w)
	if !ok {
		return dst, false
	}
	return out, true
}

var typedWriters = sync.Pool{New: func() any { return new(typedWriter) }}

// typedWriter is a manifest.Emitter writing what fastWriter writes for
// the same body. frames holds the mappings and sequences being written,
// innermost last.
type typedWriter struct {
	fastWriter
	frames []frame
	// failed says that what was written from failAt on is something
	// fastWriter leaves to yaml.v3. The walk goes on, as the entry there
	// may yet prune to nothing and be rolled back (a map entry with a
	// non-ASCII key and a nil value, say).
	failed bool
	failAt int
}

// fail records that fastWriter cannot write the entry or item whose bytes
// include the one at pos: a rollback to pos or before drops it.
func (w *typedWriter) fail(pos int) {
	if !w.failed {
		w.failed, w.failAt = true, pos
	}
}

type frame struct {
	order *keyOrder // of a mapping's keys
	key   string    // a mapping's last key, whose value comes next
	// n is the indentation of a mapping's keys, or of a sequence's "- ".
	n   int
	seq bool
	// nested marks a sequence in a sequence, which fastWriter leaves to
	// yaml.v3.
	nested bool
	// inline is, for a mapping that is a sequence item, where its first
	// key goes: right after the "- ". It is -1 for other mappings.
	inline int
}

var _ manifest.Emitter = (*typedWriter)(nil)

func (w *typedWriter) top() *frame { return &w.frames[len(w.frames)-1] }

func (w *typedWriter) Mark() int { return len(w.b) }

func (w *typedWriter) Rollback(mark int) {
	w.b = w.b[:mark]
	if w.failed && mark <= w.failAt {
		w.failed = false
	}
}

func (w *typedWriter) First() []string { return w.top().order.first }

func (w *typedWriter) Key(k string) bool {
	f := w.top()
	pos := len(w.b)
	if pos != f.inline {
		w.indent(f.n)
	}
	if !w.str(k, true, 0) {
		w.fail(pos)
	}
	w.b = append(w.b, ':')
	f.key = k
	return true
}

func (w *typedWriter) Item() bool {
	f := w.top()
	if f.nested {
		w.fail(len(w.b)) // "- - x" layout: leave it to yaml.v3
	}
	w.indent(f.n)
	w.b = append(w.b, "- "...)
	return true
}

func (w *typedWriter) BeginMap() {
	if len(w.frames) == 0 {
		w.frames = append(w.frames, frame{order: rootOrder, inline: -1})
		return
	}
	f := *w.top()
	if f.seq {
		w.frames = append(w.frames, frame{order: plainOrder, n: f.n + 2, inline: len(w.b)})
		return
	}
	w.b = append(w.b, '\n')
	w.frames = append(w.frames, frame{order: f.order.next(f.key), n: f.n + 2, inline: -1})
}

func (w *typedWriter) EndMap() { w.frames = w.frames[:len(w.frames)-1] }

func (w *typedWriter) EmptyMap() {
	if w.top().seq {
		w.b = append(w.b, "{}\n"...)
	} else {
		w.b = append(w.b, " {}\n"...)
	}
}

func (w *typedWriter) BeginSeq() {
	f := *w.top()
	if f.seq {
		w.frames = append(w.frames, frame{seq: true, nested: true, n: f.n + 2, inline: -1})
		return
	}
	// The compact style: items of a sequence under a key line up with it.
	w.b = append(w.b, '\n')
	w.frames = append(w.frames, frame{seq: true, n: f.n, inline: -1})
}

func (w *typedWriter) EndSeq() { w.frames = w.frames[:len(w.frames)-1] }

// scalarIndent starts a scalar value and returns the indentation of its
// continuation lines, as mapping and sequence pass it to scalar.
func (w *typedWriter) scalarIndent() int {
	f := w.top()
	if !f.seq {
		w.b = append(w.b, ' ')
	}
	return f.n + 2
}

func (w *typedWriter) String(s string) bool {
	pos := len(w.b)
	if !w.strLine(s, w.scalarIndent()) {
		w.fail(pos - 1) // the ':' or ' ' before the value
	}
	return true
}

func (w *typedWriter) Int(i int64) {
	w.scalarIndent()
	w.b = strconv.AppendInt(w.b, i, 10)
	w.b = append(w.b, '\n')
}

func (w *typedWriter) Bool(b bool) {
	w.scalarIndent()
	w.b = strconv.AppendBool(w.b, b)
	w.b = append(w.b, '\n')
}

func (w *typedWriter) Float(f float64) bool {
	pos := len(w.b)
	w.scalarIndent()
	if !w.float(f) {
		w.fail(pos - 1)
	}
	return true
}

func (w *typedWriter) Value(v any) bool {
	f := w.top()
	pos := len(w.b)
	ok := false
	if f.seq {
		ok = w.itemValue(v, f.n)
	} else {
		ok = w.entryValue(v, f.order.next(f.key), f.n)
	}
	if !ok {
		w.fail(pos - 1)
	}
	return true
}
