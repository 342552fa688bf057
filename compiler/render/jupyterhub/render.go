package jupyterhub

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/base"
)

// Component names (the z2jh "component" label values).
const (
	compHub           = "hub"
	compProxy         = "proxy"
	compProxyAPI      = "proxy-api"
	compProxyPublic   = "proxy-public"
	compUserScheduler = "user-scheduler"
	compPlaceholder   = "user-placeholder"
	compImagePuller   = "continuous-image-puller"
	compSingleuser    = "singleuser"
	compIngress       = "ingress"
	compPriority      = "default-priority"
)

// Object names of the hub (z2jh's unprefixed names).
const (
	nameHub           = "hub"
	nameHubDB         = "hub-db-dir"
	nameProxy         = "proxy"
	nameProxyAPI      = "proxy-api"
	nameProxyPublic   = "proxy-public"
	nameUserScheduler = "user-scheduler"
	namePlaceholder   = "user-placeholder"
	nameImagePuller   = "continuous-image-puller"
	nameSingleuser    = "singleuser"
	nameIngress       = "jupyterhub"
	nameUserSA        = "user-sa"
	nameHomeNFS       = "home-nfs"
)

// Annotations hubfleet sets.
const (
	annotChecksumConfig = "checksum/config-map"
	annotArgoSync       = "argocd.argoproj.io/sync-options"
	keepData            = "Prune=false,Delete=false"
)

// Render returns every JupyterHub object of one hub. Objects carry the hub's
// cluster and name; cluster-scoped ones (ClusterRole, ClusterRoleBinding,
// PriorityClass, PersistentVolume) have no namespace and are named per
// release so that hubs of one cluster cannot collide.
func Render(h *model.Hub, f *model.Fleet) ([]*manifest.Object, error) {
	r, err := newRenderer(h, f)
	if err != nil {
		return nil, err
	}
	steps := []func() error{
		r.hubConfig, // first: the hub Deployment hashes the ConfigMap
		r.hub,
		r.proxy,
		r.networkPolicies,
		r.userServiceAccount,
		r.homeStorage,
		r.userScheduler,
		r.placeholders,
		r.imagePuller,
		r.ingress,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, fmt.Errorf("hub %s: %w", h.ID(), err)
		}
	}
	return r.objs, nil
}

// renderer carries one hub's inputs and collects its objects.
type renderer struct {
	h      *model.Hub
	f      *model.Fleet
	c      *model.Cluster
	img    base.JupyterHubImages
	chart  string
	def    *model.Profile
	objs   []*manifest.Object
	cmHash string // sha256 of the hub ConfigMap data
	// labels holds each component's label set, shared by the objects of
	// the component: nothing edits a typed object's labels after New
	// (a converted map is a copy), so one map per component will do.
	labels map[string]map[string]string
}

func newRenderer(h *model.Hub, f *model.Fleet) (*renderer, error) {
	if h == nil || f == nil {
		return nil, fmt.Errorf("jupyterhub: nil hub or fleet")
	}
	if h.Cluster == nil {
		return nil, fmt.Errorf("hub %s: no cluster", h.Name)
	}
	img, err := base.ImagesFor(f.Versions.JupyterHub)
	if err != nil {
		return nil, fmt.Errorf("hub %s: %w", h.ID(), err)
	}
	r := &renderer{h: h, f: f, c: h.Cluster, img: img, chart: f.Versions.JupyterHub, def: h.DefaultProfile()}
	if err := r.check(); err != nil {
		return nil, fmt.Errorf("hub %s: %w", h.ID(), err)
	}
	return r, nil
}

// check rejects input the renderer cannot turn into a working hub. The
// checker reports these with positions first; this is the last line of
// defence against a panic or a silently broken object.
func (r *renderer) check() error {
	h := r.h
	if h.Namespace == "" {
		return fmt.Errorf("no namespace")
	}
	if r.def == nil {
		return fmt.Errorf("no profiles: a hub needs a default profile")
	}
	if len(r.def.AllowedGroups) > 0 {
		return fmt.Errorf("profile %q: the default profile cannot be restricted to groups", r.def.Slug)
	}
	for i := range h.Profiles {
		p := &h.Profiles[i]
		pool := r.c.Pool(h, p.NodePool)
		if pool == nil {
			return fmt.Errorf("profile %q: node pool %q not found", p.Slug, p.NodePool)
		}
		if pool.Purpose != model.PurposeUser {
			return fmt.Errorf("profile %q: node pool %q has purpose %q, want %q", p.Slug, p.NodePool, pool.Purpose, model.PurposeUser)
		}
	}
	switch h.Storage.Home.Type {
	case model.HomeDynamic, model.HomeNone, "":
		if h.Storage.Shared.Enabled {
			return fmt.Errorf("storage.shared needs a ReadWriteMany volume: set storage.home.type to nfs")
		}
	case model.HomeNFS:
		if h.Storage.Home.Server == "" || h.Storage.Home.Path == "" {
			return fmt.Errorf("storage.home: nfs needs server and path")
		}
	default:
		return fmt.Errorf("storage.home.type %q is not one of dynamic, nfs, none", h.Storage.Home.Type)
	}
	if h.CloudIdentity {
		if _, _, err := r.cloudIdentity(); err != nil {
			return err
		}
	}
	return nil
}

// add converts a typed object and records it.
func (r *renderer) add(obj any) error {
	o, err := manifest.New(r.h.Src.File, obj)
	if err != nil {
		return err
	}
	o.Cluster = r.c.Name
	o.Hub = r.h.Name
	r.objs = append(r.objs, o)
	return nil
}

// addAll adds objects in order, stopping at the first error.
func (r *renderer) addAll(objs ...any) error {
	for _, o := range objs {
		if err := r.add(o); err != nil {
			return err
		}
	}
	return nil
}

// meta is the metadata of a namespaced object of a component.
func (r *renderer) meta(name, component string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: r.h.Namespace, Labels: r.componentLabels(component)}
}

// clusterMeta is the metadata of a cluster-scoped object.
func (r *renderer) clusterMeta(name, component string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Labels: r.componentLabels(component)}
}

// componentLabels is base.Labels of a component, built once per hub.
func (r *renderer) componentLabels(component string) map[string]string {
	if l, ok := r.labels[component]; ok {
		return l
	}
	if r.labels == nil {
		r.labels = make(map[string]map[string]string, 8)
	}
	l := base.Labels(r.h, component, r.chart)
	r.labels[component] = l
	return l
}

func typeMeta(apiVersion, kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}
}

// Small pointer helpers for the typed API structs.
func ptr[T any](v T) *T { return &v }

// usesPriority reports whether pod priority is on: placeholders only make
// room for users when they can be preempted.
func (r *renderer) usesPriority() bool { return r.h.Placeholders.Replicas > 0 }
