package verify

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// checkTyped applies the kind-specific rules the API server would reject
// cheaply: selectors that match their template, port ranges, names.
func checkTyped(c *collector, obj runtime.Object) {
	spec := field.NewPath("spec")
	switch t := obj.(type) {
	case *appsv1.Deployment:
		checkWorkload(c, spec, t.Spec.Selector, &t.Spec.Template)
	case *appsv1.StatefulSet:
		checkWorkload(c, spec, t.Spec.Selector, &t.Spec.Template)
	case *appsv1.DaemonSet:
		checkWorkload(c, spec, t.Spec.Selector, &t.Spec.Template)
	case *appsv1.ReplicaSet:
		checkWorkload(c, spec, t.Spec.Selector, &t.Spec.Template)
	case *batchv1.Job:
		checkPodSpec(c, spec.Child("template", "spec"), &t.Spec.Template.Spec)
	case *batchv1.CronJob:
		checkPodSpec(c, spec.Child("jobTemplate", "spec", "template", "spec"), &t.Spec.JobTemplate.Spec.Template.Spec)
	case *corev1.Pod:
		checkPodSpec(c, spec, &t.Spec)
	case *corev1.Service:
		checkService(c, spec, &t.Spec)
	case *networkingv1.NetworkPolicy:
		checkSelector(c, spec.Child("podSelector"), &t.Spec.PodSelector)
		for i, r := range t.Spec.Ingress {
			checkPolicyPorts(c, spec, "ingress", i, r.Ports)
		}
		for i, r := range t.Spec.Egress {
			checkPolicyPorts(c, spec, "egress", i, r.Ports)
		}
	case *networkingv1.Ingress:
		checkIngress(c, spec, &t.Spec)
	case *apiextensionsv1.CustomResourceDefinition:
		checkCRD(c, t)
	case *policyv1.PodDisruptionBudget:
		if t.Spec.Selector == nil {
			c.add(spec.Child("selector").String(), "a selector is required")
		} else {
			checkSelector(c, spec.Child("selector"), t.Spec.Selector)
		}
	}
}

func checkSelector(c *collector, p *field.Path, sel *metav1.LabelSelector) labels.Selector {
	e := selectorFor(sel) // one key for both checks
	c.addField(e.validate(sel, p))
	if e.err != nil {
		c.add(p.String(), e.err.Error())
		return nil
	}
	return e.sel
}

func checkWorkload(c *collector, spec *field.Path, sel *metav1.LabelSelector, tmpl *corev1.PodTemplateSpec) {
	sp := spec.Child("selector")
	if sel == nil || (len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0) {
		c.add(sp.String(), "a non-empty selector is required")
	} else if s := checkSelector(c, sp, sel); s != nil && !s.Matches(labels.Set(tmpl.Labels)) {
		c.add(spec.Child("template", "metadata", "labels").String(),
			fmt.Sprintf("does not match the selector %q", s.String()))
	}
	c.addField(labelsErrors(tmpl.Labels, spec.Child("template", "metadata", "labels")))
	checkPodSpec(c, spec.Child("template", "spec"), &tmpl.Spec)
}

func checkPodSpec(c *collector, p *field.Path, ps *corev1.PodSpec) {
	if len(ps.Containers) == 0 {
		c.add(p.Child("containers").String(), "at least one container is required")
	}
	// Paths are built only for what is reported: most templates have
	// nothing wrong, and a path per name checked was most of the cost.
	volumes := make(map[string]bool, len(ps.Volumes))
	for i, v := range ps.Volumes {
		msgs := dns1123Label.check(v.Name)
		if len(msgs) > 0 || volumes[v.Name] {
			vp := p.Child("volumes").Index(i).Child("name")
			for _, msg := range msgs {
				c.add(vp.String(), fmt.Sprintf("%q: %s", v.Name, msg))
			}
			if volumes[v.Name] {
				c.add(vp.String(), fmt.Sprintf("duplicate volume %q", v.Name))
			}
		}
		volumes[v.Name] = true
	}
	names := make(map[string]bool, len(ps.InitContainers)+len(ps.Containers))
	check := func(kind string, cs []corev1.Container) {
		for i := range cs {
			checkContainer(c, containerPath{p, kind, i}, &cs[i], names, volumes)
		}
	}
	check("initContainers", ps.InitContainers)
	check("containers", ps.Containers)
	if ps.ServiceAccountName != "" {
		for _, msg := range dns1123Subdomain.check(ps.ServiceAccountName) {
			c.add(p.Child("serviceAccountName").String(), msg)
		}
	}
	for k, v := range ps.NodeSelector {
		kmsgs, vmsgs := qualifiedName.check(k), labelValue.check(v)
		if len(kmsgs) == 0 && len(vmsgs) == 0 {
			continue
		}
		np := p.Child("nodeSelector").Key(k)
		for _, msg := range kmsgs {
			c.add(np.String(), msg)
		}
		for _, msg := range vmsgs {
			c.add(np.String(), msg)
		}
	}
}

// containerPath is the path of a container, built when something in it
// is reported.
type containerPath struct {
	spec *field.Path
	kind string // containers or initContainers
	i    int
}

func (cp containerPath) child(names ...string) *field.Path {
	return cp.spec.Child(cp.kind).Index(cp.i).Child(names[0], names[1:]...)
}

func (cp containerPath) item(list string, i int, names ...string) *field.Path {
	p := cp.spec.Child(cp.kind).Index(cp.i).Child(list).Index(i)
	if len(names) > 0 {
		p = p.Child(names[0], names[1:]...)
	}
	return p
}

func checkContainer(c *collector, p containerPath, ct *corev1.Container, names, volumes map[string]bool) {
	for _, msg := range dns1123Label.check(ct.Name) {
		c.add(p.child("name").String(), fmt.Sprintf("%q: %s", ct.Name, msg))
	}
	if names[ct.Name] {
		c.add(p.child("name").String(), fmt.Sprintf("duplicate container name %q", ct.Name))
	}
	names[ct.Name] = true
	if ct.Image == "" {
		c.add(p.child("image").String(), "an image is required")
	}
	var portNames map[string]bool
	for i, port := range ct.Ports {
		if msgs := portNumberErrors(port.ContainerPort, false); msgs != nil {
			addPortErrors(c, p.item("ports", i, "containerPort"), port.ContainerPort, msgs)
		}
		if msgs := portNumberErrors(port.HostPort, true); msgs != nil {
			addPortErrors(c, p.item("ports", i, "hostPort"), port.HostPort, msgs)
		}
		if port.Name != "" {
			for _, msg := range portName.check(port.Name) {
				c.add(p.item("ports", i, "name").String(), fmt.Sprintf("%q: %s", port.Name, msg))
			}
			if portNames[port.Name] {
				c.add(p.item("ports", i, "name").String(), fmt.Sprintf("duplicate port name %q", port.Name))
			}
			if portNames == nil {
				portNames = map[string]bool{}
			}
			portNames[port.Name] = true
		}
	}
	for i, e := range ct.Env {
		for _, msg := range envVarName.check(e.Name) {
			c.add(p.item("env", i, "name").String(), fmt.Sprintf("%q: %s", e.Name, msg))
		}
	}
	for i, m := range ct.VolumeMounts {
		if !volumes[m.Name] {
			c.add(p.item("volumeMounts", i, "name").String(), fmt.Sprintf("no volume named %q", m.Name))
		}
		if m.MountPath == "" {
			c.add(p.item("volumeMounts", i, "mountPath").String(), "a mount path is required")
		}
	}
	for name, limit := range ct.Resources.Limits {
		if req, ok := ct.Resources.Requests[name]; ok && req.Cmp(limit) > 0 {
			c.add(p.child("resources", "requests").Key(string(name)).String(),
				fmt.Sprintf("request %s exceeds limit %s", req.String(), limit.String()))
		}
	}
}

// portNumberErrors is validation.IsValidPortNum, where zeroOK lets 0 pass.
func portNumberErrors(n int32, zeroOK bool) []string {
	if zeroOK && n == 0 {
		return nil
	}
	return validation.IsValidPortNum(int(n))
}

func addPortErrors(c *collector, p *field.Path, n int32, msgs []string) {
	for _, msg := range msgs {
		c.add(p.String(), fmt.Sprintf("%d: %s", n, msg))
	}
}

func checkPortNumber(c *collector, p *field.Path, n int32, zeroOK bool) {
	addPortErrors(c, p, n, portNumberErrors(n, zeroOK))
}

func checkIntOrPortName(c *collector, p *field.Path, v intstr.IntOrString) {
	if v.Type == intstr.String {
		for _, msg := range portName.check(v.StrVal) {
			c.add(p.String(), fmt.Sprintf("%q: %s", v.StrVal, msg))
		}
		return
	}
	checkPortNumber(c, p, v.IntVal, false)
}

func checkService(c *collector, spec *field.Path, s *corev1.ServiceSpec) {
	c.addField(labelsErrors(s.Selector, spec.Child("selector")))
	names := map[string]bool{}
	for i, port := range s.Ports {
		pp := spec.Child("ports").Index(i)
		checkPortNumber(c, pp.Child("port"), port.Port, false)
		if port.TargetPort.Type == intstr.String || port.TargetPort.IntVal != 0 {
			checkIntOrPortName(c, pp.Child("targetPort"), port.TargetPort)
		}
		if port.NodePort != 0 {
			checkPortNumber(c, pp.Child("nodePort"), port.NodePort, false)
		}
		if len(s.Ports) > 1 && port.Name == "" {
			c.add(pp.Child("name").String(), "a name is required when a Service has several ports")
		}
		if port.Name != "" {
			for _, msg := range dns1123Label.check(port.Name) {
				c.add(pp.Child("name").String(), fmt.Sprintf("%q: %s", port.Name, msg))
			}
			if names[port.Name] {
				c.add(pp.Child("name").String(), fmt.Sprintf("duplicate port name %q", port.Name))
			}
			names[port.Name] = true
		}
	}
}

// checkPolicyPorts checks the ports of spec.<dir>[i], building paths for
// what it reports only.
func checkPolicyPorts(c *collector, spec *field.Path, dir string, i int, ports []networkingv1.NetworkPolicyPort) {
	for j, port := range ports {
		if port.Port == nil {
			continue
		}
		var msgs []string
		if port.Port.Type == intstr.String {
			msgs = portName.check(port.Port.StrVal)
		} else {
			msgs = portNumberErrors(port.Port.IntVal, false)
		}
		if len(msgs) > 0 {
			checkIntOrPortName(c, spec.Child(dir).Index(i).Child("ports").Index(j).Child("port"), *port.Port)
		}
	}
}

func checkIngress(c *collector, spec *field.Path, s *networkingv1.IngressSpec) {
	checkBackend := func(p *field.Path, b *networkingv1.IngressBackend) {
		if b.Service == nil {
			return
		}
		for _, msg := range dns1035Label.check(b.Service.Name) {
			c.add(p.Child("service", "name").String(), fmt.Sprintf("%q: %s", b.Service.Name, msg))
		}
		pp := p.Child("service", "port")
		switch {
		case b.Service.Port.Name != "" && b.Service.Port.Number != 0:
			c.add(pp.String(), "set name or number, not both")
		case b.Service.Port.Name != "":
			checkIntOrPortName(c, pp.Child("name"), intstr.FromString(b.Service.Port.Name))
		default:
			checkPortNumber(c, pp.Child("number"), b.Service.Port.Number, false)
		}
	}
	if s.DefaultBackend != nil {
		checkBackend(spec.Child("defaultBackend"), s.DefaultBackend)
	}
	for i, r := range s.Rules {
		if r.HTTP == nil {
			continue
		}
		for j := range r.HTTP.Paths {
			checkBackend(spec.Child("rules").Index(i).Child("http", "paths").Index(j).Child("backend"), &r.HTTP.Paths[j].Backend)
		}
	}
}
