package verify

import (
	"reflect"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/hubfleet/hubfleet/compiler/manifest"
)

// SchemaKeyFor is o's memo key, with its CRD's "group/Kind"; ok is false
// for a built-in kind or a body without a key.
func SchemaKeyFor(o *manifest.Object, provider string) (key, kind string, ok bool) {
	ver := customVersion(o, provider)
	if ver == nil {
		return "", "", false
	}
	n, err := normalize(o.Map())
	if err != nil {
		return "", "", false
	}
	k, ok := schemaKey(ver, n.(map[string]any))
	return k.body, o.Group() + "/" + o.Kind(), ok
}

// SchemaVerdict runs the memo-covered checks on a copy of o's body with
// no memo: whether they pass, and the errors.
func SchemaVerdict(o *manifest.Object, provider string) (bool, string) {
	ver := customVersion(o, provider)
	if ver == nil {
		return false, "no CRD version"
	}
	n, err := normalize(o.Map())
	if err != nil {
		return false, err.Error()
	}
	c := &collector{obj: o}
	schemaChecks(c, n.(map[string]any), ver)
	return len(c.errs) == 0, c.errs.Error()
}

func customVersion(o *manifest.Object, provider string) *crdVersion {
	f := lookupCRD(o, Options{Provider: provider})
	if f == nil || f.load() != nil {
		return nil
	}
	ver := f.versions[o.Version()]
	if ver == nil || ver.compile() != nil {
		return nil
	}
	return ver
}

// CustomKinds lists crdTable's "group/Kind" keys.
func CustomKinds() []string {
	var out []string
	for k := range crdTable {
		out = append(out, k)
	}
	return out
}

// MemoEntries counts a memo's remembered passes by "group/Kind": with
// objects checked one at a time, the number of full schema checks that
// passed.
func MemoEntries(m *Memo) map[string]int {
	kinds := map[*crdVersion]string{}
	for k, byProvider := range crdTable {
		for _, f := range byProvider {
			for _, v := range f.versions {
				kinds[v] = k
			}
		}
	}
	out := map[string]int{}
	m.passed.Range(func(k, _ any) bool {
		out[kinds[k.(memoKey).ver]]++
		return true
	})
	return out
}

// DecodeBoth decodes body into fresh values of its kind's Go type with
// fastDecode and with the converter's strict decode: whether each
// succeeded, and whether the two values are deeply equal. builtin is
// false, and nothing decoded, for a kind without a Go type.
func DecodeBoth(body map[string]any) (builtin, fastOK bool, convErr error, same bool) {
	k, ok := builtinKind(&manifest.Object{Body: body})
	if !ok {
		return false, false, nil, false
	}
	gvk := k.gvk
	a, errA := builtinScheme().New(gvk)
	b, errB := builtinScheme().New(gvk)
	if errA != nil || errB != nil {
		return false, false, nil, false
	}
	fastOK = fastDecode(body, a)
	convErr = runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(body, b, true)
	return true, fastOK, convErr, reflect.DeepEqual(a, b)
}
