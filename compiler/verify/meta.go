package verify

import (
	"sync"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// nameRule is one of the API server's object name rules. A small number
// rather than the function itself, so that it can key the memo of valid
// names.
type nameRule uint8

const (
	dnsSubdomainName nameRule = iota
	dns1035LabelName
	dnsLabelName
	pathSegmentName
)

func (r nameRule) fn() apivalidation.ValidateNameFunc {
	switch r {
	case dns1035LabelName:
		return apivalidation.NameIsDNS1035Label
	case dnsLabelName:
		return apivalidation.NameIsDNSLabel
	case pathSegmentName:
		return path.ValidatePathSegmentName
	}
	return apivalidation.NameIsDNSSubdomain
}

// validateMeta is the API server's metadata validation
// (apivalidation.ValidateObjectMeta). A fleet repeats a few hundred
// names, namespaces, label pairs and annotation keys on tens of thousands
// of objects, and the regular expressions behind each check were a fifth
// of a render's verification time: the parts that passed once are
// remembered (passes only, so every failure is reported by the API
// server's own code, for its own object).
func validateMeta(meta *metav1.ObjectMeta, namespaced bool, rule nameRule, path *field.Path) field.ErrorList {
	if metaMemo.known(meta, namespaced, rule) {
		return nil
	}
	m := *meta
	m.Labels = nil
	errs := apivalidation.ValidateObjectMeta(&m, namespaced, rule.fn(), path)
	lerrs := labelsErrors(meta.Labels, path.Child("labels"))
	if len(errs) == 0 && len(lerrs) == 0 {
		metaMemo.remember(meta, namespaced, rule)
	}
	return append(errs, lerrs...)
}

// labelsErrors is metav1validation.ValidateLabels, which checks each pair
// on its own, skipping the pairs known to be valid.
func labelsErrors(labels map[string]string, path *field.Path) field.ErrorList {
	if validLabels.hasAll(labels) {
		return nil
	}
	var errs field.ErrorList
	for k, v := range labels {
		if validLabels.has(k, v) {
			continue
		}
		e := metav1validation.ValidateLabels(map[string]string{k: v}, path)
		if len(e) == 0 {
			validLabels.add(k, v)
		}
		errs = append(errs, e...)
	}
	return errs
}

// validLabels holds the label pairs ValidateLabels passed: its checks
// depend on the pair alone, and the path only names a failure.
var validLabels = pairSet{m: map[[2]string]struct{}{}}

// pairSet is a set of string pairs safe for concurrent use; lookups do
// not allocate (a sync.Map would box every key).
type pairSet struct {
	mu sync.RWMutex
	m  map[[2]string]struct{}
}

func (s *pairSet) has(a, b string) bool {
	s.mu.RLock()
	_, ok := s.m[[2]string{a, b}]
	s.mu.RUnlock()
	return ok
}

// hasAll reports whether every pair of m is in the set, under one read
// lock rather than one per pair (objects carry several labels each, and
// the lock's shared counter is what two workers contend on).
func (s *pairSet) hasAll(m map[string]string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for k, v := range m {
		if _, ok := s.m[[2]string{k, v}]; !ok {
			return false
		}
	}
	return true
}

func (s *pairSet) add(a, b string) {
	s.mu.Lock()
	s.m[[2]string{a, b}] = struct{}{}
	s.mu.Unlock()
}

// metaMemo remembers the parts of metadata that passed ValidateObjectMeta.
var metaMemo = &metaParts{
	names:       map[nameKey]struct{}{},
	namespaces:  map[string]struct{}{},
	annotations: map[string]struct{}{},
}

// metaParts splits ValidateObjectMeta's checks by what each depends on:
// the name (and name rule), the namespace, each annotation key, each label
// pair; the annotations' total size is summed per object. It only covers
// metadata with no other field set (owner references, finalizers,
// generateName, ...), where those are all the checks.
type metaParts struct {
	mu          sync.RWMutex
	names       map[nameKey]struct{}
	namespaces  map[string]struct{} // namespaced objects' namespaces
	annotations map[string]struct{}
}

type nameKey struct {
	rule nameRule
	name string
}

// simple reports whether meta sets nothing but name, namespace, labels and
// annotations, and carries a name and, when namespaced, a namespace
// (without them ValidateObjectMeta fails).
func simple(meta *metav1.ObjectMeta, namespaced bool) bool {
	m := *meta
	if m.Name == "" || (m.Namespace == "") == namespaced {
		return false
	}
	m.Name, m.Namespace, m.Labels, m.Annotations = "", "", nil, nil
	return m.GenerateName == "" && m.UID == "" && m.ResourceVersion == "" && m.Generation == 0 &&
		m.SelfLink == "" && m.CreationTimestamp.IsZero() && m.DeletionTimestamp == nil &&
		m.DeletionGracePeriodSeconds == nil && m.OwnerReferences == nil && m.Finalizers == nil &&
		m.ManagedFields == nil
}

// known reports whether every check of meta is known to pass.
func (p *metaParts) known(meta *metav1.ObjectMeta, namespaced bool, rule nameRule) bool {
	if !simple(meta, namespaced) {
		return false
	}
	var size int64
	for k, v := range meta.Annotations {
		size += int64(len(k)) + int64(len(v))
	}
	if size > int64(apivalidation.TotalAnnotationSizeLimitB) {
		return false
	}
	p.mu.RLock()
	ok := p.knownLocked(meta, namespaced, rule)
	p.mu.RUnlock()
	return ok && validLabels.hasAll(meta.Labels)
}

func (p *metaParts) knownLocked(meta *metav1.ObjectMeta, namespaced bool, rule nameRule) bool {
	if _, ok := p.names[nameKey{rule, meta.Name}]; !ok {
		return false
	}
	if namespaced {
		if _, ok := p.namespaces[meta.Namespace]; !ok {
			return false
		}
	}
	for k := range meta.Annotations {
		if _, ok := p.annotations[k]; !ok {
			return false
		}
	}
	return true
}

// remember records the parts of meta, which passed every check.
func (p *metaParts) remember(meta *metav1.ObjectMeta, namespaced bool, rule nameRule) {
	if !simple(meta, namespaced) {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.names[nameKey{rule, meta.Name}] = struct{}{}
	if namespaced {
		p.namespaces[meta.Namespace] = struct{}{}
	}
	for k := range meta.Annotations {
		p.annotations[k] = struct{}{}
	}
}
