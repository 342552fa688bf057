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
			checkPolicyPorts(c, spec.Child("ingress").Index(i).Child("ports"), r.Ports)
		}
		for i, r := range t.Spec.Egress {
			checkPolicyPorts(c, spec.Child("egress").Index(i).Child("ports"), r.Ports)
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
	c.addField(validateSelector(sel, p))
	s, err := asSelector(sel)
	if err != nil {
		c.add(p.String(), err.Error())
		return nil
	}
	return s
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
	volumes := map[string]bool{}
	for i, v := range ps.Volumes {
		vp := p.Child("volumes").Index(i).Child("name")
		for _, msg := range validation.IsDNS1123Label(v.Name) {
			c.add(vp.String(), fmt.Sprintf("%q: %s", v.Name, msg))
		}
		if volumes[v.Name] {
			c.add(vp.String(), fmt.Sprintf("duplicate volume %q", v.Name))
		}
		volumes[v.Name] = true
	}
	names := map[string]bool{}
	check := func(kind string, cs []corev1.Container) {
		for i := range cs {
			checkContainer(c, p.Child(kind).Index(i), &cs[i], names, volumes)
		}
	}
	check("initContainers", ps.InitContainers)
	check("containers", ps.Containers)
	if ps.ServiceAccountName != "" {
		for _, msg := range validation.IsDNS1123Subdomain(ps.ServiceAccountName) {
			c.add(p.Child("serviceAccountName").String(), msg)
		}
	}
	for k, v := range ps.NodeSelector {
		np := p.Child("nodeSelector").Key(k)
		for _, msg := range validation.IsQualifiedName(k) {
			c.add(np.String(), msg)
		}
		for _, msg := range validation.IsValidLabelValue(v) {
			c.add(np.String(), msg)
		}
	}
}

func checkContainer(c *collector, p *field.Path, ct *corev1.Container, names, volumes map[string]bool) {
	for _, msg := range validation.IsDNS1123Label(ct.Name) {
		c.add(p.Child("name").String(), fmt.Sprintf("%q: %s", ct.Name, msg))
	}
	if names[ct.Name] {
		c.add(p.Child("name").String(), fmt.Sprintf("duplicate container name %q", ct.Name))
	}
	names[ct.Name] = true
	if ct.Image == "" {
		c.add(p.Child("image").String(), "an image is required")
	}
	portNames := map[string]bool{}
	for i, port := range ct.Ports {
		pp := p.Child("ports").Index(i)
		checkPortNumber(c, pp.Child("containerPort"), port.ContainerPort, false)
		checkPortNumber(c, pp.Child("hostPort"), port.HostPort, true)
		if port.Name != "" {
			for _, msg := range validation.IsValidPortName(port.Name) {
				c.add(pp.Child("name").String(), fmt.Sprintf("%q: %s", port.Name, msg))
			}
			if portNames[port.Name] {
				c.add(pp.Child("name").String(), fmt.Sprintf("duplicate port name %q", port.Name))
			}
			portNames[port.Name] = true
		}
	}
	for i, e := range ct.Env {
		for _, msg := range validation.IsEnvVarName(e.Name) {
			c.add(p.Child("env").Index(i).Child("name").String(), fmt.Sprintf("%q: %s", e.Name, msg))
		}
	}
	for i, m := range ct.VolumeMounts {
		if !volumes[m.Name] {
			c.add(p.Child("volumeMounts").Index(i).Child("name").String(), fmt.Sprintf("no volume named %q", m.Name))
		}
		if m.MountPath == "" {
			c.add(p.Child("volumeMounts").Index(i).Child("mountPath").String(), "a mount path is required")
		}
	}
	for name, limit := range ct.Resources.Limits {
		if req, ok := ct.Resources.Requests[name]; ok && req.Cmp(limit) > 0 {
			c.add(p.Child("resources", "requests").Key(string(name)).String(),
				fmt.Sprintf("request %s exceeds limit %s", req.String(), limit.String()))
		}
	}
}

func checkPortNumber(c *collector, p *field.Path, n int32, zeroOK bool) {
	if zeroOK && n == 0 {
		return
	}
	for _, msg := range validation.IsValidPortNum(int(n)) {
		c.add(p.String(), fmt.Sprintf("%d: %s", n, msg))
	}
}

func checkIntOrPortName(c *collector, p *field.Path, v intstr.IntOrString) {
	if v.Type == intstr.String {
		for _, msg := range validation.IsValidPortName(v.StrVal) {
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
			for _, msg := range validation.IsDNS1123Label(port.Name) {
				c.add(pp.Child("name").String(), fmt.Sprintf("%q: %s", port.Name, msg))
			}
			if names[port.Name] {
				c.add(pp.Child("name").String(), fmt.Sprintf("duplicate port name %q", port.Name))
			}
			names[port.Name] = true
		}
	}
}

func checkPolicyPorts(c *collector, p *field.Path, ports []networkingv1.NetworkPolicyPort) {
	for i, port := range ports {
		if port.Port != nil {
			checkIntOrPortName(c, p.Index(i).Child("port"), *port.Port)
		}
	}
}

func checkIngress(c *collector, spec *field.Path, s *networkingv1.IngressSpec) {
	checkBackend := func(p *field.Path, b *networkingv1.IngressBackend) {
		if b.Service == nil {
			return
		}
		for _, msg := range validation.IsDNS1035Label(b.Service.Name) {
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
