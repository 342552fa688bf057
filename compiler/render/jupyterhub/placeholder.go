package jupyterhub

import (
	"fmt"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/base"
)

// Pod priorities: placeholders rank below users so that the scheduler
// evicts them to make room for a real user.
const (
	defaultPriority     = 0
	placeholderPriority = -10
)

// placeholders renders the user-placeholder StatefulSet, its PDB and the
// hub's two PriorityClasses (cluster-scoped, named per release).
func (r *renderer) placeholders() error {
	h := r.h
	n := h.Placeholders.Replicas
	if n <= 0 {
		return nil
	}
	res, err := placeholderResources(r.def)
	if err != nil {
		return err
	}
	pl := r.userPlacementFor(r.def)
	spec := corev1.PodSpec{
		NodeSelector:                  pl.NodeSelector,
		Tolerations:                   pl.Tolerations,
		Affinity:                      base.UserAffinity(),
		PriorityClassName:             base.PlaceholderPriorityClass(h),
		TerminationGracePeriodSeconds: ptr(int64(0)),
		AutomountServiceAccountToken:  ptr(false),
		Containers: []corev1.Container{{
			Name:      "pause",
			Image:     r.img.Pause,
			Resources: res,
			SecurityContext: &corev1.SecurityContext{
				RunAsUser:                ptr(int64(65534)),
				RunAsGroup:               ptr(int64(65534)),
				RunAsNonRoot:             ptr(true),
				AllowPrivilegeEscalation: ptr(false),
				Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
				SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
			},
		}},
	}
	if h.UserScheduler.Enabled {
		spec.SchedulerName = base.UserSchedulerName(h)
	}
	sts := &appsv1.StatefulSet{
		TypeMeta:   typeMeta("apps/v1", "StatefulSet"),
		ObjectMeta: r.meta(namePlaceholder, compPlaceholder),
		Spec: appsv1.StatefulSetSpec{
			Replicas:            ptr(int32(n)),
			PodManagementPolicy: appsv1.ParallelPodManagement,
			ServiceName:         namePlaceholder,
			Selector:            &metav1.LabelSelector{MatchLabels: base.SelectorLabels(h, compPlaceholder)},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: base.PodLabels(h, compPlaceholder, nil)},
				Spec:       spec,
			},
		},
	}
	pdb := &policyv1.PodDisruptionBudget{
		TypeMeta:   typeMeta("policy/v1", "PodDisruptionBudget"),
		ObjectMeta: r.meta(namePlaceholder, compPlaceholder),
		Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable: ptr(intstr.FromInt32(0)),
			Selector:     &metav1.LabelSelector{MatchLabels: base.SelectorLabels(h, compPlaceholder)},
		},
	}
	priority := func(name string, value int32, desc string) *schedulingv1.PriorityClass {
		return &schedulingv1.PriorityClass{
			TypeMeta:    typeMeta("scheduling.k8s.io/v1", "PriorityClass"),
			ObjectMeta:  r.clusterMeta(name, compPriority),
			Value:       value,
			Description: desc,
		}
	}
	return r.addAll(sts, pdb,
		priority(base.DefaultPriorityClass(h), defaultPriority,
			fmt.Sprintf("User pods of hub %s: they may preempt its placeholders.", h.ID())),
		priority(base.PlaceholderPriorityClass(h), placeholderPriority,
			fmt.Sprintf("Placeholders of hub %s: evicted to make room for users.", h.ID())),
	)
}

// placeholderResources mirror the default profile, so that one
// placeholder holds room for exactly one default user.
func placeholderResources(p *model.Profile) (corev1.ResourceRequirements, error) {
	req, lim := corev1.ResourceList{}, corev1.ResourceList{}
	set := func(list corev1.ResourceList, name corev1.ResourceName, q string) error {
		if q == "" {
			return nil
		}
		v, err := resource.ParseQuantity(q)
		if err != nil {
			return fmt.Errorf("profile %s: %s %q: %w", p.Slug, name, q, err)
		}
		list[name] = v
		return nil
	}
	cpu := func(f float64) string {
		if f <= 0 {
			return ""
		}
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	for _, e := range []struct {
		list corev1.ResourceList
		name corev1.ResourceName
		q    string
	}{
		{req, corev1.ResourceCPU, cpu(p.CPU.Guarantee)},
		{req, corev1.ResourceMemory, p.Memory.Guarantee},
		{lim, corev1.ResourceCPU, cpu(p.CPU.Limit)},
		{lim, corev1.ResourceMemory, p.Memory.Limit},
	} {
		if err := set(e.list, e.name, e.q); err != nil {
			return corev1.ResourceRequirements{}, err
		}
	}
	if p.GPUs > 0 {
		lim[base.GPUResource] = *resource.NewQuantity(int64(p.GPUs), resource.DecimalSI)
	}
	if len(req) == 0 && len(lim) == 0 {
		// z2jh's default request: a placeholder must hold something.
		req[corev1.ResourceMemory] = resource.MustParse("1G")
	}
	return corev1.ResourceRequirements{Requests: req, Limits: lim}, nil
}
