package verify

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	"github.com/hubfleet/hubfleet/compiler/manifest"
)

var (
	schemeOnce sync.Once
	builtins   *runtime.Scheme
)

// builtinScheme holds every type client-go knows plus CustomResourceDefinition.
func builtinScheme() *runtime.Scheme {
	schemeOnce.Do(func() {
		s := runtime.NewScheme()
		// Registration of static types cannot fail; a failure would leave
		// kinds unknown, which Object reports.
		_ = clientgoscheme.AddToScheme(s)
		_ = apiextensionsv1.AddToScheme(s)
		builtins = s
	})
	return builtins
}

func gvkOf(o *manifest.Object) schema.GroupVersionKind {
	return schema.GroupVersionKind{Group: o.Group(), Version: o.Version(), Kind: o.Kind()}
}

// kindInfo is what checkBuiltin needs of a built-in kind, worked out once
// per kind rather than for each of a render's objects.
type kindInfo struct {
	gvk        schema.GroupVersionKind
	typ        reflect.Type // of what the scheme's New returns
	newErr     error        // New's error, if it has no type after all
	namespaced bool
	rule       nameRule
}

// kindInfos maps a GroupVersionKind to its *kindInfo, nil for kinds the
// scheme does not know.
var kindInfos sync.Map

// builtinKind returns the built-in kind of o, if the scheme knows it.
func builtinKind(o *manifest.Object) (*kindInfo, bool) {
	gvk := gvkOf(o)
	if k, ok := kindInfos.Load(gvk); ok {
		return k.(*kindInfo), k.(*kindInfo) != nil
	}
	var k *kindInfo
	if builtinScheme().Recognizes(gvk) {
		k = &kindInfo{gvk: gvk, namespaced: !clusterScoped[gvk.Group+"/"+gvk.Kind], rule: nameRuleFor(gvk.Group, gvk.Kind)}
		obj, err := builtinScheme().New(gvk)
		k.typ, k.newErr = reflect.TypeOf(obj), err
	}
	kindInfos.Store(gvk, k)
	return k, k != nil
}

// clusterScoped lists the built-in kinds without a namespace, by group/kind.
var clusterScoped = map[string]bool{
	"/Namespace": true, "/Node": true, "/PersistentVolume": true, "/ComponentStatus": true,
	"rbac.authorization.k8s.io/ClusterRole": true, "rbac.authorization.k8s.io/ClusterRoleBinding": true,
	"scheduling.k8s.io/PriorityClass": true,
	"storage.k8s.io/StorageClass":     true, "storage.k8s.io/CSIDriver": true, "storage.k8s.io/CSINode": true,
	"storage.k8s.io/VolumeAttachment": true, "storage.k8s.io/VolumeAttributesClass": true,
	"apiextensions.k8s.io/CustomResourceDefinition": true,
	"networking.k8s.io/IngressClass":                true, "networking.k8s.io/ServiceCIDR": true, "networking.k8s.io/IPAddress": true,
	"node.k8s.io/RuntimeClass":                                      true,
	"admissionregistration.k8s.io/ValidatingWebhookConfiguration":   true,
	"admissionregistration.k8s.io/MutatingWebhookConfiguration":     true,
	"admissionregistration.k8s.io/ValidatingAdmissionPolicy":        true,
	"admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding": true,
	"admissionregistration.k8s.io/MutatingAdmissionPolicy":          true,
	"admissionregistration.k8s.io/MutatingAdmissionPolicyBinding":   true,
	"apiregistration.k8s.io/APIService":                             true,
	"certificates.k8s.io/CertificateSigningRequest":                 true,
	"certificates.k8s.io/ClusterTrustBundle":                        true,
	"flowcontrol.apiserver.k8s.io/FlowSchema":                       true,
	"flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration":       true,
	"resource.k8s.io/DeviceClass":                                   true,
	"storagemigration.k8s.io/StorageVersionMigration":               true,
}

// nameRuleFor returns the API server's name rule for a built-in kind.
func nameRuleFor(group, kind string) nameRule {
	switch group + "/" + kind {
	case "/Service":
		return dns1035LabelName
	case "/Namespace", "apps/StatefulSet":
		return dnsLabelName
	case "rbac.authorization.k8s.io/Role", "rbac.authorization.k8s.io/ClusterRole",
		"rbac.authorization.k8s.io/RoleBinding", "rbac.authorization.k8s.io/ClusterRoleBinding":
		return pathSegmentName
	}
	return dnsSubdomainName
}

// checkBuiltin decodes o strictly into its Go type and applies the cheap
// validity rules.
func checkBuiltin(c *collector, o *manifest.Object, k *kindInfo, memo *Memo) {
	gvk := k.gvk
	if k.newErr != nil {
		c.add("", fmt.Sprintf("no type for %s: %v", gvk, k.newErr))
		return
	}
	var obj runtime.Object
	if t, ok := o.Typed().(runtime.Object); ok && reflect.TypeOf(t) == k.typ {
		// Body was converted from this very type (manifest.New): it
		// decodes back strictly by construction, so skip the round trip.
		obj = t
	} else {
		var err error
		if obj, err = builtinScheme().New(gvk); err != nil {
			c.add("", fmt.Sprintf("no type for %s: %v", gvk, err))
			return
		}
		if memo != nil {
			// A body that passed once passes again (see Memo.bodies).
			key, ok := bodyKey(o.Map())
			if ok {
				if _, hit := memo.bodies.Load(key); hit {
					return
				}
				before := len(c.errs)
				defer func() {
					if len(c.errs) == before {
						memo.bodies.Store(key, struct{}{})
					}
				}()
			}
		}
		if !decodeStrict(c, o, obj) {
			return
		}
	}
	ma, ok := obj.(metav1.ObjectMetaAccessor)
	if !ok {
		c.add("", "object has no metadata")
		return
	}
	accessor, ok := ma.GetObjectMeta().(*metav1.ObjectMeta)
	if !ok {
		c.add("", "object has no metadata")
		return
	}
	c.addField(validateMeta(accessor, k.namespaced, k.rule, metadataPath))
	if !k.namespaced && accessor.GetNamespace() != "" {
		c.add("metadata.namespace", gvk.Kind+" is cluster-scoped and takes no namespace")
	}
	checkTyped(c, obj)
}

// decodeStrict decodes o's body into obj, rejecting unknown fields, and
// reports why it failed.
func decodeStrict(c *collector, o *manifest.Object, obj runtime.Object) bool {
	// The converter only reads the body: copy it only when it holds Go
	// types the converter does not take (int, float32, map[string]string).
	m := o.Map()
	if !canonical(m) {
		body, err := normalize(o.Map())
		if err != nil {
			c.add("", err.Error())
			return false
		}
		m = body.(map[string]any)
	}
	if fastDecode(m, obj) {
		return true
	}
	// The converter decides, and names what is wrong, from a fresh value.
	reflect.ValueOf(obj).Elem().SetZero()
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(m, obj, true); err != nil {
		decodeErrors(c, m, obj, err)
		return false
	}
	return true
}

// decodeErrors reports why a strict decode failed, naming the fields.
func decodeErrors(c *collector, body map[string]any, obj runtime.Object, err error) {
	if runtime.IsStrictDecodingError(err) {
		var se interface{ Errors() []error }
		if errors.As(err, &se) {
			for _, e := range se.Errors() {
				msg := e.Error()
				if i, j := strings.IndexByte(msg, '"'), strings.LastIndexByte(msg, '"'); i >= 0 && j > i {
					c.add(msg[i+1:j], strings.TrimSpace(msg[:i]))
				} else {
					c.add("", msg)
				}
			}
			return
		}
	}
	// The unstructured converter's type errors carry no path; encoding/json
	// names the field.
	raw, jerr := json.Marshal(body)
	if jerr == nil {
		fresh := obj.DeepCopyObject()
		if jerr = json.Unmarshal(raw, fresh); jerr != nil {
			var te *json.UnmarshalTypeError
			if errors.As(jerr, &te) && te.Field != "" {
				c.add(te.Field, fmt.Sprintf("wrong type: %s where %s is expected", te.Value, te.Type))
				return
			}
			c.add("", jerr.Error())
			return
		}
	}
	c.add("", err.Error())
}

// canonical reports whether v holds only the JSON-like types of
// runtime.DefaultUnstructuredConverter.ToUnstructured.
func canonical(v any) bool {
	switch t := v.(type) {
	case nil, string, bool, int64, float64:
		return true
	case map[string]any:
		for _, e := range t {
			if !canonical(e) {
				return false
			}
		}
		return true
	case []any:
		for _, e := range t {
			if !canonical(e) {
				return false
			}
		}
		return true
	}
	return false
}

// normalize deep-copies a JSON-like value, widening Go integer and float
// types to int64 and float64 (what decoders and CEL expect).
func normalize(v any) (any, error) {
	switch t := v.(type) {
	case nil, string, bool, int64, float64:
		return t, nil
	case int:
		return int64(t), nil
	case int32:
		return int64(t), nil
	case int16:
		return int64(t), nil
	case int8:
		return int64(t), nil
	case uint32:
		return int64(t), nil
	case uint16:
		return int64(t), nil
	case uint8:
		return int64(t), nil
	case float32:
		return float64(t), nil
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			n, err := normalize(e)
			if err != nil {
				return nil, fmt.Errorf("%s%s", k, dotted(err))
			}
			m[k] = n
		}
		return m, nil
	case map[string]string:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = e
		}
		return m, nil
	case []any:
		s := make([]any, len(t))
		for i, e := range t {
			n, err := normalize(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]%s", i, dotted(err))
			}
			s[i] = n
		}
		return s, nil
	case []string:
		s := make([]any, len(t))
		for i, e := range t {
			s[i] = e
		}
		return s, nil
	}
	return nil, fmt.Errorf(": unsupported value of type %T", v)
}

func dotted(err error) string {
	s := err.Error()
	if strings.HasPrefix(s, ":") || strings.HasPrefix(s, "[") {
		return s
	}
	return "." + s
}
