package verify

import "github.com/hubfleet/hubfleet/compiler/manifest"

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
