package load

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/token"

	"github.com/hubfleet/hubfleet/compiler/diag"
)

// format describes one string format of the schema for messages.
type format struct {
	def  string // the schema definition, "#Quantity"
	what string // "a Kubernetes quantity"
	hint string // how to write one
}

var formats = []format{
	{"#Quantity", "a Kubernetes quantity", "write a number with an optional suffix, such as 4G, 512Mi or 0.5"},
	{"#Image", "an image reference with a tag or digest", "write repository:tag or repository@sha256:digest, such as pangeo/pangeo-notebook:2024.11.08"},
	{"#Name", "a DNS-1123 label", "use lower-case letters, digits and '-', starting with a letter and ending with a letter or digit"},
	{"#Key", "a valid key", "use lower-case letters, digits, '-' and '_'"},
	{"#Domain", "a domain name", "write a fully qualified lower-case name such as hub.example.org"},
	{"#URL", "an http(s) URL", "write a URL starting with https://"},
	{"#RepoURL", "a git repository URL", "write an https://, ssh:// or git@ URL"},
	{"#LabelKey", "a Kubernetes label key", "write [prefix/]name, the name at most 63 letters, digits, '-', '_' or '.'"},
	{"#LabelValue", "a Kubernetes label value", "at most 63 letters, digits, '-', '_' or '.', beginning and ending with a letter or digit"},
	{"#EnvName", "an environment variable name", "use letters, digits and '_', not starting with a digit"},
	{"#Duration", "a duration", "write a sum of s, m and h parts, such as 30s, 10m or 1h30m, or Never"},
	{"#Version", "a release version", "write major.minor.patch, such as 4.4.0"},
	{"#AWSAccount", "an AWS account ID", "write the 12 digits in quotes, such as \"123456789012\""},
	{"#UUID", "an Azure subscription ID", "write the subscription's UUID"},
	{"#GCPProject", "a Google Cloud project ID", "6 to 30 lower-case letters, digits and '-', starting with a letter"},
	{"#InstanceType", "an instance type", "such as r5.xlarge, n2-highmem-4 or Standard_E4s_v5"},
}

// formatSet maps the regular expressions of the schema's formats to their
// descriptions; built from the compiled schema so the two never drift.
type formatSet struct {
	byRegex map[string]*format
}

func newFormatSet(sch cue.Value) *formatSet {
	fs := &formatSet{byRegex: map[string]*format{}}
	for i := range formats {
		f := &formats[i]
		for _, re := range regexesOf(sch.LookupPath(cue.ParsePath(f.def))) {
			if _, taken := fs.byRegex[re]; !taken {
				fs.byRegex[re] = f
			}
		}
	}
	return fs
}

// regexesOf returns the =~ patterns a constraint is made of.
func regexesOf(v cue.Value) []string {
	op, args := v.Expr()
	switch op {
	case cue.RegexMatchOp:
		if len(args) == 1 {
			if s, err := args[0].String(); err == nil {
				return []string{s}
			}
		}
	case cue.AndOp:
		var out []string
		for _, a := range args {
			out = append(out, regexesOf(a)...)
		}
		return out
	}
	return nil
}

var (
	maxRunesRE = regexp.MustCompile(`^invalid value (".*") \(does not satisfy strings\.MaxRunes\((\d+)\)\)$`)
	numBoundRE = regexp.MustCompile(`^invalid value (\S+) \(out of bound (>=|<=|>|<)(-?[0-9.]+)\)$`)
	notEqualRE = regexp.MustCompile(`^invalid value "" \(out of bound !=""\)$`)
)

// boundWords says what a numeric bound asks for.
var boundWords = map[string]string{">": "greater than", ">=": "at least", "<": "less than", "<=": "at most"}

// typeWords names CUE's kinds the way a YAML author thinks of them.
var typeWords = map[string]string{
	"string": "a string", "int": "an integer", "float": "a number", "number": "a number",
	"bool": "true or false", "struct": "a mapping of fields", "list": "a list", "null": "null",
}

// explain rewrites CUE's wording into the operator's terms and adds hints.
func (ec *errCtx) explain(d *diag.Diagnostic, r rawErr) {
	last := ""
	if len(r.sels) > 0 {
		last = unquoteLabel(r.sels[len(r.sels)-1])
	}
	switch {
	case r.msg == "field not allowed":
		if s := ec.suggest(r.sels); s != "" {
			d.Hint = fmt.Sprintf("did you mean %s?", s)
		}
	case strings.HasPrefix(r.msg, "incomplete value") && r.n == nil:
		d.Message = "field is required but not present"
	case strings.HasPrefix(r.msg, "incompatible list lengths (0 and"):
		d.Message = "must not be empty"
	case r.path == "nodeProvisioner" && (strings.HasPrefix(r.msg, "conflicting values") || strings.HasPrefix(r.msg, "invalid value")):
		ec.explainProvisioner(d, r)
	case (last == "clientSecret" || last == "sharedPassword") && strings.Contains(r.msg, "mismatched types"):
		d.Message = "a secret must be a reference, never the secret itself"
		d.Hint = fmt.Sprintf("write %s: {secretRef: {key: <key in the cluster's secret store>, property: <property>}}", last)
	case typesRE.MatchString(r.msg):
		m := typesRE.FindStringSubmatch(r.msg)
		got, want := nodeType(r.n), ""
		switch got {
		case m[1]:
			want = m[2]
		case m[2]:
			want = m[1]
		}
		if want == "" || typeWords[want] == "" {
			return
		}
		d.Message = fmt.Sprintf("must be %s, not %s", typeWords[want], describe(r.n))
		if f := ec.formatOf(r.msg); f != nil && want == "string" {
			d.Message = fmt.Sprintf("must be %s (a string), not %s", f.what, describe(r.n))
		}
		switch {
		case want == "string" && (got == "float" || got == "int" || got == "bool"):
			d.Hint = "quote the value to make it a string"
		case want == "bool" && got == "string":
			d.Hint = "write true or false, without quotes"
		case (want == "int" || want == "number") && got == "string":
			d.Hint = "write the number without quotes"
		case want == "struct":
			d.Hint = ec.structHint(r.sels)
		}
	case notEqualRE.MatchString(r.msg):
		d.Message = "must not be empty"
	case maxRunesRE.MatchString(r.msg):
		m := maxRunesRE.FindStringSubmatch(r.msg)
		val, _ := strconv.Unquote(m[1])
		d.Message = fmt.Sprintf("must be at most %s characters, not %d", m[2], utf8.RuneCountInString(val))
	case numBoundRE.MatchString(r.msg):
		m := numBoundRE.FindStringSubmatch(r.msg)
		d.Message = fmt.Sprintf("must be %s %s, not %s", boundWords[m[2]], m[3], m[1])
	case boundRE.MatchString(r.msg):
		m := boundRE.FindStringSubmatch(r.msg)
		val, err1 := strconv.Unquote(m[1])
		re, err2 := strconv.Unquote(m[2])
		if err1 != nil || err2 != nil {
			return
		}
		if re == "^/" {
			d.Message = fmt.Sprintf("must start with /, not %q", val)
			d.Hint = "write an absolute path, such as /" + strings.TrimLeft(val, "./")
			return
		}
		if ec.fmts == nil || ec.fmts.byRegex[re] == nil {
			return
		}
		f := ec.fmts.byRegex[re]
		d.Message = fmt.Sprintf("%q is not %s", val, f.what)
		d.Hint = f.hint
		if f.def == "#Quantity" {
			if s := quantityFix(val, re); s != "" {
				d.Hint = fmt.Sprintf("did you mean %s?", s)
			}
		}
	}
}

var regexOperandRE = regexp.MustCompile(`=~("(?:[^"\\]|\\.)*")`)

// formatOf returns the schema format a CUE message names by its regular
// expression, or nil.
func (ec *errCtx) formatOf(msg string) *format {
	m := regexOperandRE.FindStringSubmatch(msg)
	if m == nil || ec.fmts == nil {
		return nil
	}
	re, err := strconv.Unquote(m[1])
	if err != nil {
		return nil
	}
	return ec.fmts.byRegex[re]
}

// structHint shows the fields a mapping may hold, as the schema lists them.
func (ec *errCtx) structHint(sels []string) string {
	v := ec.def
	for _, s := range sels {
		if v = schemaStep(v, s); !v.Exists() {
			return ""
		}
	}
	it, err := v.Fields(cue.Optional(true))
	if err != nil {
		return ""
	}
	var names []string
	for it.Next() && len(names) < 4 {
		names = append(names, it.Selector().Unquoted()+": ...")
	}
	if len(names) == 0 {
		return ""
	}
	return "write a mapping such as {" + strings.Join(names, ", ") + "}"
}

// explainProvisioner names the provisioners the cluster's provider
// offers, read from the schema.
func (ec *errCtx) explainProvisioner(d *diag.Diagnostic, r rawErr) {
	prov, ok := stringValue(ec.tree.get("provider"))
	v, ok2 := stringValue(r.n)
	if !ok || !ok2 {
		return
	}
	provSchema := schemaStep(ec.def, "provider")
	if provSchema.Unify(provSchema.Context().Encode(prov)).Validate(cue.Concrete(true)) != nil {
		return // the provider is wrong, and reported
	}
	d.Message = fmt.Sprintf("node provisioner %q is not available on %s", v, prov)
	// Try each provisioner of the schema with this provider.
	withProv := ec.def.FillPath(cue.MakePath(cue.Str("provider")), prov)
	var names []string
	for _, a := range disjuncts(schemaStep(ec.def, "nodeProvisioner")) {
		s, err := a.String()
		if err != nil {
			continue
		}
		got := schemaStep(withProv.FillPath(cue.MakePath(cue.Str("nodeProvisioner")), s), "nodeProvisioner")
		if got.Validate(cue.Concrete(true)) == nil {
			names = append(names, strconv.Quote(s))
		}
	}
	sort.Strings(names)
	if len(names) > 0 {
		d.Hint = "use one of: " + strings.Join(names, ", ")
	}
}

// disjuncts returns the alternatives of a disjunction, or v itself.
func disjuncts(v cue.Value) []cue.Value {
	if op, args := v.Eval().Expr(); op == cue.OrOp {
		return args
	}
	return []cue.Value{v}
}

// nodeType is the CUE kind of a written value, as CUE names it in
// "mismatched types" errors.
func nodeType(n *node) string {
	if n == nil {
		return ""
	}
	switch n.kind {
	case kindMap:
		return "struct"
	case kindList:
		return "list"
	case kindNull:
		return "null"
	}
	lit, ok := n.lit.(*ast.BasicLit)
	if !ok {
		return ""
	}
	switch lit.Kind {
	case token.STRING:
		return "string"
	case token.INT:
		return "int"
	case token.FLOAT:
		return "float"
	case token.TRUE, token.FALSE:
		return "bool"
	}
	return ""
}

// describe shows a written value in a message: a scalar as written, a
// collection by its kind.
func describe(n *node) string {
	switch n.kind {
	case kindMap:
		return "a mapping"
	case kindList:
		return "a list"
	case kindNull:
		return "null"
	}
	return litText(n)
}

var quantityShapeRE = regexp.MustCompile(`^([0-9]*\.?[0-9]+)\s*([A-Za-z]*)$`)

// quantityFix guesses the quantity a near miss meant: "8GB" → 8G,
// "4 GiB" → 4Gi, "512mi" → 512Mi.
func quantityFix(s, re string) string {
	m := quantityShapeRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return ""
	}
	unit := strings.TrimSuffix(strings.TrimSuffix(m[2], "B"), "b")
	switch u := strings.ToLower(unit); {
	case u == "":
		unit = ""
	case len(u) == 1:
		unit = strings.ToUpper(u)
	case len(u) == 2 && u[1] == 'i':
		unit = strings.ToUpper(u[:1]) + "i"
	default:
		return ""
	}
	fixed := m[1] + unit
	ok, err := regexp.MatchString(re, fixed)
	if err != nil || !ok || fixed == s {
		return ""
	}
	return fixed
}

// suggest finds the allowed field closest to a field that is not allowed.
func (ec *errCtx) suggest(sels []string) string {
	if len(sels) == 0 || !ec.def.Exists() {
		return ""
	}
	bad := unquoteLabel(sels[len(sels)-1])
	v := ec.def
	for _, s := range sels[:len(sels)-1] {
		if v = schemaStep(v, s); !v.Exists() {
			return ""
		}
	}
	it, err := v.Fields(cue.Optional(true))
	if err != nil {
		return ""
	}
	lower := strings.ToLower(bad)
	best, bestD := "", 1<<30
	for it.Next() {
		name := it.Selector().Unquoted()
		if name == bad {
			continue
		}
		ln := strings.ToLower(name)
		d := editDistance(lower, ln)
		// A field written with part of its name ("diskSize" for
		// diskSizeGiB) is as good as a one-letter typo.
		if len(lower) >= 4 && (strings.HasPrefix(ln, lower) || strings.HasPrefix(lower, ln)) {
			d = min(d, 1)
		}
		if d < bestD || d == bestD && name < best {
			best, bestD = name, d
		}
	}
	if best == "" || bestD > max(1, len(bad)/3) {
		return ""
	}
	return best
}

// schemaStep descends one selector of an error path in the schema: a
// field however it is declared (regular, optional or required), a list
// element or a map value.
func schemaStep(v cue.Value, s string) cue.Value {
	if isIndex(s) {
		if x := v.LookupPath(cue.MakePath(cue.AnyIndex)); x.Exists() {
			return x
		}
		i, _ := strconv.Atoi(s)
		return v.LookupPath(cue.MakePath(cue.Index(i)))
	}
	sel := cue.Str(unquoteLabel(s))
	for _, x := range []cue.Selector{sel, sel.Optional(), sel.Required()} {
		if f := v.LookupPath(cue.MakePath(x)); f.Exists() {
			return f
		}
	}
	return v.LookupPath(cue.MakePath(cue.AnyString))
}

// editDistance is the Levenshtein distance of two strings.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
