package load

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"cuelang.org/go/cue"

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
	case r.path == "nodeProvisioner" && strings.HasPrefix(r.msg, "conflicting values"):
		if s, ok := stringValue(ec.tree.get("provider")); ok {
			if v, ok := stringValue(r.n); ok {
				d.Message = fmt.Sprintf("node provisioner %q is not available with provider %s", v, s)
			}
		}
		d.Hint = "aws: karpenter; gcp: config-connector; azure: aso or karpenter"
	case (last == "clientSecret" || last == "sharedPassword") && strings.Contains(r.msg, "mismatched types"):
		d.Message = "a secret must be a reference, never the secret itself"
		d.Hint = fmt.Sprintf("write %s: {secretRef: {key: <key in the cluster's secret store>, property: <property>}}", last)
	case typesRE.MatchString(r.msg):
		m := typesRE.FindStringSubmatch(r.msg)
		if (m[1] == "float" || m[1] == "int" || m[1] == "number" || m[1] == "bool") && m[2] == "string" {
			d.Hint = "quote the value to make it a string"
		}
	case boundRE.MatchString(r.msg):
		m := boundRE.FindStringSubmatch(r.msg)
		val, err1 := strconv.Unquote(m[1])
		re, err2 := strconv.Unquote(m[2])
		if err1 != nil || err2 != nil || ec.fmts == nil {
			return
		}
		f := ec.fmts.byRegex[re]
		if f == nil {
			return
		}
		d.Message = fmt.Sprintf("%q is not %s", val, f.what)
		d.Hint = f.hint
		if f.def == "#Quantity" {
			if s := quantityFix(val, re); s != "" {
				d.Hint = fmt.Sprintf("did you mean %s?", s)
			}
		}
	}
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
	var ps []cue.Selector
	for _, s := range sels[:len(sels)-1] {
		if isIndex(s) {
			ps = append(ps, cue.AnyIndex)
		} else {
			ps = append(ps, cue.Str(unquoteLabel(s)))
		}
	}
	v := ec.def.LookupPath(cue.MakePath(ps...))
	if !v.Exists() {
		return ""
	}
	it, err := v.Fields(cue.Optional(true))
	if err != nil {
		return ""
	}
	best, bestD := "", 1<<30
	for it.Next() {
		name := it.Selector().Unquoted()
		if name == bad {
			continue
		}
		d := editDistance(strings.ToLower(bad), strings.ToLower(name))
		if d < bestD || d == bestD && name < best {
			best, bestD = name, d
		}
	}
	if best == "" || bestD > max(1, len(bad)/3) {
		return ""
	}
	return best
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
