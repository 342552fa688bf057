package output

import (
	"strings"
	"sync"
	"sync/atomic"
)

// style is how a string scalar is written.
type style uint8

const (
	styleFail    style = iota // left to yaml.v3: non-ASCII, or a multi-line key
	stylePlain                // as is
	styleSingle               // 'single-quoted'
	styleDouble               // "double-quoted", with escapes
	styleLiteral              // a literal block scalar (multi-line values)
)

// styleOf returns the style yaml.v3 writes s in, as a mapping key or as a
// value, for a string that is not simplePlain. The style of a string
// without line breaks is the same for keys and values; those up to
// maxStyled bytes are remembered (styles), as the same quantities,
// versions, addresses, arguments and selectors recur in every hub.
func styleOf(s string, key bool) style {
	if len(s) > maxStyled {
		st, _ := decideStyle(s, key)
		return st
	}
	if st, ok := styles.Load(s); ok {
		return st.(style)
	}
	st, multiline := decideStyle(s, key)
	if !multiline && stylesN.Add(1) <= maxStyles {
		// A copy, so the key never pins a larger string s was cut from.
		styles.Store(strings.Clone(s), st)
	}
	return st
}

// styles memoizes styleOf for short strings without line breaks. It is
// bounded so that a long-lived process cannot grow it without end.
var (
	styles  sync.Map // string → style
	stylesN atomic.Int64
)

const (
	maxStyled = 64
	maxStyles = 1 << 16
)

// decideStyle is styleOf without the memo; multiline says whether s has
// line breaks, which make its style depend on key.
func decideStyle(s string, key bool) (st style, multiline bool) {
	if !key && strings.IndexByte(s, '\n') >= 0 {
		return blockStyle(s), true
	}
	a := analyze(s)
	switch {
	case a.nonASCII:
		return styleFail, false // as a key and as a value
	case isOldBool(s) || isBase60Float(s):
		// strNode asks for double quotes; yaml.v3 keeps them.
		return styleDouble, a.multiline
	case key && a.multiline:
		return styleFail, true
	case !resolvesToString(s):
		return styleDouble, a.multiline // would read back as a bool, null, number, ...
	case a.plainOK:
		return stylePlain, a.multiline
	case a.singleOK:
		return styleSingle, a.multiline
	}
	return styleDouble, a.multiline
}

// blockStyle is decideStyle for a value with a line break (a program, a
// JSON document), which yaml.v3 asks to be a literal block; its emitter
// falls back to double quotes when the text cannot be one (analyze's
// blockOK: a trailing space, a space before a line break, a control
// character other than tab and line feed). Only that matters for such a
// value (no YAML 1.1 bool or sexagesimal number has a line break), so one
// pass over the bytes replaces analyze's.
func blockStyle(s string) style {
	special := false
	for i := 0; i < len(s); i++ {
		if c := s[i]; !blockByte[c] {
			if c >= 0x80 {
				return styleFail
			}
			special = true
		}
	}
	if special || s[len(s)-1] == ' ' || strings.Contains(s, " \n") {
		return styleDouble
	}
	return styleLiteral
}

// blockByte marks the bytes a literal block holds as they are: printable
// ASCII, tab and line feed.
var blockByte = func() (t [256]bool) {
	for c := 0x20; c <= 0x7e; c++ {
		t[c] = true
	}
	t['\t'], t['\n'] = true, true
	return t
}()
