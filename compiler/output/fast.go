package output

import (
	"bytes"
	"hash/maphash"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"go.yaml.in/yaml/v3"
)

// fastEncode writes the YAML of a body without going through yaml.v3, for
// the common case: block mappings and sequences of ints, bools, nulls,
// floats and ASCII strings, which it writes plain, quoted or as literal
// block scalars by the rules of yaml.v3's emitter (ported in str and
// analyze). yaml.v3's emitter queues every event and allocates about 300
// bytes per node; this writes the same bytes directly. It returns false,
// having written nothing, when the body holds anything else (non-ASCII
// strings, keys yaml.v3 writes in the "? " form, sequences of sequences,
// empty documents); the caller then uses yaml.v3. A differential test
// holds the two paths byte-identical.
func fastEncode(dst []byte, body map[string]any) ([]byte, bool) {
	if len(body) == 0 {
		return dst, false
	}
	keys, _ := keyScratch.Get().(*[]string)
	if keys == nil {
		keys = new([]string)
	}
	w := fastWriter{b: dst, keys: (*keys)[:0]}
	ok := w.mapping(body, rootOrder, 0, false)
	clear(w.keys[:cap(w.keys)])
	*keys = w.keys[:0]
	keyScratch.Put(keys)
	if !ok {
		return dst[:len(dst)], false
	}
	return w.b, true
}

// keyScratch recycles fastWriter.keys between bodies.
var keyScratch sync.Pool

type fastWriter struct {
	b []byte
	// keys holds the sorted keys of the mappings being written, innermost
	// last, so that sorting allocates nothing once it has grown.
	keys []string
}

const spaces = "                                                                "

func (w *fastWriter) indent(n int) {
	for ; n > len(spaces); n -= len(spaces) {
		w.b = append(w.b, spaces...)
	}
	w.b = append(w.b, spaces[:n]...)
}

// mapping writes the entries of m at indentation n; inline means the
// first entry follows a "- " already written.
func (w *fastWriter) mapping(m map[string]any, order *keyOrder, n int, inline bool) bool {
	start := len(w.keys)
	w.keys = order.appendSorted(w.keys, m)
	end := len(w.keys)
	defer func() { w.keys = w.keys[:start] }()
	for i := start; i < end; i++ {
		k := w.keys[i]
		if i > start || !inline {
			w.indent(n)
		}
		if !w.str(k, true, 0) {
			return false
		}
		w.b = append(w.b, ':')
		if !w.entryValue(m[k], order.next(k), n) {
			return false
		}
	}
	return true
}

// entryValue writes v after the "key:" of an entry of a mapping at
// indentation n; order is the order of v's keys if it is a mapping.
func (w *fastWriter) entryValue(v any, order *keyOrder, n int) bool {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 {
			w.b = append(w.b, " {}\n"...)
			return true
		}
		w.b = append(w.b, '\n')
		return w.mapping(t, order, n+2, false)
	case []any:
		if len(t) == 0 {
			w.b = append(w.b, " []\n"...)
			return true
		}
		w.b = append(w.b, '\n')
		return w.sequence(t, n)
	default:
		w.b = append(w.b, ' ')
		return w.scalar(v, n+2)
	}
}

// sequence writes items with their "- " at indentation n (the compact
// style: a sequence under a key is not indented further).
func (w *fastWriter) sequence(items []any, n int) bool {
	for _, it := range items {
		w.indent(n)
		w.b = append(w.b, "- "...)
		if !w.itemValue(it, n) {
			return false
		}
	}
	return true
}

// itemValue writes v after the "- " of an item of a sequence at
// indentation n.
func (w *fastWriter) itemValue(v any, n int) bool {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 {
			w.b = append(w.b, "{}\n"...)
			return true
		}
		return w.mapping(t, plainOrder, n+2, true)
	case []any:
		if len(t) > 0 {
			return false // "- - x" layout: leave it to yaml.v3
		}
		w.b = append(w.b, "[]\n"...)
		return true
	default:
		return w.scalar(v, n+2)
	}
}

// scalar writes v and the line break that ends it; a multi-line string
// has its lines at indentation n.
func (w *fastWriter) scalar(v any, n int) bool {
	switch t := v.(type) {
	case nil:
		w.b = append(w.b, "null"...)
	case bool:
		w.b = strconv.AppendBool(w.b, t)
	case int64:
		w.b = strconv.AppendInt(w.b, t, 10)
	case int:
		w.b = strconv.AppendInt(w.b, int64(t), 10)
	case int32:
		w.b = strconv.AppendInt(w.b, int64(t), 10)
	case float64:
		return w.float(t)
	case string:
		return w.strLine(t, n)
	default:
		return false
	}
	w.b = append(w.b, '\n')
	return true
}

// float writes f and a line break; NaN and infinities are not JSON.
func (w *fastWriter) float(f float64) bool {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return false
	}
	w.b = strconv.AppendFloat(w.b, f, 'g', -1, 64)
	w.b = append(w.b, '\n')
	return true
}

// strLine writes the string value s and the line break that ends it.
func (w *fastWriter) strLine(s string, n int) bool {
	if !w.str(s, false, n) {
		return false
	}
	if len(w.b) == 0 || w.b[len(w.b)-1] != '\n' { // a literal block ends its own line
		w.b = append(w.b, '\n')
	}
	return true
}

// str writes s as yaml.v3 would (plain, single-quoted, double-quoted or,
// for a multi-line value, a literal block scalar whose content sits at
// indentation n), or returns false when it cannot be sure: non-ASCII text,
// and keys yaml.v3 writes in the "? " form (long or multi-line).
func (w *fastWriter) str(s string, key bool, n int) bool {
	if key && len(s) > maxKey {
		return false
	}
	if !key && len(s) >= longString {
		return w.longStr(s, n)
	}
	return w.strUncached(s, key, n)
}

// maxKey is the longest key yaml.v3 writes as a simple key; a longer one
// takes the "? " form.
const maxKey = 128

// Long values (the config programs in every hub's ConfigMaps) repeat from
// object to object: what str writes for one at an indentation is kept once
// it has been seen twice, up to a bound, so a value seen once (a hub's own
// settings) costs a hash rather than a copy.
const (
	longString   = 512
	longMemoSize = 16 << 20 // bytes of values and outputs kept
)

type longKey struct {
	s string
	n int
}

var (
	longSeed  = maphash.MakeSeed()
	longSeen  sync.Map // hash of longKey → struct{}
	longMemo  sync.Map // longKey → []byte
	longBytes atomic.Int64
)

func (w *fastWriter) longStr(s string, n int) bool {
	if out, ok := longMemo.Load(longKey{s, n}); ok {
		w.b = append(w.b, out.([]byte)...)
		return true
	}
	start := len(w.b)
	if !w.strUncached(s, false, n) {
		return false
	}
	if longBytes.Load() >= longMemoSize {
		return true
	}
	h := maphash.String(longSeed, s) ^ uint64(n)*0x9e3779b97f4a7c15
	if _, again := longSeen.LoadOrStore(h, struct{}{}); again {
		out := bytes.Clone(w.b[start:])
		if longBytes.Add(int64(len(s)+len(out))) <= longMemoSize {
			longMemo.Store(longKey{strings.Clone(s), n}, out)
		}
	}
	return true
}

func (w *fastWriter) strUncached(s string, key bool, n int) bool {
	if simplePlain(s) {
		w.b = append(w.b, s...)
		return true
	}
	return w.styled(s, key, n)
}

// styled is strUncached for a string that is not simplePlain.
func (w *fastWriter) styled(s string, key bool, n int) bool {
	st := styleOf(s, key)
	switch st {
	case styleFail:
		return false
	case stylePlain:
		w.b = append(w.b, s...)
	case styleSingle:
		w.singleQuoted(s)
	case styleDouble:
		w.doubleQuoted(s)
	case styleLiteral:
		w.literal(s, n)
	}
	return true
}

// simplePlain reports whether s is a name-like string (most keys, names,
// labels and image references) that yaml.v3 writes plain: it starts with
// a letter, '/' or '_', holds only letters, digits and . _ / -, and is not
// a keyword (a bool, null or YAML 1.1 bool, which only letters of
// keywordFirst start). It decides without analyze.
func simplePlain(s string) bool {
	if s == "" {
		return false
	}
	c := s[0]
	if (!stringFirst[c] && !keywordFirst[c]) || c == '"' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !nameByte[s[i]] {
			return false
		}
	}
	return !keywordFirst[c] || len(s) > maxKeyword || !isKeyword(s)
}

// keywordFirst marks the letters YAML keywords start with: name-like
// strings starting with them (name, namespace, type, template, ...) are
// plain unless they are keywords.
var keywordFirst = withBytes([256]bool{}, "yYnNtTfFoO", true)

// maxKeyword is the length of the longest keyword ("false").
const maxKeyword = 5

// isKeyword reports whether yaml.v3 reads s as a bool or null, or quotes
// it as a YAML 1.1 bool.
func isKeyword(s string) bool {
	switch s {
	case "true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL":
		return true
	}
	return isOldBool(s)
}

// nameByte marks letters, digits and . _ / -.
var nameByte = withBytes(letters(), "0123456789._/-", true)

// quietByte marks printable ASCII other than space, ':' and '#': after the
// first byte, such a byte changes nothing in analyze but the run of spaces
// and breaks.
var quietByte = func() (t [256]bool) {
	for c := 0x21; c <= 0x7e; c++ {
		t[c] = c != ':' && c != '#'
	}
	return t
}()

// resolvesToString reports whether yaml.v3 reads s, written plain, as a
// string; this is the check yaml.v3's encoder itself makes.
func resolvesToString(s string) bool {
	if s != "" && stringFirst[s[0]] {
		return true
	}
	if len(s) > maxResolveMemo {
		return resolveTag(s)
	}
	if v, ok := resolved.Load(s); ok {
		return v.(bool)
	}
	r := resolveTag(s)
	if resolvedN.Add(1) <= maxResolved {
		// A copy, so the key never pins a larger string s was cut from.
		resolved.Store(strings.Clone(s), r)
	}
	return r
}

// resolved memoizes resolvesToString for short strings: yaml.v3's resolver
// allocates on every call, and values such as "512Mi", "100m" or "4.4.0"
// recur in every hub. It is bounded (the generated fleet of 1,000 hubs
// stores about 1,000 strings) so that a long-lived process cannot grow it
// without end.
var (
	resolved  sync.Map
	resolvedN atomic.Int64
)

const (
	maxResolveMemo = 64
	maxResolved    = 1 << 16
)

func resolveTag(s string) bool {
	n := yaml.Node{Kind: yaml.ScalarNode, Value: s}
	return n.ShortTag() == "!!str"
}

// stringFirst marks the first bytes with which yaml.v3's resolver never
// reads anything but a string: no bool, null, number, timestamp or merge
// key starts with them.
var stringFirst = withBytes(withBytes(letters(), "yYnNtTfFoO", false), "/_\"", true)

// letters is the table of ASCII letters the byte classes start from.
func letters() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	return t
}

// withBytes returns t with the bytes of chars set to v.
func withBytes(t [256]bool, chars string, v bool) [256]bool {
	for i := 0; i < len(chars); i++ {
		t[chars[i]] = v
	}
	return t
}

// scalarAnalysis is what yaml.v3's emitter (yaml_emitter_analyze_scalar)
// allows for a scalar in block context, for ASCII text; nonASCII is set
// alone for text with a byte above 0x7f, which only yaml.v3 writes.
type scalarAnalysis struct {
	multiline, plainOK, singleOK, blockOK bool
	nonASCII                              bool
}

func analyze(s string) scalarAnalysis {
	if s == "" {
		return scalarAnalysis{plainOK: true, singleOK: true}
	}
	var (
		indicators                   bool
		lineBreaks, special, tabs    bool
		leadingSpace, leadingBreak   bool
		trailingSpace, trailingBreak bool
		breakSpace, spaceBreak       bool
		prevSpace, prevBreak         bool
	)
	if strings.HasPrefix(s, "---") || strings.HasPrefix(s, "...") {
		indicators = true
	}
	precededByWS := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i > 0 && quietByte[c] {
			prevSpace, prevBreak, precededByWS = false, false, false
			continue
		}
		if c >= 0x80 {
			return scalarAnalysis{nonASCII: true}
		}
		followedByWS := i+1 >= len(s) || s[i+1] == ' ' || s[i+1] == '\t'
		if i == 0 {
			switch c {
			case '#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
				indicators = true
			case '?', ':', '-':
				indicators = indicators || followedByWS
			}
		} else {
			switch c {
			case ':':
				indicators = indicators || followedByWS
			case '#':
				indicators = indicators || precededByWS
			}
		}
		if c == '\t' {
			tabs = true
		} else if c != '\n' && (c < 0x20 || c > 0x7e) {
			special = true
		}
		switch c {
		case ' ':
			leadingSpace = leadingSpace || i == 0
			trailingSpace = trailingSpace || i == len(s)-1
			breakSpace = breakSpace || prevBreak
			prevSpace, prevBreak = true, false
		case '\n', '\r':
			lineBreaks = true
			leadingBreak = leadingBreak || i == 0
			trailingBreak = trailingBreak || i == len(s)-1
			spaceBreak = spaceBreak || prevSpace
			prevSpace, prevBreak = false, true
		default:
			prevSpace, prevBreak = false, false
		}
		precededByWS = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0
	}
	a := scalarAnalysis{multiline: lineBreaks, plainOK: true, singleOK: true, blockOK: true}
	if leadingSpace || leadingBreak || trailingSpace || trailingBreak || lineBreaks || indicators {
		a.plainOK = false
	}
	if trailingSpace {
		a.blockOK = false
	}
	if breakSpace || spaceBreak || tabs || special {
		a.plainOK, a.singleOK = false, false
	}
	if spaceBreak || special {
		a.blockOK = false
	}
	return a
}

func (w *fastWriter) singleQuoted(s string) {
	w.b = append(w.b, '\'')
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			w.b = append(w.b, '\'')
		}
		w.b = append(w.b, s[i])
	}
	w.b = append(w.b, '\'')
}

// doubleQuoted writes ASCII s with yaml.v3's escapes.
func (w *fastWriter) doubleQuoted(s string) {
	const hex = "0123456789ABCDEF"
	w.b = append(w.b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c <= 0x7e && c != '"' && c != '\\' {
			w.b = append(w.b, c)
			continue
		}
		w.b = append(w.b, '\\')
		switch c {
		case 0:
			w.b = append(w.b, '0')
		case 0x07:
			w.b = append(w.b, 'a')
		case 0x08:
			w.b = append(w.b, 'b')
		case '\t':
			w.b = append(w.b, 't')
		case '\n':
			w.b = append(w.b, 'n')
		case 0x0b:
			w.b = append(w.b, 'v')
		case 0x0c:
			w.b = append(w.b, 'f')
		case '\r':
			w.b = append(w.b, 'r')
		case 0x1b:
			w.b = append(w.b, 'e')
		case '"', '\\':
			w.b = append(w.b, c)
		default:
			w.b = append(w.b, 'x', hex[c>>4], hex[c&0xf])
		}
	}
	w.b = append(w.b, '"')
}

// literal writes a literal block scalar: "|", an indentation indicator
// when the text starts with a space or line break, a chomping indicator
// ("-" without a final line break, none with one, "+" with more), then
// the lines at indentation n, empty lines left empty. It ends with a line
// break. (yaml.v3's encoder clears the emitter's open_ended flag before
// the stream ends, so no "..." follows a "|+" block.)
func (w *fastWriter) literal(s string, n int) {
	w.b = append(w.b, '|')
	if s[0] == ' ' || s[0] == '\n' {
		w.b = append(w.b, '2')
	}
	switch {
	case s[len(s)-1] != '\n':
		w.b = append(w.b, '-')
	case len(s) == 1 || s[len(s)-2] == '\n':
		w.b = append(w.b, '+')
	}
	w.b = append(w.b, '\n')
	for rest := s; rest != ""; {
		line, after, found := strings.Cut(rest, "\n")
		if line != "" {
			w.indent(n)
			w.b = append(w.b, line...)
		}
		w.b = append(w.b, '\n')
		if !found {
			break
		}
		rest = after
	}
}
