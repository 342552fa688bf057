package verify

import (
	"sync"

	"k8s.io/apimachinery/pkg/util/validation"
)

// strRule is one of the string rules of k8s.io/apimachinery's validation
// package that checkTyped applies to names: a small number, so that it can
// key the memo of passes.
type strRule uint8

const (
	dns1123Label strRule = iota
	dns1123Subdomain
	dns1035Label
	envVarName
	portName
	qualifiedName
	labelValue
)

func (r strRule) fn() func(string) []string {
	switch r {
	case dns1123Subdomain:
		return validation.IsDNS1123Subdomain
	case dns1035Label:
		return validation.IsDNS1035Label
	case envVarName:
		return validation.IsEnvVarName
	case portName:
		return validation.IsValidPortName
	case qualifiedName:
		return validation.IsQualifiedName
	case labelValue:
		return validation.IsValidLabelValue
	}
	return validation.IsDNS1123Label
}

// check is the rule's messages for s. A fleet's pod templates repeat a few
// hundred container, volume, port and variable names, and each rule runs
// regular expressions: the strings that passed are remembered (the rules
// read the string alone), failures are worked out again each time.
func (r strRule) check(s string) []string {
	k := ruleKey{r, s}
	validNames.mu.RLock()
	_, ok := validNames.m[k]
	validNames.mu.RUnlock()
	if ok {
		return nil
	}
	msgs := r.fn()(s)
	if len(msgs) == 0 {
		validNames.mu.Lock()
		validNames.m[k] = struct{}{}
		validNames.mu.Unlock()
	}
	return msgs
}

type ruleKey struct {
	rule strRule
	s    string
}

var validNames = struct {
	mu sync.RWMutex
	m  map[ruleKey]struct{}
}{m: map[ruleKey]struct{}{}}
