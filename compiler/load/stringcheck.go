package load

import (
	"regexp"
	"strconv"
	"sync"
	"unicode/utf8"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/token"
)

// stringCheck decides whether a string satisfies a constraint as CUE
// renders it: only the parts whose meaning on a string is plain Go are
// understood, each the way CUE evaluates it (=~ is regexp.MatchString,
// strings.MaxRunes counts runes).
type stringCheck interface {
	match(s string) bool
}

type (
	anyString   struct{}
	equalString string
	notEqual    string
	matchRE     struct {
		re  *regexp.Regexp
		not bool
	}
	runeBound struct {
		n   int
		max bool
	}
	allOf [2]stringCheck
	anyOf [2]stringCheck
)

func (anyString) match(string) bool       { return true }
func (e equalString) match(s string) bool { return s == string(e) }
func (e notEqual) match(s string) bool    { return s != string(e) }
func (m matchRE) match(s string) bool     { return m.re.MatchString(s) != m.not }
func (a allOf) match(s string) bool       { return a[0].match(s) && a[1].match(s) }
func (a anyOf) match(s string) bool       { return a[0].match(s) || a[1].match(s) }

func (r runeBound) match(s string) bool {
	if r.max {
		return utf8.RuneCountInString(s) <= r.n
	}
	return utf8.RuneCountInString(s) >= r.n
}

// validString guards every check: CUE strings are valid UTF-8, and
// anything else is left to CUE. Neither YAML nor CUE input can produce
// invalid UTF-8 today (YAML rejects unpaired surrogates, CUE turns
// invalid bytes into U+FFFD), so this is a guard for future inputs.
type validString struct{ c stringCheck }

func (v validString) match(s string) bool { return utf8.ValidString(s) && v.c.match(s) }

// parseCheck reads a constraint; ok is false for anything else. inOr
// allows the default mark, which says nothing about a concrete value.
func parseCheck(e ast.Expr, inOr bool) (stringCheck, bool) {
	c, ok := parseCheck1(e, inOr)
	if !ok {
		return nil, false
	}
	return validString{c}, true
}

func parseCheck1(e ast.Expr, inOr bool) (stringCheck, bool) {
	switch x := e.(type) {
	case *ast.ParenExpr:
		return parseCheck1(x.X, inOr)
	case *ast.Ident:
		if x.Name == "string" {
			return anyString{}, true
		}
	case *ast.BasicLit:
		if s, ok := stringLit(x); ok {
			return equalString(s), true
		}
	case *ast.UnaryExpr:
		switch x.Op {
		case token.MUL:
			if inOr {
				return parseCheck1(x.X, false)
			}
		case token.NEQ, token.MAT, token.NMAT:
			lit, ok := x.X.(*ast.BasicLit)
			if !ok {
				return nil, false
			}
			s, ok := stringLit(lit)
			if !ok {
				return nil, false
			}
			if x.Op == token.NEQ {
				return notEqual(s), true
			}
			re, err := compileRE(s)
			if err != nil {
				return nil, false
			}
			return matchRE{re: re, not: x.Op == token.NMAT}, true
		}
	case *ast.BinaryExpr:
		switch x.Op {
		case token.AND:
			a, ok1 := parseCheck1(x.X, false)
			b, ok2 := parseCheck1(x.Y, false)
			if ok1 && ok2 {
				return allOf{a, b}, true
			}
		case token.OR:
			a, ok1 := parseCheck1(x.X, true)
			b, ok2 := parseCheck1(x.Y, true)
			if ok1 && ok2 {
				return anyOf{a, b}, true
			}
		}
	case *ast.CallExpr:
		sel, ok := x.Fun.(*ast.SelectorExpr)
		if !ok || len(x.Args) != 1 {
			return nil, false
		}
		pkg, ok := sel.X.(*ast.Ident)
		if !ok || pkg.Name != "strings" {
			return nil, false
		}
		name, _, err := ast.LabelName(sel.Sel)
		if err != nil || (name != "MaxRunes" && name != "MinRunes") {
			return nil, false
		}
		lit, ok := x.Args[0].(*ast.BasicLit)
		if !ok || lit.Kind != token.INT {
			return nil, false
		}
		n, err := strconv.Atoi(lit.Value)
		if err != nil {
			return nil, false
		}
		return runeBound{n: n, max: name == "MaxRunes"}, true
	}
	return nil, false
}

// stringLit is the value of a plain string literal (not bytes, not
// multi-line, not interpolated).
func stringLit(lit *ast.BasicLit) (string, bool) {
	if lit.Kind != token.STRING || len(lit.Value) < 2 || lit.Value[0] != '"' {
		return "", false
	}
	s, err := literal.Unquote(lit.Value)
	return s, err == nil
}

// compiled regular expressions, shared: a regexp is safe for concurrent
// use, and every shape of a field uses the same few.
var regexps sync.Map // pattern → *regexp.Regexp

func compileRE(p string) (*regexp.Regexp, error) {
	if re, ok := regexps.Load(p); ok {
		return re.(*regexp.Regexp), nil
	}
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, err
	}
	regexps.Store(p, re)
	return re, nil
}
