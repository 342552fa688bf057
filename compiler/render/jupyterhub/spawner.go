package jupyterhub

import (
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"

	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/base"
)

// spawnerTraits are the hub-wide KubeSpawner traits. The default profile's
// image, resources and placement are also the base values, so a spawn that
// somehow gets no profile still lands on a user pool.
func (r *renderer) spawnerTraits() (spawnerSettings, error) {
	h := r.h
	t := spawnerSettings{
		UID:                   1000,
		FSGID:                 100,
		Cmd:                   []string{"jupyterhub-singleuser"},
		CommonLabels:          r.userCommonLabels(),
		ExtraLabels:           r.userExtraLabels(),
		ExtraAnnotations:      map[string]string{base.DoNotDisruptAnnot: "true"},
		NodeAffinityPreferred: preferredUserAffinity(),
		Environment:           r.userEnvironment(),
		DefaultURL:            h.DefaultURL,
	}
	res, err := r.profileResources(r.def)
	if err != nil {
		return t, err
	}
	t.CPUGuarantee, t.CPULimit, t.MemGuarantee, t.MemLimit = res.CPUGuarantee, res.CPULimit, res.MemGuarantee, res.MemLimit
	t.Image = r.profileImage(r.def)
	pl := r.userPlacementFor(r.def)
	t.NodeSelector = pl.NodeSelector
	t.Tolerations = tolerationList(pl.Tolerations)

	inits, err := r.userStorage(&t)
	if err != nil {
		return t, err
	}
	if !r.metadataNeeded() {
		t.InitContainers = append(t.InitContainers, r.metadataBlocker())
	}
	t.InitContainers = append(t.InitContainers, inits...)
	if h.UserScheduler.Enabled {
		t.SchedulerName = base.UserSchedulerName(h)
	}
	if r.usesPriority() {
		t.PriorityClassName = base.DefaultPriorityClass(h)
	}
	if h.CloudIdentity {
		t.ServiceAccount = nameUserSA
	}
	return t, nil
}

// userCommonLabels are the labels KubeSpawner puts on user pods and PVCs:
// the NetworkPolicy selects on app and release.
func (r *renderer) userCommonLabels() commonLabels {
	release, chart := base.Release(r.h), "jupyterhub-"+r.chart
	return commonLabels{
		App:       "jupyterhub",
		Release:   release,
		Chart:     chart,
		Heritage:  "jupyterhub",
		Name:      "jupyterhub",
		Instance:  release,
		ManagedBy: "kubespawner",
		HelmChart: chart,
	}
}

// userExtraLabels grant user pods access to the hub, plus the Azure
// workload-identity opt-in.
func (r *renderer) userExtraLabels() map[string]string {
	l := map[string]string{base.AccessHub: "true"}
	if r.h.CloudIdentity {
		if _, podLabels, err := r.cloudIdentity(); err == nil {
			for k, v := range podLabels {
				l[k] = v
			}
		}
	}
	return l
}

// userEnvironment is the hub's environment plus, with dask, the variables
// that point dask-gateway clients at this hub's gateway. KubeSpawner runs
// str.format on every value, so literal braces are doubled.
func (r *renderer) userEnvironment() map[string]string {
	h := r.h
	env := map[string]string{}
	for k, v := range h.Environment {
		env[k] = v
	}
	if h.Dask.Enabled {
		traefik := base.DaskTraefikService(h) + "." + h.Namespace
		prefix := "/services/" + base.DaskServiceName
		env["DASK_GATEWAY__ADDRESS"] = "http://" + nameProxyPublic + "." + h.Namespace + prefix
		env["DASK_GATEWAY__PROXY_ADDRESS"] = "gateway://" + traefik + ":80"
		env["DASK_GATEWAY__PUBLIC_ADDRESS"] = prefix + "/"
		env["DASK_GATEWAY__AUTH__TYPE"] = "jupyterhub"
		// Expanded in the user pod by dask-gateway and distributed.
		env["DASK_GATEWAY__CLUSTER__OPTIONS__IMAGE"] = "{{JUPYTER_IMAGE_SPEC}}"
		env["DASK_DISTRIBUTED__DASHBOARD__LINK"] = "{{JUPYTERHUB_SERVICE_PREFIX}}proxy/{{port}}/status"
	}
	return env
}

func preferredUserAffinity() []preferredTerm {
	var out []preferredTerm
	for _, term := range base.UserAffinity().NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
		var exprs []matchExpression
		for _, e := range term.Preference.MatchExpressions {
			exprs = append(exprs, matchExpression{Key: e.Key, Operator: string(e.Operator), Values: e.Values})
		}
		out = append(out, preferredTerm{Weight: term.Weight, Preference: nodeSelectorTerm{MatchExpressions: exprs}})
	}
	return out
}

// tolerationList writes tolerations in the Kubernetes JSON form
// KubeSpawner accepts; never nil, so an empty list is written as [].
func tolerationList(ts []corev1.Toleration) []toleration {
	out := make([]toleration, 0, len(ts))
	for _, t := range ts {
		out = append(out, toleration{Key: t.Key, Operator: string(t.Operator), Effect: string(t.Effect), Value: t.Value})
	}
	return out
}

func (r *renderer) profileImage(p *model.Profile) string {
	if p.Image != "" {
		return p.Image
	}
	return r.h.Image
}

// profileResources are the cpu/memory traits of a profile.
func (r *renderer) profileResources(p *model.Profile) (resources, error) {
	return resourceTraits(&p.CPU, &p.Memory, "profile "+p.Slug)
}

// resourceTraits keeps only positive CPU values and given memory sizes.
func resourceTraits(cpu *model.CPU, mem *model.Memory, what string) (resources, error) {
	var t resources
	if cpu != nil {
		if cpu.Guarantee > 0 {
			t.CPUGuarantee = cpu.Guarantee
		}
		if cpu.Limit > 0 {
			t.CPULimit = cpu.Limit
		}
	}
	if mem != nil {
		var err error
		if t.MemGuarantee, err = memTrait(mem.Guarantee, what); err != nil {
			return t, err
		}
		if t.MemLimit, err = memTrait(mem.Limit, what); err != nil {
			return t, err
		}
	}
	return t, nil
}

// memTrait is nil for an unset size.
func memTrait(q, what string) (*int64, error) {
	if q == "" {
		return nil, nil
	}
	b, err := memBytes(q)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return &b, nil
}

// profileList is KubeSpawner's profile_list, plus an allowed_groups key
// per profile that the config program uses to filter and then strips.
func (r *renderer) profileList() ([]profileSettings, error) {
	h := r.h
	var out []profileSettings
	for i := range h.Profiles {
		p := &h.Profiles[i]
		res, err := r.profileResources(p)
		if err != nil {
			return nil, err
		}
		pl := r.userPlacementFor(p)
		override := profileOverride{
			CPUGuarantee: res.CPUGuarantee, CPULimit: res.CPULimit,
			MemGuarantee: res.MemGuarantee, MemLimit: res.MemLimit,
			Image:        r.profileImage(p),
			NodeSelector: pl.NodeSelector,
			// omitempty drops an empty environment, as the map form did.
			Environment: p.Environment,
			// KubeSpawner replaces lists: always the complete toleration list.
			Tolerations: tolerationList(pl.Tolerations),
		}
		if p.GPUs > 0 {
			override.ExtraResourceLimits = map[string]string{base.GPUResource: strconv.Itoa(p.GPUs)}
		}
		opts, err := profileOptions(p)
		if err != nil {
			return nil, err
		}
		out = append(out, profileSettings{
			Slug:                p.Slug,
			DisplayName:         displayName(p.DisplayName, p.Slug),
			Default:             p == r.def,
			KubespawnerOverride: override,
			Description:         p.Description,
			AllowedGroups:       p.AllowedGroups,
			ProfileOptions:      opts,
		})
	}
	return out, nil
}

// profileOptions is nil for a profile without options.
func profileOptions(p *model.Profile) (map[string]profileOption, error) {
	if len(p.Options) == 0 {
		return nil, nil
	}
	out := make(map[string]profileOption, len(p.Options))
	// In order, so that a bad choice is reported the same way every run.
	for _, name := range base.SortedKeys(p.Options) {
		o := p.Options[name]
		// Never nil: an option without choices is written as {}.
		choices := make(map[string]optionChoice, len(o.Choices))
		for _, key := range base.SortedKeys(o.Choices) {
			c := o.Choices[key]
			res, err := resourceTraits(c.CPU, c.Memory, fmt.Sprintf("profile %s option %s choice %s", p.Slug, name, key))
			if err != nil {
				return nil, err
			}
			override := choiceOverride{
				CPUGuarantee: res.CPUGuarantee, CPULimit: res.CPULimit,
				MemGuarantee: res.MemGuarantee, MemLimit: res.MemLimit,
				Image: c.Image, Environment: c.Environment,
			}
			choices[key] = optionChoice{DisplayName: displayName(c.DisplayName, key), KubespawnerOverride: override, Default: c.Default}
		}
		opt := profileOption{DisplayName: displayName(o.DisplayName, name), Choices: choices}
		if u := o.Unlisted; u != nil && u.Enabled {
			opt.UnlistedChoice = &unlistedChoice{
				Enabled:     true,
				DisplayName: displayName(u.DisplayName, "Other image"),
				// KubeSpawner formats {value} with what the user typed.
				KubespawnerOverride: imageOverride{Image: "{value}"},
				ValidationRegex:     u.ValidationRegex,
			}
		}
		out[name] = opt
	}
	return out, nil
}

func displayName(name, fallback string) string {
	if name != "" {
		return name
	}
	return fallback
}
