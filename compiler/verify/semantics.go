package verify

import (
	"fmt"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/hubfleet/hubfleet/compiler/manifest"
)

// SemanticsOptions declare what exists without being rendered.
type SemanticsOptions struct {
	// ExtraPods are the label sets of pods created at run time rather than
	// from a rendered template: JupyterHub's user pods
	// (component=singleuser-server), dask-gateway's scheduler and worker
	// pods. They live in every namespace the objects use.
	ExtraPods []map[string]string
	// ClusterRoles that exist without being rendered; the default set
	// (cluster-admin, admin, edit, view and system:*) is always allowed.
	ClusterRoles []string
}

// Semantics checks that objects (one hub's, or one cluster's) fit together,
// with no extra pods declared.
func Semantics(objs []*manifest.Object) []error { return SemanticsWith(objs, SemanticsOptions{}) }

// SemanticsWith checks that objects fit together:
//   - each Service with a selector selects some pod and targets ports those
//     pods name or declare;
//   - every ConfigMap, Secret, PersistentVolumeClaim and ServiceAccount a
//     pod template uses is rendered (a Secret may instead be the target of
//     an ExternalSecret); optional references are not checked;
//   - NetworkPolicy pod selectors, and their same-namespace peers, match
//     some pod;
//   - RoleBindings and ClusterRoleBindings reference rendered Roles,
//     ClusterRoles (or built-in ones) and ServiceAccounts;
//   - Ingress backends point at rendered Services and their ports;
//   - no object is rendered twice, and no Secret carries data.
//
// The errors are *FieldError, in a deterministic order: per-object checks
// in the order of objs, then pod-template references, then Secret data.
func SemanticsWith(objs []*manifest.Object, opts SemanticsOptions) []error {
	ix := newIndex(objs, opts)
	var errs []error
	add := func(o *manifest.Object, path *field.Path, format string, args ...any) {
		fe := &FieldError{Object: o.String(), Source: o.Source, Detail: fmt.Sprintf(format, args...)}
		if path != nil {
			fe.Field = path.String()
		}
		errs = append(errs, fe)
	}
	seen := make(map[string]bool, len(objs))
	for _, o := range objs {
		if seen[o.ID()] {
			add(o, nil, "rendered more than once")
		}
		seen[o.ID()] = true
		switch o.Group() + "/" + o.Kind() {
		case "/Service":
			if s, ok := typedAs[corev1.Service](o); ok {
				ix.checkService(o, s, add)
			}
		case "networking.k8s.io/NetworkPolicy":
			if np, ok := typedAs[networkingv1.NetworkPolicy](o); ok {
				ix.checkNetworkPolicy(o, np, add)
			}
		case "rbac.authorization.k8s.io/RoleBinding", "rbac.authorization.k8s.io/ClusterRoleBinding":
			if rb, ok := binding(o); ok {
				ix.checkBinding(o, rb, add)
			}
		case "networking.k8s.io/Ingress":
			if ing, ok := typedAs[networkingv1.Ingress](o); ok {
				ix.checkIngress(o, ing, add)
			}
		}
	}
	for _, p := range ix.pods {
		if p.spec != nil {
			ix.checkPodRefs(p, add)
		}
	}
	return append(errs, NoSecretData(objs)...)
}

// NoSecretData reports every core Secret that carries data or stringData:
// credentials reach the cluster through ExternalSecrets only.
func NoSecretData(objs []*manifest.Object) []error {
	var errs []error
	for _, o := range objs {
		if o.Group() != "" || o.Kind() != "Secret" {
			continue
		}
		if s, ok := o.Typed().(*corev1.Secret); ok && s != nil && len(s.Data) == 0 && len(s.StringData) == 0 {
			// Made from a struct with no values: its body has none
			// either, and need not be built to tell.
			continue
		}
		body := o.Map()
		for _, k := range []string{"data", "stringData"} {
			if v, ok := body[k]; ok && !isEmpty(v) {
				errs = append(errs, &FieldError{Object: o.String(), Source: o.Source, Field: k,
					Detail: "a rendered Secret must not carry values; use an ExternalSecret"})
			}
		}
	}
	return errs
}

func isEmpty(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case map[string]any:
		return len(t) == 0
	case map[string]string:
		return len(t) == 0
	case string:
		return t == ""
	}
	return false
}

// typedAs returns o's struct when o was made from a *T (manifest.New),
// which the checks read in place (they only read), and otherwise decodes
// its body into a new T, leniently: shape errors are Object's to report,
// and such objects are skipped here.
func typedAs[T any](o *manifest.Object) (*T, bool) {
	if t, ok := o.Typed().(*T); ok && t != nil {
		return t, true
	}
	var v T
	body := o.Map()
	if !canonical(body) {
		n, err := normalize(body)
		if err != nil {
			return nil, false
		}
		body = n.(map[string]any)
	}
	// The converters only read the body. A strict decode that succeeds
	// is the lenient one, which only ignores unknown fields besides.
	if fastDecode(body, &v) {
		return &v, true
	}
	v = *new(T)
	if runtime.DefaultUnstructuredConverter.FromUnstructured(body, &v) != nil {
		return nil, false
	}
	return &v, true
}

// binding returns a RoleBinding or ClusterRoleBinding as a RoleBinding:
// the two have the same fields.
func binding(o *manifest.Object) (*rbacv1.RoleBinding, bool) {
	if t, ok := o.Typed().(*rbacv1.ClusterRoleBinding); ok && t != nil {
		return &rbacv1.RoleBinding{TypeMeta: t.TypeMeta, ObjectMeta: t.ObjectMeta, Subjects: t.Subjects, RoleRef: t.RoleRef}, true
	}
	return typedAs[rbacv1.RoleBinding](o)
}

type addFunc func(o *manifest.Object, path *field.Path, format string, args ...any)

// pod is a rendered pod template or a declared run-time pod.
type pod struct {
	obj       *manifest.Object // nil for extra pods
	namespace string           // "" for extra pods: any namespace
	labels    labels.Set
	spec      *corev1.PodSpec
	specPath  *field.Path
}

func (p *pod) inNamespace(ns string) bool { return p.namespace == "" || p.namespace == ns }

type index struct {
	pods    []*pod
	names   map[string]bool // "Kind/namespace/name" of every object, core and rbac kinds by bare kind
	targets map[string]bool // "namespace/name" of Secrets ExternalSecrets create
	spaces  map[string]bool // namespaces used by the objects
	roles   []string
	svcs    map[string]*corev1.Service // "namespace/name"
}

func newIndex(objs []*manifest.Object, opts SemanticsOptions) *index {
	ix := &index{names: make(map[string]bool, len(objs)), targets: map[string]bool{}, spaces: map[string]bool{},
		roles: opts.ClusterRoles, svcs: map[string]*corev1.Service{}}
	for _, l := range opts.ExtraPods {
		ix.pods = append(ix.pods, &pod{labels: labels.Set(l)})
	}
	for _, o := range objs {
		ns := o.Namespace()
		if ns != "" {
			ix.spaces[ns] = true
		}
		ix.names[o.Kind()+"/"+ns+"/"+o.Name()] = true
		switch o.Group() + "/" + o.Kind() {
		case "apps/Deployment":
			if d, ok := typedAs[appsv1.Deployment](o); ok {
				ix.addTemplate(o, &d.Spec.Template, specRoot.Child("template"))
			}
		case "apps/StatefulSet":
			if s, ok := typedAs[appsv1.StatefulSet](o); ok {
				ix.addTemplate(o, &s.Spec.Template, specRoot.Child("template"))
				// PVCs from volumeClaimTemplates are mounted by template name.
				for _, t := range s.Spec.VolumeClaimTemplates {
					ix.names["PersistentVolumeClaim/"+ns+"/"+t.Name] = true
				}
			}
		case "apps/DaemonSet":
			if d, ok := typedAs[appsv1.DaemonSet](o); ok {
				ix.addTemplate(o, &d.Spec.Template, specRoot.Child("template"))
			}
		case "batch/Job":
			if j, ok := typedAs[batchv1.Job](o); ok {
				ix.addTemplate(o, &j.Spec.Template, specRoot.Child("template"))
			}
		case "batch/CronJob":
			if j, ok := typedAs[batchv1.CronJob](o); ok {
				ix.addTemplate(o, &j.Spec.JobTemplate.Spec.Template, specRoot.Child("jobTemplate", "spec", "template"))
			}
		case "/Pod":
			if p, ok := typedAs[corev1.Pod](o); ok {
				ix.pods = append(ix.pods, &pod{obj: o, namespace: ns, labels: labels.Set(p.Labels), spec: &p.Spec, specPath: specRoot})
			}
		case "/Service":
			if s, ok := typedAs[corev1.Service](o); ok {
				ix.svcs[ns+"/"+o.Name()] = s
			}
		case "external-secrets.io/ExternalSecret":
			name, _ := o.Get("spec", "target", "name").(string)
			if name == "" {
				name = o.Name() // ESO's default target name
			}
			ix.targets[ns+"/"+name] = true
		case "rbac.authorization.k8s.io/ClusterRole":
			ix.roles = append(ix.roles, o.Name())
		}
	}
	return ix
}

// specRoot is the root of the paths newIndex records (paths are
// immutable, so one serves every object).
var specRoot = field.NewPath("spec")

func (ix *index) addTemplate(o *manifest.Object, t *corev1.PodTemplateSpec, path *field.Path) {
	ix.pods = append(ix.pods, &pod{obj: o, namespace: o.Namespace(), labels: labels.Set(t.Labels), spec: &t.Spec, specPath: path.Child("spec")})
}

// matching returns the pods in ns that sel selects.
func (ix *index) matching(ns string, sel labels.Selector) []*pod {
	var out []*pod
	for _, p := range ix.pods {
		if p.inNamespace(ns) && sel.Matches(p.labels) {
			out = append(out, p)
		}
	}
	return out
}

// selects reports whether sel selects some pod in ns.
func (ix *index) selects(ns string, sel labels.Selector) bool {
	return slices.ContainsFunc(ix.pods, func(p *pod) bool { return p.inNamespace(ns) && sel.Matches(p.labels) })
}

func (ix *index) checkService(o *manifest.Object, s *corev1.Service, add addFunc) {
	if len(s.Spec.Selector) == 0 {
		return // endpoints managed elsewhere, or ExternalName
	}
	sel := labels.SelectorFromSet(s.Spec.Selector)
	pods := ix.matching(o.Namespace(), sel)
	if len(pods) == 0 {
		add(o, field.NewPath("spec", "selector"), "selects no rendered pod (selector %q)", sel.String())
		return
	}
	for i, port := range s.Spec.Ports {
		target := port.TargetPort
		if target.Type == intstr.Int && target.IntVal == 0 {
			target = intstr.FromInt32(port.Port)
		}
		if !slices.ContainsFunc(pods, func(p *pod) bool { return p.spec == nil || exposes(p.spec, target) }) {
			add(o, field.NewPath("spec", "ports").Index(i).Child("targetPort"),
				"no selected pod has a container port %s", target.String())
		}
	}
}

// exposes reports whether a container of spec names (or declares) port.
func exposes(spec *corev1.PodSpec, port intstr.IntOrString) bool {
	for _, cs := range [][]corev1.Container{spec.Containers, spec.InitContainers} {
		for _, c := range cs {
			for _, p := range c.Ports {
				if (port.Type == intstr.String && p.Name == port.StrVal) || (port.Type == intstr.Int && p.ContainerPort == port.IntVal) {
					return true
				}
			}
		}
	}
	return false
}

func (ix *index) checkNetworkPolicy(o *manifest.Object, np *networkingv1.NetworkPolicy, add addFunc) {
	ns := o.Namespace()
	check := func(path *field.Path, ls *metav1.LabelSelector) {
		sel, err := asSelector(ls)
		if err != nil || sel.Empty() {
			return // invalid selectors are Object's; an empty one selects all
		}
		if !ix.selects(ns, sel) {
			add(o, path, "selects no rendered or declared pod (selector %q)", sel.String())
		}
	}
	spec := field.NewPath("spec")
	check(spec.Child("podSelector"), &np.Spec.PodSelector)
	peers := func(path *field.Path, ps []networkingv1.NetworkPolicyPeer) {
		for i, p := range ps {
			// With a namespace selector the peers live in other namespaces.
			if p.PodSelector != nil && p.NamespaceSelector == nil {
				check(path.Index(i).Child("podSelector"), p.PodSelector)
			}
		}
	}
	for i, r := range np.Spec.Ingress {
		peers(spec.Child("ingress").Index(i).Child("from"), r.From)
	}
	for i, r := range np.Spec.Egress {
		peers(spec.Child("egress").Index(i).Child("to"), r.To)
	}
}

// builtinClusterRole reports the roles every cluster has.
func builtinClusterRole(name string) bool {
	switch name {
	case "cluster-admin", "admin", "edit", "view":
		return true
	}
	return strings.HasPrefix(name, "system:")
}

func (ix *index) checkBinding(o *manifest.Object, rb *rbacv1.RoleBinding, add addFunc) {
	ref := field.NewPath("roleRef")
	switch rb.RoleRef.Kind {
	case "Role":
		if o.Kind() == "ClusterRoleBinding" {
			add(o, ref.Child("kind"), "a ClusterRoleBinding can only reference a ClusterRole")
		} else if !ix.names["Role/"+o.Namespace()+"/"+rb.RoleRef.Name] {
			add(o, ref.Child("name"), "Role %q is not rendered in namespace %q", rb.RoleRef.Name, o.Namespace())
		}
	case "ClusterRole":
		if !builtinClusterRole(rb.RoleRef.Name) && !slices.Contains(ix.roles, rb.RoleRef.Name) {
			add(o, ref.Child("name"), "ClusterRole %q is neither rendered nor built in", rb.RoleRef.Name)
		}
	default:
		add(o, ref.Child("kind"), "unsupported roleRef kind %q", rb.RoleRef.Kind)
	}
	for i, s := range rb.Subjects {
		if s.Kind != "ServiceAccount" || s.Name == "default" {
			continue
		}
		ns := s.Namespace
		if ns == "" {
			ns = o.Namespace()
		}
		// Only namespaces these objects render into can be checked.
		if ix.spaces[ns] && !ix.names["ServiceAccount/"+ns+"/"+s.Name] {
			add(o, field.NewPath("subjects").Index(i).Child("name"), "ServiceAccount %q is not rendered in namespace %q", s.Name, ns)
		}
	}
}

func (ix *index) checkIngress(o *manifest.Object, ing *networkingv1.Ingress, add addFunc) {
	check := func(path *field.Path, b *networkingv1.IngressBackend) {
		if b.Service == nil {
			return
		}
		svc := ix.svcs[o.Namespace()+"/"+b.Service.Name]
		if svc == nil {
			add(o, path.Child("service", "name"), "Service %q is not rendered in namespace %q", b.Service.Name, o.Namespace())
			return
		}
		for _, p := range svc.Spec.Ports {
			if (b.Service.Port.Name != "" && p.Name == b.Service.Port.Name) || (b.Service.Port.Name == "" && p.Port == b.Service.Port.Number) {
				return
			}
		}
		port := b.Service.Port.Name
		if port == "" {
			port = fmt.Sprint(b.Service.Port.Number)
		}
		add(o, path.Child("service", "port"), "Service %q has no port %s", b.Service.Name, port)
	}
	spec := field.NewPath("spec")
	if ing.Spec.DefaultBackend != nil {
		check(spec.Child("defaultBackend"), ing.Spec.DefaultBackend)
	}
	for i, r := range ing.Spec.Rules {
		if r.HTTP == nil {
			continue
		}
		for j := range r.HTTP.Paths {
			check(spec.Child("rules").Index(i).Child("http", "paths").Index(j).Child("backend"), &r.HTTP.Paths[j].Backend)
		}
	}
}

// checkPodRefs checks what a pod template mounts and reads.
func (ix *index) checkPodRefs(p *pod, add addFunc) {
	ns := p.namespace
	need := func(path *field.Path, kind, name string, optional *bool) {
		if name == "" || (optional != nil && *optional) {
			return
		}
		if ix.names[kind+"/"+ns+"/"+name] {
			return
		}
		if kind == "Secret" {
			if ix.targets[ns+"/"+name] {
				return
			}
			add(p.obj, path, "Secret %q is neither rendered nor the target of an ExternalSecret in namespace %q", name, ns)
			return
		}
		add(p.obj, path, "%s %q is not rendered in namespace %q", kind, name, ns)
	}
	sp := p.specPath
	if sa := p.spec.ServiceAccountName; sa != "" && sa != "default" {
		need(sp.Child("serviceAccountName"), "ServiceAccount", sa, nil)
	}
	for i, s := range p.spec.ImagePullSecrets {
		need(sp.Child("imagePullSecrets").Index(i).Child("name"), "Secret", s.Name, nil)
	}
	for i, v := range p.spec.Volumes {
		vp := sp.Child("volumes").Index(i)
		switch {
		case v.ConfigMap != nil:
			need(vp.Child("configMap", "name"), "ConfigMap", v.ConfigMap.Name, v.ConfigMap.Optional)
		case v.Secret != nil:
			need(vp.Child("secret", "secretName"), "Secret", v.Secret.SecretName, v.Secret.Optional)
		case v.PersistentVolumeClaim != nil:
			need(vp.Child("persistentVolumeClaim", "claimName"), "PersistentVolumeClaim", v.PersistentVolumeClaim.ClaimName, nil)
		case v.Projected != nil:
			for j, src := range v.Projected.Sources {
				pp := vp.Child("projected", "sources").Index(j)
				if src.ConfigMap != nil {
					need(pp.Child("configMap", "name"), "ConfigMap", src.ConfigMap.Name, src.ConfigMap.Optional)
				}
				if src.Secret != nil {
					need(pp.Child("secret", "name"), "Secret", src.Secret.Name, src.Secret.Optional)
				}
			}
		}
	}
	containers := func(kind string, cs []corev1.Container) {
		for i, c := range cs {
			cp := sp.Child(kind).Index(i)
			for j, e := range c.EnvFrom {
				ep := cp.Child("envFrom").Index(j)
				if e.ConfigMapRef != nil {
					need(ep.Child("configMapRef", "name"), "ConfigMap", e.ConfigMapRef.Name, e.ConfigMapRef.Optional)
				}
				if e.SecretRef != nil {
					need(ep.Child("secretRef", "name"), "Secret", e.SecretRef.Name, e.SecretRef.Optional)
				}
			}
			for j, e := range c.Env {
				if e.ValueFrom == nil {
					continue
				}
				ep := cp.Child("env").Index(j).Child("valueFrom")
				if r := e.ValueFrom.ConfigMapKeyRef; r != nil {
					need(ep.Child("configMapKeyRef", "name"), "ConfigMap", r.Name, r.Optional)
				}
				if r := e.ValueFrom.SecretKeyRef; r != nil {
					need(ep.Child("secretKeyRef", "name"), "Secret", r.Name, r.Optional)
				}
			}
		}
	}
	containers("initContainers", p.spec.InitContainers)
	containers("containers", p.spec.Containers)
}
