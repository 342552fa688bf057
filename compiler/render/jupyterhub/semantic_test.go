package jupyterhub

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/base"
	"github.com/hubfleet/hubfleet/compiler/render/secrets"
)

// typed returns an empty typed object for a kind this package renders.
func typed(kind string) (any, bool) {
	switch kind {
	case "ConfigMap":
		return &corev1.ConfigMap{}, true
	case "Service":
		return &corev1.Service{}, true
	case "ServiceAccount":
		return &corev1.ServiceAccount{}, true
	case "PersistentVolumeClaim":
		return &corev1.PersistentVolumeClaim{}, true
	case "PersistentVolume":
		return &corev1.PersistentVolume{}, true
	case "Deployment":
		return &appsv1.Deployment{}, true
	case "StatefulSet":
		return &appsv1.StatefulSet{}, true
	case "DaemonSet":
		return &appsv1.DaemonSet{}, true
	case "Role":
		return &rbacv1.Role{}, true
	case "RoleBinding":
		return &rbacv1.RoleBinding{}, true
	case "ClusterRole":
		return &rbacv1.ClusterRole{}, true
	case "ClusterRoleBinding":
		return &rbacv1.ClusterRoleBinding{}, true
	case "NetworkPolicy":
		return &networkingv1.NetworkPolicy{}, true
	case "Ingress":
		return &networkingv1.Ingress{}, true
	case "PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}, true
	case "PriorityClass":
		return &schedulingv1.PriorityClass{}, true
	}
	return nil, false
}

// decodeStrict decodes an object into its k8s.io/api type, failing on any
// field the type does not know.
func decodeStrict(o *manifest.Object) (any, error) {
	v, ok := typed(o.Kind())
	if !ok {
		return nil, fmt.Errorf("unexpected kind %s", o.Kind())
	}
	b, err := json.Marshal(o.Map())
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return nil, err
	}
	return v, nil
}

var clusterScoped = map[string]bool{"ClusterRole": true, "ClusterRoleBinding": true, "PriorityClass": true, "PersistentVolume": true}

// rendered is one hub's objects, decoded.
type rendered struct {
	h       *model.Hub
	objs    []*manifest.Object
	typed   map[string]any // kind/name -> typed object
	pods    map[string]corev1.PodTemplateSpec
	secrets map[string]bool // Secrets produced by ExternalSecrets
	spawner map[string]any  // KubeSpawner traits from hubfleet.json
}

func renderHub(t *testing.T, h *model.Hub) *rendered {
	t.Helper()
	objs, err := Render(h, testFleet())
	if err != nil {
		t.Fatal(err)
	}
	r := &rendered{h: h, objs: objs, typed: map[string]any{}, pods: map[string]corev1.PodTemplateSpec{}, secrets: map[string]bool{}}
	for _, o := range objs {
		v, err := decodeStrict(o)
		if err != nil {
			t.Fatalf("%s: strict decode: %v", o, err)
		}
		r.typed[o.Kind()+"/"+o.Name()] = v
		switch w := v.(type) {
		case *appsv1.Deployment:
			r.pods[o.String()] = w.Spec.Template
		case *appsv1.StatefulSet:
			r.pods[o.String()] = w.Spec.Template
		case *appsv1.DaemonSet:
			r.pods[o.String()] = w.Spec.Template
		}
		if o.Kind() == "ConfigMap" && o.Name() == nameHub {
			var s struct {
				Spawner map[string]any `json:"spawner"`
			}
			if err := json.Unmarshal([]byte(o.Get("data", settingsFileKey).(string)), &s); err != nil {
				t.Fatal(err)
			}
			r.spawner = s.Spawner
		}
	}
	eso, err := secrets.Render(h, testFleet())
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range eso {
		if o.Kind() == "ExternalSecret" {
			if name, _ := o.Get("spec", "target", "name").(string); name != "" {
				r.secrets[name] = true
			}
		}
	}
	return r
}

func (r *rendered) has(kind, name string) bool { _, ok := r.typed[kind+"/"+name]; return ok }

// userPodLabels are the labels KubeSpawner gives this hub's user pods.
func (r *rendered) userPodLabels() labels.Set {
	l := labels.Set{"component": base.UserComponent, "app.kubernetes.io/component": base.UserComponent}
	for _, key := range []string{"extra_labels", "common_labels"} {
		m, _ := r.spawner[key].(map[string]any)
		for k, v := range m {
			l[k], _ = v.(string)
		}
	}
	return l
}

func forEachHub(t *testing.T, f func(t *testing.T, r *rendered)) {
	for _, name := range base.SortedKeys(testHubs()) {
		t.Run(name, func(t *testing.T) { f(t, renderHub(t, testHubs()[name])) })
	}
}

func TestObjectsBasics(t *testing.T) {
	forEachHub(t, func(t *testing.T, r *rendered) {
		seen := map[string]bool{}
		for _, o := range r.objs {
			if o.Kind() == "Secret" {
				t.Errorf("%s: Secrets are never rendered", o)
			}
			if o.Cluster != r.h.Cluster.Name || o.Hub != r.h.Name || o.Source != r.h.Src.File {
				t.Errorf("%s: cluster/hub/source = %q/%q/%q", o, o.Cluster, o.Hub, o.Source)
			}
			if clusterScoped[o.Kind()] {
				if o.Namespace() != "" {
					t.Errorf("%s: cluster-scoped object with a namespace", o)
				}
			} else if o.Namespace() != r.h.Namespace {
				t.Errorf("%s: namespace %q, want %q", o, o.Namespace(), r.h.Namespace)
			}
			if seen[o.ID()] {
				t.Errorf("%s rendered twice", o)
			}
			seen[o.ID()] = true
		}
	})
}

func TestWorkloadSelectorsMatchTemplates(t *testing.T) {
	forEachHub(t, func(t *testing.T, r *rendered) {
		for _, o := range r.objs {
			var sel *metav1.LabelSelector
			var tmpl labels.Set
			switch w := r.typed[o.Kind()+"/"+o.Name()].(type) {
			case *appsv1.Deployment:
				sel, tmpl = w.Spec.Selector, w.Spec.Template.Labels
			case *appsv1.StatefulSet:
				sel, tmpl = w.Spec.Selector, w.Spec.Template.Labels
			case *appsv1.DaemonSet:
				sel, tmpl = w.Spec.Selector, w.Spec.Template.Labels
			case *policyv1.PodDisruptionBudget:
				s, err := metav1.LabelSelectorAsSelector(w.Spec.Selector)
				if err != nil || !r.anyPodMatches(s) {
					t.Errorf("%s selects no rendered pod", o)
				}
				continue
			default:
				continue
			}
			s, err := metav1.LabelSelectorAsSelector(sel)
			if err != nil {
				t.Fatalf("%s: %v", o, err)
			}
			if !s.Matches(tmpl) {
				t.Errorf("%s: selector %v does not match template labels %v", o, s, tmpl)
			}
			for k := range sel.MatchLabels {
				if k != "component" && k != "app" && k != "release" {
					t.Errorf("%s: selector uses %q; selectors are immutable, use component/app/release only", o, k)
				}
			}
		}
	})
}

func (r *rendered) anyPodMatches(s labels.Selector) bool {
	for _, p := range r.pods {
		if s.Matches(labels.Set(p.Labels)) {
			return true
		}
	}
	return false
}

func TestServicesTargetNamedPorts(t *testing.T) {
	forEachHub(t, func(t *testing.T, r *rendered) {
		for _, o := range r.objs {
			svc, ok := r.typed[o.Kind()+"/"+o.Name()].(*corev1.Service)
			if !ok {
				continue
			}
			sel := labels.SelectorFromSet(svc.Spec.Selector)
			matched := false
			for _, p := range r.pods {
				if !sel.Matches(labels.Set(p.Labels)) {
					continue
				}
				matched = true
				for _, sp := range svc.Spec.Ports {
					if !hasPort(p.Spec, sp.TargetPort.String()) {
						t.Errorf("%s: target port %s not on the selected pods", o, sp.TargetPort.String())
					}
				}
			}
			if !matched {
				t.Errorf("%s selects no rendered pod", o)
			}
		}
		ing := r.typed["Ingress/"+nameIngress].(*networkingv1.Ingress)
		for _, rule := range ing.Spec.Rules {
			for _, p := range rule.HTTP.Paths {
				svc, ok := r.typed["Service/"+p.Backend.Service.Name].(*corev1.Service)
				if !ok {
					t.Fatalf("ingress backend %s not rendered", p.Backend.Service.Name)
				}
				found := false
				for _, sp := range svc.Spec.Ports {
					found = found || sp.Name == p.Backend.Service.Port.Name
				}
				if !found {
					t.Errorf("ingress backend port %q not on Service %s", p.Backend.Service.Port.Name, svc.Name)
				}
			}
		}
	})
}

func hasPort(spec corev1.PodSpec, port string) bool {
	for _, c := range spec.Containers {
		for _, p := range c.Ports {
			if p.Name == port || fmt.Sprint(p.ContainerPort) == port {
				return true
			}
		}
	}
	return false
}

// Every ConfigMap, Secret, PVC and ServiceAccount a pod (or a user pod, per
// the spawner settings) uses is rendered here or produced by ESO.
func TestPodReferencesResolve(t *testing.T) {
	forEachHub(t, func(t *testing.T, r *rendered) {
		check := func(where, kind, name string) {
			ok := r.has(kind, name)
			if kind == "Secret" {
				ok = r.secrets[name]
			}
			if !ok {
				t.Errorf("%s references %s %q, which is neither rendered nor produced", where, kind, name)
			}
		}
		for where, p := range r.pods {
			if sa := p.Spec.ServiceAccountName; sa != "" {
				check(where, "ServiceAccount", sa)
			}
			for _, v := range p.Spec.Volumes {
				switch {
				case v.ConfigMap != nil:
					check(where, "ConfigMap", v.ConfigMap.Name)
				case v.Secret != nil:
					check(where, "Secret", v.Secret.SecretName)
				case v.PersistentVolumeClaim != nil:
					check(where, "PersistentVolumeClaim", v.PersistentVolumeClaim.ClaimName)
				}
			}
			for _, c := range append(p.Spec.InitContainers, p.Spec.Containers...) {
				for _, e := range c.Env {
					if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
						check(where, "Secret", e.ValueFrom.SecretKeyRef.Name)
					}
				}
			}
			if pc := p.Spec.PriorityClassName; pc != "" {
				check(where, "PriorityClass", pc)
			}
		}
		if sa, ok := r.spawner["service_account"].(string); ok {
			check("user pods", "ServiceAccount", sa)
		}
		if pc, ok := r.spawner["priority_class_name"].(string); ok {
			check("user pods", "PriorityClass", pc)
		}
		for _, v := range anyList(r.spawner["volumes"]) {
			if claim, _ := v.(map[string]any)["persistentVolumeClaim"].(map[string]any)["claimName"].(string); claim != "{pvc_name}" {
				check("user pods", "PersistentVolumeClaim", claim)
			}
		}
		if sched, ok := r.spawner["scheduler_name"].(string); ok {
			if !r.has("ClusterRole", sched) || !r.has("Deployment", nameUserScheduler) {
				t.Errorf("user pods use scheduler %s, which is not rendered", sched)
			}
			cm := r.typed["ConfigMap/"+nameUserScheduler].(*corev1.ConfigMap)
			if !bytes.Contains([]byte(cm.Data[schedulerConfigKey]), []byte("schedulerName: "+sched)) {
				t.Errorf("user-scheduler config does not define profile %s", sched)
			}
		}
	})
}

// Each NetworkPolicy selects rendered pods (or user pods), and every access
// label a policy admits is held by the pods that need it.
func TestNetworkPolicies(t *testing.T) {
	forEachHub(t, func(t *testing.T, r *rendered) {
		user := r.userPodLabels()
		for _, name := range []string{nameHub, nameProxy, nameSingleuser} {
			np, ok := r.typed["NetworkPolicy/"+name].(*networkingv1.NetworkPolicy)
			if !ok {
				t.Fatalf("NetworkPolicy %s not rendered", name)
			}
			sel, _ := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
			if name == nameSingleuser {
				if !sel.Matches(user) {
					t.Errorf("singleuser policy %v does not select user pods %v", sel, user)
				}
			} else if !r.anyPodMatches(sel) {
				t.Errorf("policy %s selects no rendered pod", name)
			}
			for _, rule := range np.Spec.Egress {
				if dnsOnly(rule) {
					continue // DNS may go anywhere (GKE serves it on the metadata IP)
				}
				for _, peer := range rule.To {
					if peer.IPBlock != nil && name == nameSingleuser {
						if peer.IPBlock.CIDR == metadataIP && !(r.h.CloudIdentity && r.h.Cluster.Provider == model.ProviderGCP) {
							t.Error("user pods may reach the metadata server")
						}
						for _, p := range privateRanges {
							if peer.IPBlock.CIDR == p {
								t.Errorf("user pods may reach private range %s", p)
							}
						}
					}
				}
			}
		}
		// Access labels: the proxy and users reach the hub, the hub reaches
		// the proxy API and user pods.
		hubPod := r.pods["Deployment/"+r.h.Namespace+"/"+nameHub].Labels
		proxyPod := r.pods["Deployment/"+r.h.Namespace+"/"+nameProxy].Labels
		for who, l := range map[string]map[string]string{"proxy": proxyPod, "user": user} {
			if l[base.AccessHub] != "true" {
				t.Errorf("%s pods lack %s", who, base.AccessHub)
			}
		}
		for _, k := range []string{base.AccessProxyAPI, base.AccessSingleuser} {
			if hubPod[k] != "true" {
				t.Errorf("hub pod lacks %s", k)
			}
		}
		// dask/helm-chart#445: user pods reach traefik on 8000.
		single := r.typed["NetworkPolicy/"+nameSingleuser].(*networkingv1.NetworkPolicy)
		found := false
		for _, rule := range single.Spec.Egress {
			for _, peer := range rule.To {
				if peer.PodSelector != nil && peer.PodSelector.MatchLabels["gateway.dask.org/instance"] == base.DaskFullName(r.h) &&
					len(rule.Ports) == 1 && rule.Ports[0].Port.IntValue() == base.TraefikPort {
					found = true
				}
			}
		}
		if found != r.h.Dask.Enabled {
			t.Errorf("traefik egress rule present = %v, dask enabled = %v", found, r.h.Dask.Enabled)
		}
	})
}

// Tolerations of every user-facing workload cover the taints of the pools
// it may land on.
func TestPlacementToleratesPools(t *testing.T) {
	forEachHub(t, func(t *testing.T, r *rendered) {
		c := r.h.Cluster
		if ds, ok := r.typed["DaemonSet/"+nameImagePuller].(*appsv1.DaemonSet); ok {
			for i := range r.h.Profiles {
				pool := c.Pool(r.h, r.h.Profiles[i].NodePool)
				if !base.Tolerates(ds.Spec.Template.Spec.Tolerations, base.NodeTaints(c, pool)) {
					t.Errorf("image puller does not tolerate pool %s", pool.Name)
				}
			}
		}
		if sts, ok := r.typed["StatefulSet/"+namePlaceholder].(*appsv1.StatefulSet); ok {
			pool := c.Pool(r.h, r.h.DefaultProfile().NodePool)
			if !base.Tolerates(sts.Spec.Template.Spec.Tolerations, base.NodeTaints(c, pool)) {
				t.Errorf("placeholders do not tolerate pool %s", pool.Name)
			}
		}
	})
}

// The hub pod restarts when its configuration changes, and only then.
func TestHubChecksum(t *testing.T) {
	a := renderHub(t, githubDaskHub())
	h := githubDaskHub()
	h.Auth.Admins = append(h.Auth.Admins, "zoe")
	b := renderHub(t, h)
	sum := func(r *rendered) string {
		return r.typed["Deployment/"+nameHub].(*appsv1.Deployment).Spec.Template.Annotations[annotChecksumConfig]
	}
	if sum(a) == "" || sum(a) == sum(b) {
		t.Errorf("checksum did not follow a config change: %q vs %q", sum(a), sum(b))
	}
}

func TestImagePullerImages(t *testing.T) {
	r := renderHub(t, cilogonNFSHub())
	ds := r.typed["DaemonSet/"+nameImagePuller].(*appsv1.DaemonSet)
	var got []string
	for _, c := range ds.Spec.Template.Spec.InitContainers {
		got = append(got, c.Image)
	}
	want := []string{
		"quay.io/jupyterhub/k8s-network-tools:4.4.0", // NFS home-ownership init container
		"pangeo/pangeo-notebook:2024.11.08",
		"pangeo/ml-notebook:2024.11.08",
		"quay.io/jupyter/pytorch-notebook:2024-11-04",
	}
	eq(t, "puller images", got, want)
}

func TestRejectsBrokenInput(t *testing.T) {
	cases := map[string]func(h *model.Hub){
		"no cluster":             func(h *model.Hub) { h.Cluster = nil },
		"no profiles":            func(h *model.Hub) { h.Profiles = nil },
		"missing pool":           func(h *model.Hub) { h.Profiles[0].NodePool = "nope" },
		"core pool":              func(h *model.Hub) { h.Profiles[0].NodePool = "core" },
		"shared without nfs":     func(h *model.Hub) { h.Storage.Shared.Enabled = true },
		"bad memory":             func(h *model.Hub) { h.Profiles[0].Memory.Guarantee = "8GB" },
		"unknown auth":           func(h *model.Hub) { h.Auth.Type = "ldap" },
		"gated default profile":  func(h *model.Hub) { h.Profiles[0].AllowedGroups = []string{"x"} },
		"irsa without account":   func(h *model.Hub) { h.Cluster.AWS = nil },
		"dynamic home sans size": func(h *model.Hub) { h.Storage.Home.Size = "" },
	}
	for name, mutate := range cases {
		h := githubDaskHub()
		mutate(h)
		if _, err := Render(h, testFleet()); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := Render(githubDaskHub(), &model.Fleet{Versions: model.Versions{JupyterHub: "0.0.1"}}); err == nil {
		t.Error("unknown jupyterhub version: no error")
	}
	if _, err := Render(nil, nil); err == nil {
		t.Error("nil hub: no error")
	}
}

func dnsOnly(rule networkingv1.NetworkPolicyEgressRule) bool {
	for _, p := range rule.Ports {
		if p.Port == nil || p.Port.IntValue() != 53 {
			return false
		}
	}
	return len(rule.Ports) > 0
}
