package daskgateway

import (
	"encoding/json"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/base"
)

// typed converts a rendered object back into its k8s.io/api type.
func typed[T any](t *testing.T, o *manifest.Object) *T {
	t.Helper()
	var v T
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Map(), &v); err != nil {
		t.Fatalf("%s: %v", o, err)
	}
	return &v
}

func deployments(t *testing.T, objs []*manifest.Object) []*appsv1.Deployment {
	var out []*appsv1.Deployment
	for _, o := range ofKind(objs, "Deployment") {
		out = append(out, typed[appsv1.Deployment](t, o))
	}
	return out
}

func TestDisabledHubRendersNothing(t *testing.T) {
	h := awsHub()
	h.Dask.Enabled = false
	objs, err := Render(h, testFleet())
	if err != nil || objs != nil {
		t.Fatalf("Render(disabled) = %v, %v; want nil, nil", objs, err)
	}
}

func TestObjectInventory(t *testing.T) {
	for name, mk := range testHubs() {
		t.Run(name, func(t *testing.T) {
			h := mk()
			objs := mustRender(t, h)
			want := map[string]int{
				"ConfigMap": 2, "Deployment": 3, "Service": 2, "ServiceAccount": 3,
				"ClusterRole": 3, "ClusterRoleBinding": 3, "IngressRoute": 1, "Middleware": 2,
				"NetworkPolicy": 2,
			}
			got := map[string]int{}
			seen := map[string]bool{}
			for _, o := range objs {
				got[o.Kind()]++
				if seen[o.ID()] {
					t.Errorf("%s rendered twice", o)
				}
				seen[o.ID()] = true
				if o.Cluster != h.Cluster.Name || o.Hub != h.Name || o.Source != h.Src.File {
					t.Errorf("%s: Cluster/Hub/Source = %q/%q/%q", o, o.Cluster, o.Hub, o.Source)
				}
			}
			for k, n := range want {
				if got[k] != n {
					t.Errorf("%d %s objects, want %d", got[k], k, n)
				}
			}
			if len(got) != len(want) {
				t.Errorf("kinds rendered: %v, want %v", got, want)
			}
		})
	}
}

func TestNamespacesAndClusterScopedNames(t *testing.T) {
	clusterScoped := map[string]bool{"ClusterRole": true, "ClusterRoleBinding": true}
	for name, mk := range testHubs() {
		t.Run(name, func(t *testing.T) {
			h := mk()
			for _, o := range mustRender(t, h) {
				if clusterScoped[o.Kind()] {
					if o.Namespace() != "" {
						t.Errorf("%s: cluster-scoped object has a namespace", o)
					}
					if !strings.Contains(o.Name(), h.Name) {
						t.Errorf("%s: cluster-scoped name does not contain the hub name %q", o, h.Name)
					}
				} else if o.Namespace() != h.Namespace {
					t.Errorf("%s: namespace %q, want %q", o, o.Namespace(), h.Namespace)
				}
				if errs := validation.IsDNS1123Subdomain(o.Name()); len(errs) > 0 {
					t.Errorf("%s: name: %v", o, errs)
				}
				if o.Kind() == "Service" {
					if errs := validation.IsDNS1035Label(o.Name()); len(errs) > 0 {
						t.Errorf("%s: Service name: %v", o, errs)
					}
				}
				for k, v := range o.Labels() {
					if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
						t.Errorf("%s: label %s=%q: %v", o, k, v, errs)
					}
				}
			}
		})
	}
}

// Two dask hubs in one cluster must not fight over cluster-scoped objects.
func TestTwoHubsInOneClusterDoNotCollide(t *testing.T) {
	a := awsHub()
	b := awsHub()
	b.Name, b.Namespace = "prod", "prod"
	b.Cluster = a.Cluster
	names := map[string]string{}
	for _, h := range []*model.Hub{a, b} {
		for _, o := range mustRender(t, h) {
			if o.Namespace() != "" {
				continue
			}
			key := o.Kind() + "/" + o.Name()
			if prev, ok := names[key]; ok {
				t.Errorf("%s rendered by hubs %s and %s", key, prev, h.Name)
			}
			names[key] = h.Name
		}
	}
}

func TestSelectorsMatchPodLabels(t *testing.T) {
	for name, mk := range testHubs() {
		t.Run(name, func(t *testing.T) {
			objs := mustRender(t, mk())
			deps := deployments(t, objs)
			for _, d := range deps {
				sel := labels.SelectorFromSet(d.Spec.Selector.MatchLabels)
				if !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
					t.Errorf("Deployment %s: selector %v does not match its pod labels", d.Name, sel)
				}
				// Selectors must not reach another component's pods.
				for _, other := range deps {
					if other.Name != d.Name && sel.Matches(labels.Set(other.Spec.Template.Labels)) {
						t.Errorf("Deployment %s selects the pods of %s", d.Name, other.Name)
					}
				}
			}
		})
	}
}

func TestServicesTargetNamedPortsOfTheirPods(t *testing.T) {
	for name, mk := range testHubs() {
		t.Run(name, func(t *testing.T) {
			objs := mustRender(t, mk())
			deps := deployments(t, objs)
			for _, o := range ofKind(objs, "Service") {
				svc := typed[corev1.Service](t, o)
				sel := labels.SelectorFromSet(svc.Spec.Selector)
				var backing []*appsv1.Deployment
				for _, d := range deps {
					if sel.Matches(labels.Set(d.Spec.Template.Labels)) {
						backing = append(backing, d)
					}
				}
				if len(backing) != 1 {
					t.Fatalf("Service %s selects %d Deployments, want 1", svc.Name, len(backing))
				}
				for _, p := range svc.Spec.Ports {
					if p.TargetPort.StrVal == "" {
						t.Errorf("Service %s port %s: target port is not named", svc.Name, p.Name)
						continue
					}
					if !hasPort(backing[0], p.TargetPort.StrVal) {
						t.Errorf("Service %s: no container port %q in %s", svc.Name, p.TargetPort.StrVal, backing[0].Name)
					}
				}
			}
		})
	}
}

func hasPort(d *appsv1.Deployment, name string) bool {
	for _, c := range d.Spec.Template.Spec.Containers {
		for _, p := range c.Ports {
			if p.Name == name {
				return true
			}
		}
	}
	return false
}

func TestPodsReferenceRenderedObjects(t *testing.T) {
	for name, mk := range testHubs() {
		t.Run(name, func(t *testing.T) {
			objs := mustRender(t, mk())
			for _, d := range deployments(t, objs) {
				spec := d.Spec.Template.Spec
				find(t, objs, "ServiceAccount", spec.ServiceAccountName)
				for _, v := range spec.Volumes {
					if v.ConfigMap != nil {
						cm := typed[corev1.ConfigMap](t, find(t, objs, "ConfigMap", v.ConfigMap.Name))
						if got, want := d.Spec.Template.Annotations[checksumAnnot], checksum(cm); got != want {
							t.Errorf("Deployment %s: %s = %q, want the hash of its ConfigMap %q", d.Name, checksumAnnot, got, want)
						}
						if _, ok := cm.Data[ConfigFile]; !ok {
							t.Errorf("ConfigMap %s has no %s", cm.Name, ConfigFile)
						}
					}
				}
				for _, c := range spec.Containers {
					for _, m := range c.VolumeMounts {
						if !hasVolume(spec.Volumes, m.Name) {
							t.Errorf("Deployment %s: mount of unknown volume %q", d.Name, m.Name)
						}
					}
					if i := argIndex(c.Args, "--config"); i >= 0 && c.Args[i+1] != ConfigDir+"/"+ConfigFile {
						t.Errorf("Deployment %s: --config %s", d.Name, c.Args[i+1])
					}
				}
				// Each ServiceAccount is bound to a ClusterRole of the same name.
				crb := typed[rbacv1.ClusterRoleBinding](t, find(t, objs, "ClusterRoleBinding", spec.ServiceAccountName))
				find(t, objs, "ClusterRole", crb.RoleRef.Name)
				if len(crb.Subjects) != 1 || crb.Subjects[0].Name != spec.ServiceAccountName || crb.Subjects[0].Namespace != d.Namespace {
					t.Errorf("ClusterRoleBinding %s: subjects %+v", crb.Name, crb.Subjects)
				}
			}
		})
	}
}

func hasVolume(vs []corev1.Volume, name string) bool {
	for _, v := range vs {
		if v.Name == name {
			return true
		}
	}
	return false
}

func argIndex(args []string, a string) int {
	for i := range args[:max(len(args)-1, 0)] {
		if args[i] == a {
			return i
		}
	}
	return -1
}

func TestAPIReadsTheGeneratedToken(t *testing.T) {
	h := awsHub()
	d := typed[appsv1.Deployment](t, find(t, mustRender(t, h), "Deployment", base.DaskAPIService(h)))
	var ref *corev1.SecretKeySelector
	for _, e := range d.Spec.Template.Spec.Containers[0].Env {
		if e.Name == TokenEnv && e.ValueFrom != nil {
			ref = e.ValueFrom.SecretKeyRef
		}
	}
	if ref == nil || ref.Name != base.TokensSecret || ref.Key != base.KeyDaskGatewayToken {
		t.Fatalf("%s comes from %+v, want Secret %s key %s", TokenEnv, ref, base.TokensSecret, base.KeyDaskGatewayToken)
	}
	if d.Spec.Template.Labels[base.AccessHub] != "true" {
		t.Errorf("api pods lack %s: the hub's policy would drop their token checks", base.AccessHub)
	}
}

// traefik only loads objects matching its label selector: every traefik
// object must match, and the routes must point at rendered objects.
func TestTraefikObjectsAreSelectedAndResolve(t *testing.T) {
	for name, mk := range testHubs() {
		t.Run(name, func(t *testing.T) {
			h := mk()
			objs := mustRender(t, h)
			d := typed[appsv1.Deployment](t, find(t, objs, "Deployment", base.DaskTraefikService(h)))
			const flag = "--providers.kubernetescrd.labelselector="
			var selText string
			for _, a := range d.Spec.Template.Spec.Containers[0].Args {
				if strings.HasPrefix(a, flag) {
					selText = strings.TrimPrefix(a, flag)
				}
			}
			sel, err := labels.Parse(selText)
			if err != nil || selText == "" {
				t.Fatalf("traefik label selector %q: %v", selText, err)
			}
			middlewares := map[string]bool{}
			for _, o := range objs {
				if o.Group() != "traefik.io" {
					continue
				}
				if !sel.Matches(labels.Set(o.Labels())) {
					t.Errorf("%s is not selected by traefik's %q", o, selText)
				}
				if o.Kind() == "Middleware" {
					middlewares[o.Name()] = true
				}
			}
			route := typed[ingressRoute](t, find(t, objs, "IngressRoute", base.DaskAPIService(h)))
			for _, r := range route.Spec.Routes {
				if r.Match != "PathPrefix(`"+Prefix+"`)" {
					t.Errorf("route match %q", r.Match)
				}
				for _, m := range r.Middlewares {
					if !middlewares[m.Name] {
						t.Errorf("route uses unknown Middleware %q", m.Name)
					}
				}
				for _, s := range r.Services {
					svc := typed[corev1.Service](t, find(t, objs, "Service", s.Name))
					if svc.Spec.Ports[0].Port != int32(s.Port) {
						t.Errorf("route to %s:%d, Service port %d", s.Name, s.Port, svc.Spec.Ports[0].Port)
					}
				}
			}
			// The controller attaches this Middleware to every dashboard route.
			var ctl controllerSettings
			decodeSettings(t, find(t, objs, "ConfigMap", "controller-"+base.DaskFullName(h)), &ctl)
			for _, m := range ctl.WebMiddlewares {
				if !middlewares[m.Name] || m.Namespace != h.Namespace {
					t.Errorf("controller middleware %+v is not rendered", m)
				}
			}
			if ctl.TCPEntrypoint != webEntrypoint || !containsArg(d, "--entrypoints."+ctl.TCPEntrypoint+".address=:8000") {
				t.Errorf("controller TCP entrypoint %q has no traefik entrypoint", ctl.TCPEntrypoint)
			}
		})
	}
}

func containsArg(d *appsv1.Deployment, a string) bool {
	for _, x := range d.Spec.Template.Spec.Containers[0].Args {
		if x == a {
			return true
		}
	}
	return false
}

// ingressRoute is the part of the IngressRoute schema the tests read.
type ingressRoute struct {
	Spec struct {
		Routes []struct {
			Match       string `json:"match"`
			Middlewares []struct {
				Name string `json:"name"`
			} `json:"middlewares"`
			Services []struct {
				Name string `json:"name"`
				Port int    `json:"port"`
			} `json:"services"`
		} `json:"routes"`
	} `json:"spec"`
}

func decodeSettings(t *testing.T, o *manifest.Object, v any) {
	t.Helper()
	cm := typed[corev1.ConfigMap](t, o)
	dec := json.NewDecoder(strings.NewReader(cm.Data[SettingsFile]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %s: %v", o, SettingsFile, err)
	}
}

// Scheduler and worker pods land on the pools the hub names, with the
// tolerations their nodes' taints need.
func TestDaskPodPlacementFitsThePools(t *testing.T) {
	for name, mk := range testHubs() {
		t.Run(name, func(t *testing.T) {
			h := mk()
			var s gatewaySettings
			decodeSettings(t, find(t, mustRender(t, h), "ConfigMap", base.DaskAPIService(h)), &s)
			schedPool := h.Dask.SchedulerNodePool
			if schedPool == "" {
				schedPool = h.DefaultProfile().NodePool
			}
			for _, c := range []struct {
				role string
				pool *model.NodePool
				cfg  map[string]any
			}{
				{"scheduler", h.Cluster.Pool(h, schedPool), s.Scheduler.PodConfig},
				{"worker", h.Cluster.Pool(h, h.Dask.WorkerNodePool), s.Worker.PodConfig},
			} {
				var spec corev1.PodSpec
				if err := runtime.DefaultUnstructuredConverter.FromUnstructured(c.cfg, &spec); err != nil {
					t.Fatalf("%s pod config: %v", c.role, err)
				}
				nodeLabels := labels.Set(base.NodeLabels(c.pool))
				if len(spec.NodeSelector) == 0 || !labels.SelectorFromSet(spec.NodeSelector).Matches(nodeLabels) {
					t.Errorf("%s nodeSelector %v does not match pool %s labels %v", c.role, spec.NodeSelector, c.pool.Name, nodeLabels)
				}
				if !base.Tolerates(spec.Tolerations, base.NodeTaints(h.Cluster, c.pool)) {
					t.Errorf("%s tolerations %v do not cover pool %s taints %v", c.role, spec.Tolerations, c.pool.Name, base.NodeTaints(h.Cluster, c.pool))
				}
				// A worker must never fit on a user pool and vice versa.
				for _, other := range h.Cluster.Pools(h) {
					if other.Purpose != c.pool.Purpose && labels.SelectorFromSet(spec.NodeSelector).Matches(labels.Set(base.NodeLabels(other))) {
						t.Errorf("%s nodeSelector also matches pool %s (%s)", c.role, other.Name, other.Purpose)
					}
				}
			}
			if s.Scheduler.Annotations[base.DoNotDisruptAnnot] != "true" {
				t.Errorf("schedulers are not protected from disruption: %v", s.Scheduler.Annotations)
			}
		})
	}
}

// The network policies must admit the traffic dask-gateway needs, matched
// against the labels of the pods that send it.
func TestNetworkPoliciesAdmitGatewayTraffic(t *testing.T) {
	h := awsHub()
	objs := mustRender(t, h)
	full := base.DaskFullName(h)
	schedPod := labels.Set{InstanceLabel: full, "app.kubernetes.io/component": componentScheduler, "gateway.dask.org/cluster": "abc"}
	workerPod := labels.Set{InstanceLabel: full, "app.kubernetes.io/component": componentWorker, "gateway.dask.org/cluster": "abc"}
	podOf := func(name string) labels.Set {
		return labels.Set(typed[appsv1.Deployment](t, find(t, objs, "Deployment", name)).Spec.Template.Labels)
	}
	traefikPod, apiPod := podOf(base.DaskTraefikService(h)), podOf(base.DaskAPIService(h))
	sched := typed[networkingv1.NetworkPolicy](t, find(t, objs, "NetworkPolicy", "dask-scheduler-"+full))
	worker := typed[networkingv1.NetworkPolicy](t, find(t, objs, "NetworkPolicy", "dask-worker-"+full))

	if !selects(sched.Spec.PodSelector.MatchLabels, schedPod) || selects(sched.Spec.PodSelector.MatchLabels, workerPod) {
		t.Errorf("scheduler policy selects %v", sched.Spec.PodSelector.MatchLabels)
	}
	cases := []struct {
		what string
		pol  *networkingv1.NetworkPolicy
		from labels.Set
		port int32
		want bool
	}{
		{"traefik -> scheduler tls", sched, traefikPod, 8786, true},
		{"traefik -> scheduler dashboard", sched, traefikPod, 8787, true},
		{"api -> scheduler api", sched, apiPod, 8788, true},
		{"worker -> scheduler", sched, workerPod, 8786, true},
		{"traefik -> scheduler api", sched, traefikPod, 8788, false},
		{"other hub's traefik -> scheduler", sched, labels.Set{InstanceLabel: "prod-dask-gateway", "app.kubernetes.io/component": componentTraefik}, 8786, false},
		{"scheduler -> worker", worker, schedPod, 40123, true},
		{"worker -> worker", worker, workerPod, 40123, true},
		{"traefik -> worker", worker, traefikPod, 8787, false},
	}
	for _, c := range cases {
		if got := admits(c.pol, c.from, c.port); got != c.want {
			t.Errorf("%s: admitted = %v, want %v", c.what, got, c.want)
		}
	}
	// Egress: nothing private besides the listed pods, metadata blocked.
	for _, pol := range []*networkingv1.NetworkPolicy{sched, worker} {
		for _, r := range pol.Spec.Egress {
			for _, p := range r.To {
				if p.IPBlock != nil && p.IPBlock.CIDR == "0.0.0.0/0" {
					for _, must := range append(privateRanges, metadataIP) {
						if !contains(p.IPBlock.Except, must) {
							t.Errorf("%s: internet rule does not exclude %s", pol.Name, must)
						}
					}
				}
			}
		}
	}
}

func selects(sel map[string]string, pod labels.Set) bool {
	return labels.SelectorFromSet(sel).Matches(pod)
}

func admits(pol *networkingv1.NetworkPolicy, from labels.Set, port int32) bool {
	for _, r := range pol.Spec.Ingress {
		peerOK := false
		for _, p := range r.From {
			if p.PodSelector != nil && p.NamespaceSelector == nil && selects(p.PodSelector.MatchLabels, from) {
				peerOK = true
			}
		}
		portOK := len(r.Ports) == 0
		for _, p := range r.Ports {
			if p.Port != nil && p.Port.IntVal == port {
				portOK = true
			}
		}
		if peerOK && portOK {
			return true
		}
	}
	return false
}

func contains(xs []string, x string) bool {
	for _, e := range xs {
		if e == x {
			return true
		}
	}
	return false
}

func TestConfigChangeRollsPods(t *testing.T) {
	h := awsHub()
	before := typed[appsv1.Deployment](t, find(t, mustRender(t, h), "Deployment", base.DaskAPIService(h)))
	h.Dask.IdleTimeout = 3600
	after := typed[appsv1.Deployment](t, find(t, mustRender(t, h), "Deployment", base.DaskAPIService(h)))
	if before.Spec.Template.Annotations[checksumAnnot] == after.Spec.Template.Annotations[checksumAnnot] {
		t.Error("changing dask.idleTimeout left the api pod's checksum unchanged")
	}
}

func TestImageDefaults(t *testing.T) {
	h := awsHub()
	var s gatewaySettings
	decodeSettings(t, find(t, mustRender(t, h), "ConfigMap", base.DaskAPIService(h)), &s)
	if s.Image != h.Image {
		t.Errorf("default cluster image %q, want the hub's user image %q", s.Image, h.Image)
	}
	h.Dask.Image = "example.org/dask:1.2"
	decodeSettings(t, find(t, mustRender(t, h), "ConfigMap", base.DaskAPIService(h)), &s)
	if s.Image != h.Dask.Image {
		t.Errorf("cluster image %q, want dask.image %q", s.Image, h.Dask.Image)
	}
}

func TestRenderErrors(t *testing.T) {
	cases := map[string]func(h *model.Hub){
		"unknown dask version":  func(h *model.Hub) {},
		"missing worker pool":   func(h *model.Hub) { h.Dask.WorkerNodePool = "nope" },
		"unset worker pool":     func(h *model.Hub) { h.Dask.WorkerNodePool = "" },
		"missing sched pool":    func(h *model.Hub) { h.Dask.SchedulerNodePool = "nope" },
		"no scheduler pool":     func(h *model.Hub) { h.Profiles = nil },
		"bad worker memory":     func(h *model.Hub) { h.Dask.WorkerSizes[0].Memory = "8GB" },
		"zero worker cores":     func(h *model.Hub) { h.Dask.WorkerSizes[0].Cores = 0 },
		"bad scheduler memory":  func(h *model.Hub) { h.Dask.Scheduler.Memory = "lots" },
		"bad max memory":        func(h *model.Hub) { h.Dask.Limits.MaxMemory = "-1G" },
		"negative idle timeout": func(h *model.Hub) { h.Dask.IdleTimeout = -5 },
		"no cluster":            func(h *model.Hub) { h.Cluster = nil },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			h := awsHub()
			mutate(h)
			f := testFleet()
			if name == "unknown dask version" {
				f.Versions.DaskGateway = "1999.1.0"
			}
			objs, err := Render(h, f)
			if err == nil {
				t.Fatalf("no error; rendered %d objects", len(objs))
			}
			if !strings.Contains(err.Error(), h.Name) {
				t.Errorf("error %q does not name the hub", err)
			}
		})
	}
	if _, err := Render(awsHub(), nil); err == nil {
		t.Error("nil fleet: no error")
	}
}
