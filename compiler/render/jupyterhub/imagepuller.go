package jupyterhub

import (
	"fmt"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/hubfleet/hubfleet/compiler/render/base"
)

// imagePuller renders the continuous image puller: a DaemonSet on the
// hub's user pools whose init containers pull every image a user may
// start, so that spawns on new nodes do not wait for a pull.
func (r *renderer) imagePuller() error {
	h := r.h
	if !h.ImagePuller.Enabled {
		return nil
	}
	restricted := &corev1.SecurityContext{
		RunAsUser:                ptr(int64(65534)),
		RunAsGroup:               ptr(int64(65534)),
		AllowPrivilegeEscalation: ptr(false),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
	}
	var inits []corev1.Container
	for i, image := range r.pullImages() {
		inits = append(inits, corev1.Container{
			Name:            fmt.Sprintf("image-pull-%d", i),
			Image:           image,
			Command:         []string{"/bin/sh", "-c", "echo Pulling complete"},
			SecurityContext: restricted,
		})
	}
	pools, tolerations := r.userPools()
	ds := &appsv1.DaemonSet{
		TypeMeta:   typeMeta("apps/v1", "DaemonSet"),
		ObjectMeta: r.meta(nameImagePuller, compImagePuller),
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: base.SelectorLabels(h, compImagePuller)},
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{
				Type:          appsv1.RollingUpdateDaemonSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: ptr(intstr.FromString("100%"))},
			},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: base.PodLabels(h, compImagePuller, nil)},
				Spec: corev1.PodSpec{
					ServiceAccountName:            nameImagePuller,
					AutomountServiceAccountToken:  ptr(false),
					TerminationGracePeriodSeconds: ptr(int64(0)),
					Tolerations:                   tolerations,
					// Only the pools this hub's profiles use.
					Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
						RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
							NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{
								Key: base.LabelNodePool, Operator: corev1.NodeSelectorOpIn, Values: pools,
							}}}},
						},
					}},
					InitContainers: inits,
					Containers: []corev1.Container{{
						Name:            "pause",
						Image:           r.img.Pause,
						SecurityContext: restricted,
					}},
				},
			},
		},
	}
	sa := &corev1.ServiceAccount{TypeMeta: typeMeta("v1", "ServiceAccount"), ObjectMeta: r.meta(nameImagePuller, compImagePuller)}
	return r.addAll(ds, sa)
}

// pullImages lists every image a user pod may run, first seen first, each
// once: the init-container images, the hub image, each profile's image,
// then each option choice's image.
func (r *renderer) pullImages() []string {
	seen := map[string]bool{}
	var out []string
	add := func(image string) {
		if image != "" && !seen[image] {
			seen[image] = true
			out = append(out, image)
		}
	}
	if !r.metadataNeeded() || r.h.Storage.Home.Type == "nfs" {
		add(r.img.NetworkTools)
	}
	add(r.h.Image)
	for i := range r.h.Profiles {
		add(r.profileImage(&r.h.Profiles[i]))
	}
	for _, p := range r.h.Profiles {
		for _, name := range base.SortedKeys(p.Options) {
			o := p.Options[name]
			for _, key := range base.SortedKeys(o.Choices) {
				add(o.Choices[key].Image)
			}
		}
	}
	return out
}

// userPools returns the full names of the pools the hub's profiles use,
// sorted, and the union of their tolerations in a stable order.
func (r *renderer) userPools() ([]string, []corev1.Toleration) {
	names := map[string]bool{}
	seen := map[corev1.Toleration]bool{}
	var tols []corev1.Toleration
	for i := range r.h.Profiles {
		p := &r.h.Profiles[i]
		names[r.c.Pool(r.h, p.NodePool).FullName()] = true
		for _, t := range r.userPlacementFor(p).Tolerations {
			if !seen[t] {
				seen[t] = true
				tols = append(tols, t)
			}
		}
	}
	pools := base.SortedKeys(names)
	sort.Strings(pools)
	return pools, tols
}
