package patch

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/resid"

	"github.com/hubfleet/hubfleet/compiler/manifest"
)

// matcher selects objects the way kustomize's ResMap.Select does: group,
// version, kind, name and namespace are anchored regular expressions (an
// empty one matches anything), labels and annotations use Kubernetes
// selector syntax, and an object's namespace is its "effective" one.
type matcher struct {
	group, version, kind, name, namespace *regexp.Regexp
	labels, annotations                   labels.Selector
}

func newMatcher(s types.Selector) (*matcher, error) {
	m := &matcher{}
	for _, f := range []struct {
		field, expr string
		re          **regexp.Regexp
	}{
		{"group", s.Group, &m.group},
		{"version", s.Version, &m.version},
		{"kind", s.Kind, &m.kind},
		{"name", s.Name, &m.name},
		{"namespace", s.Namespace, &m.namespace},
	} {
		if f.expr == "" {
			continue
		}
		re, err := regexp.Compile("^(?:" + f.expr + ")$")
		if err != nil {
			return nil, hinted("target fields are regular expressions, as in kustomize",
				"target.%s %q is not a valid regular expression: %s", f.field, f.expr, oneLine(err.Error()))
		}
		*f.re = re
	}
	var err error
	if m.labels, err = parseSelector("labelSelector", s.LabelSelector); err != nil {
		return nil, err
	}
	if m.annotations, err = parseSelector("annotationSelector", s.AnnotationSelector); err != nil {
		return nil, err
	}
	return m, nil
}

func parseSelector(field, expr string) (labels.Selector, error) {
	if expr == "" {
		return nil, nil
	}
	sel, err := labels.Parse(expr)
	if err != nil {
		return nil, hinted("selectors read like app=jupyterhub,component in (hub,proxy)",
			"target.%s %q: %s", field, expr, oneLine(err.Error()))
	}
	return sel, nil
}

func (m *matcher) matches(o *manifest.Object) bool {
	return match(m.group, o.Group()) && match(m.version, o.Version()) && match(m.kind, o.Kind()) &&
		match(m.name, o.Name()) && (m.namespace == nil || m.namespace.MatchString(effectiveNamespace(o))) &&
		(m.labels == nil || m.labels.Matches(labels.Set(o.Labels()))) &&
		(m.annotations == nil || m.annotations.Matches(labels.Set(o.Annotations())))
}

func match(re *regexp.Regexp, s string) bool { return re == nil || re.MatchString(s) }

// selectFrom returns the indexes of the matching objects, in order.
func (m *matcher) selectFrom(objs []*manifest.Object) []int {
	var idx []int
	for i, o := range objs {
		if m.matches(o) {
			idx = append(idx, i)
		}
	}
	return idx
}

// effectiveNamespace is kustomize's resid.EffectiveNamespace of the
// object, which ResMap.Select matches target namespaces against: objects
// of known cluster-scoped kinds are in resid.TotallyNotANamespace whatever
// namespace they name, other objects without a namespace in "default".
func effectiveNamespace(o *manifest.Object) string {
	warmSchema()
	g, v := resid.ParseGroupVersion(o.APIVersion())
	return resid.NewResIdWithNamespace(resid.NewGvk(g, v, o.Kind()), o.Name(), o.Namespace()).EffectiveNamespace()
}

// closeNames builds the hint of a "matches no object" diagnostic: the
// nearest names among objects of the target's kind, or the kinds there are.
func closeNames(s types.Selector, objs []*manifest.Object) string {
	kindRe := (*regexp.Regexp)(nil)
	if s.Kind != "" {
		kindRe, _ = regexp.Compile("^(?:" + s.Kind + ")$")
	}
	var sameKind []*manifest.Object
	kinds := map[string]bool{}
	for _, o := range objs {
		kinds[o.Kind()] = true
		if match(kindRe, o.Kind()) {
			sameKind = append(sameKind, o)
		}
	}
	if len(sameKind) == 0 {
		all := sortedKeys(kinds)
		if k := nearest(unquoteMeta(s.Kind), all); k != "" {
			return fmt.Sprintf("did you mean kind %s?", k)
		}
		return "this hub renders these kinds: " + strings.Join(all, ", ")
	}
	names := map[string]bool{}
	for _, o := range sameKind {
		names[o.Name()] = true
	}
	all := sortedKeys(names)
	if s.Name != "" {
		for _, o := range sameKind {
			if o.Name() == unquoteMeta(s.Name) {
				return fmt.Sprintf("%s exists; the target's namespace or selectors exclude it", o)
			}
		}
		if n := nearest(unquoteMeta(s.Name), all); n != "" {
			return fmt.Sprintf("did you mean name %s?", n)
		}
	}
	what := "objects"
	if s.Kind != "" {
		what = unquoteMeta(s.Kind) + " objects"
	}
	const max = 12
	if len(all) > max {
		all = append(all[:max], "...")
	}
	return fmt.Sprintf("%s of this hub: %s", what, strings.Join(all, ", "))
}

// nearest returns the candidate closest to s by edit distance, if it is
// close enough to be a likely typo.
func nearest(s string, candidates []string) string {
	if s == "" {
		return ""
	}
	best, bestD := "", len(s)/3+2
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(s), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
