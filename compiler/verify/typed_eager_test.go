package verify

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/hubfleet/hubfleet/compiler/manifest"
)

// The pod-template and policy-port checks build paths only for what they
// report and remember the names that passed; these are the eager
// versions they replaced, which TestTypedChecksMatchEager holds them to.

func refCheckPodSpec(c *collector, p *field.Path, ps *corev1.PodSpec) {
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
			refCheckContainer(c, p.Child(kind).Index(i), &cs[i], names, volumes)
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

func refCheckContainer(c *collector, p *field.Path, ct *corev1.Container, names, volumes map[string]bool) {
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
		refCheckPortNumber(c, pp.Child("containerPort"), port.ContainerPort, false)
		refCheckPortNumber(c, pp.Child("hostPort"), port.HostPort, true)
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

func refCheckPortNumber(c *collector, p *field.Path, n int32, zeroOK bool) {
	if zeroOK && n == 0 {
		return
	}
	for _, msg := range validation.IsValidPortNum(int(n)) {
		c.add(p.String(), fmt.Sprintf("%d: %s", n, msg))
	}
}

func refCheckIntOrPortName(c *collector, p *field.Path, v intstr.IntOrString) {
	if v.Type == intstr.String {
		for _, msg := range validation.IsValidPortName(v.StrVal) {
			c.add(p.String(), fmt.Sprintf("%q: %s", v.StrVal, msg))
		}
		return
	}
	refCheckPortNumber(c, p, v.IntVal, false)
}

func refCheckPolicyPorts(c *collector, p *field.Path, ports []networkingv1.NetworkPolicyPort) {
	for i, port := range ports {
		if port.Port != nil {
			refCheckIntOrPortName(c, p.Index(i).Child("port"), *port.Port)
		}
	}
}

// TestTypedChecksMatchEager runs the pod-spec and policy-port checks and
// their eager versions on random specs with every kind of fault they
// catch (twice, so the second round meets remembered names) and wants the
// same reports.
func TestTypedChecksMatchEager(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// Mostly valid values, so that some specs pass; one in forty is a fault.
	names := [2][]string{{"hub", "proxy", "config", "http"}, {"Hub_1", "", "a.b", "-x", strings.Repeat("n", 64), "9090", "my--port", "toolongportname1"}}
	envs := [2][]string{{"TOKEN", "ok.name", "x-y"}, {"1BAD", "A=B", "..", ""}}
	ports := [2][]int32{{80, 8081, 65535}, {0, -1, 65536, 70000}}
	bad := func() int {
		if rng.IntN(40) == 0 {
			return 1
		}
		return 0
	}
	pick := func(l [2][]string) string { b := l[bad()]; return b[rng.IntN(len(b))] }
	port := func() int32 { b := ports[bad()]; return b[rng.IntN(len(b))] }
	qty := func() resource.Quantity {
		return resource.MustParse([]string{"100m", "1", "2Gi", "500Mi"}[rng.IntN(4)])
	}
	container := func() corev1.Container {
		c := corev1.Container{Name: pick(names), Image: []string{"x:1", ""}[bad()]}
		for range rng.IntN(3) {
			c.Ports = append(c.Ports, corev1.ContainerPort{Name: pick(names), ContainerPort: port(), HostPort: port()})
		}
		for range rng.IntN(3) {
			c.Env = append(c.Env, corev1.EnvVar{Name: pick(envs)})
		}
		for range rng.IntN(3) {
			c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: pick(names), MountPath: []string{"/x", ""}[bad()]})
		}
		if rng.IntN(2) == 0 {
			c.Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: qty(), corev1.ResourceMemory: qty()}
			c.Resources.Limits = corev1.ResourceList{corev1.ResourceCPU: qty(), corev1.ResourceMemory: qty()}
		}
		return c
	}
	reports := func(check func(c *collector)) string {
		c := &collector{obj: &manifest.Object{Body: map[string]any{"kind": "Pod", "metadata": map[string]any{"name": "p"}}}}
		check(c)
		err := c.result()
		if err == nil {
			return ""
		}
		return err.Error()
	}
	spec := field.NewPath("spec")
	var faults int
	for round := range 2 {
		rng = rand.New(rand.NewPCG(1, 2)) // the same specs again, names now remembered
		for range 400 {
			ps := &corev1.PodSpec{ServiceAccountName: pick(names)}
			for range rng.IntN(3) {
				ps.Volumes = append(ps.Volumes, corev1.Volume{Name: pick(names)})
			}
			for range rng.IntN(3) {
				ps.Containers = append(ps.Containers, container())
			}
			for range rng.IntN(2) {
				ps.InitContainers = append(ps.InitContainers, container())
			}
			if rng.IntN(2) == 0 {
				ps.NodeSelector = map[string]string{pick(names): pick(names), pick(names): pick(names)}
			}
			var pp []networkingv1.NetworkPolicyPort
			for range rng.IntN(4) {
				v := intstr.FromString(pick(names))
				if rng.IntN(2) == 0 {
					v = intstr.FromInt32(port())
				}
				pp = append(pp, networkingv1.NetworkPolicyPort{Port: &v})
			}
			got := reports(func(c *collector) { checkPodSpec(c, spec, ps); checkPolicyPorts(c, spec, "ingress", 1, pp) })
			want := reports(func(c *collector) {
				refCheckPodSpec(c, spec, ps)
				refCheckPolicyPorts(c, spec.Child("ingress").Index(1).Child("ports"), pp)
			})
			if got != want {
				t.Fatalf("round %d: reports differ for %+v\n%+v\ngot:\n%s\nwant:\n%s", round, ps, pp, got, want)
			}
			if got != "" {
				faults++
			}
		}
	}
	t.Logf("%d of 800 specs reported", faults)
	if faults == 0 || faults == 800 {
		t.Errorf("%d of 800 specs reported: the cases do not cover both outcomes", faults)
	}
}
