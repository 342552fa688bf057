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
func (r *renderer) spawnerTraits() (map[string]any, error) {
	h := r.h
	t := map[string]any{
		"uid":                     1000,
		"fs_gid":                  100,
		"cmd":                     []string{"jupyterhub-singleuser"},
		"common_labels":           r.userCommonLabels(),
		"extra_labels":            r.userExtraLabels(),
		"extra_annotations":       map[string]string{base.DoNotDisruptAnnot: "true"},
		"node_affinity_preferred": preferredUserAffinity(),
		"environment":             r.userEnvironment(),
	}
	if h.DefaultURL != "" {
		t["default_url"] = h.DefaultURL
	}
	res, err := r.profileResources(r.def)
	if err != nil {
		return nil, err
	}
	for k, v := range res {
		t[k] = v
	}
	t["image"] = r.profileImage(r.def)
	pl := r.userPlacementFor(r.def)
	t["node_selector"] = pl.NodeSelector
	t["tolerations"] = tolerationList(pl.Tolerations)

	storage, inits, err := r.userStorage()
	if err != nil {
		return nil, err
	}
	for k, v := range storage {
		t[k] = v
	}
	var initContainers []any
	if !r.metadataNeeded() {
		initContainers = append(initContainers, r.metadataBlocker())
	}
	for _, c := range inits {
		initContainers = append(initContainers, c)
	}
	if len(initContainers) > 0 {
		t["init_containers"] = initContainers
	}
	if h.UserScheduler.Enabled {
		t["scheduler_name"] = base.UserSchedulerName(h)
	}
	if r.usesPriority() {
		t["priority_class_name"] = base.DefaultPriorityClass(h)
	}
	if h.CloudIdentity {
		t["service_account"] = nameUserSA
	}
	return t, nil
}

// userCommonLabels are the labels KubeSpawner puts on user pods and PVCs:
// the NetworkPolicy selects on app and release.
func (r *renderer) userCommonLabels() map[string]string {
	h := r.h
	return map[string]string{
		"app":                          "jupyterhub",
		"release":                      base.Release(h),
		"chart":                        "jupyterhub-" + r.chart,
		"heritage":                     "jupyterhub",
		"app.kubernetes.io/name":       "jupyterhub",
		"app.kubernetes.io/instance":   base.Release(h),
		"app.kubernetes.io/managed-by": "kubespawner",
		"helm.sh/chart":                "jupyterhub-" + r.chart,
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

func preferredUserAffinity() []any {
	var out []any
	for _, term := range base.UserAffinity().NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
		var exprs []any
		for _, e := range term.Preference.MatchExpressions {
			exprs = append(exprs, map[string]any{"key": e.Key, "operator": string(e.Operator), "values": e.Values})
		}
		out = append(out, map[string]any{"weight": term.Weight, "preference": map[string]any{"matchExpressions": exprs}})
	}
	return out
}

// tolerationList writes tolerations in the Kubernetes JSON form
// KubeSpawner accepts.
func tolerationList(ts []corev1.Toleration) []any {
	out := make([]any, 0, len(ts))
	for _, t := range ts {
		m := map[string]any{"key": t.Key, "operator": string(t.Operator), "effect": string(t.Effect)}
		if t.Value != "" {
			m["value"] = t.Value
		}
		out = append(out, m)
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
func (r *renderer) profileResources(p *model.Profile) (map[string]any, error) {
	return resourceTraits(&p.CPU, &p.Memory, "profile "+p.Slug)
}

func resourceTraits(cpu *model.CPU, mem *model.Memory, what string) (map[string]any, error) {
	t := map[string]any{}
	if cpu != nil {
		if cpu.Guarantee > 0 {
			t["cpu_guarantee"] = cpu.Guarantee
		}
		if cpu.Limit > 0 {
			t["cpu_limit"] = cpu.Limit
		}
	}
	if mem != nil {
		for trait, q := range map[string]string{"mem_guarantee": mem.Guarantee, "mem_limit": mem.Limit} {
			if q == "" {
				continue
			}
			b, err := memBytes(q)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", what, err)
			}
			t[trait] = b
		}
	}
	return t, nil
}

// profileList is KubeSpawner's profile_list, plus an allowed_groups key
// per profile that the config program uses to filter and then strips.
func (r *renderer) profileList() ([]map[string]any, error) {
	h := r.h
	var out []map[string]any
	for i := range h.Profiles {
		p := &h.Profiles[i]
		override, err := r.profileResources(p)
		if err != nil {
			return nil, err
		}
		override["image"] = r.profileImage(p)
		pl := r.userPlacementFor(p)
		override["node_selector"] = pl.NodeSelector
		// KubeSpawner replaces lists: always the complete toleration list.
		override["tolerations"] = tolerationList(pl.Tolerations)
		if p.GPUs > 0 {
			override["extra_resource_limits"] = map[string]string{base.GPUResource: strconv.Itoa(p.GPUs)}
		}
		if len(p.Environment) > 0 {
			override["environment"] = p.Environment
		}
		entry := map[string]any{
			"slug":                 p.Slug,
			"display_name":         displayName(p.DisplayName, p.Slug),
			"default":              p == r.def,
			"kubespawner_override": override,
		}
		if p.Description != "" {
			entry["description"] = p.Description
		}
		if len(p.AllowedGroups) > 0 {
			entry["allowed_groups"] = p.AllowedGroups
		}
		opts, err := profileOptions(p)
		if err != nil {
			return nil, err
		}
		if len(opts) > 0 {
			entry["profile_options"] = opts
		}
		out = append(out, entry)
	}
	return out, nil
}

func profileOptions(p *model.Profile) (map[string]any, error) {
	out := map[string]any{}
	for _, name := range base.SortedKeys(p.Options) {
		o := p.Options[name]
		choices := map[string]any{}
		for _, key := range base.SortedKeys(o.Choices) {
			c := o.Choices[key]
			override, err := resourceTraits(c.CPU, c.Memory, fmt.Sprintf("profile %s option %s choice %s", p.Slug, name, key))
			if err != nil {
				return nil, err
			}
			if c.Image != "" {
				override["image"] = c.Image
			}
			if len(c.Environment) > 0 {
				override["environment"] = c.Environment
			}
			choice := map[string]any{"display_name": displayName(c.DisplayName, key), "kubespawner_override": override}
			if c.Default {
				choice["default"] = true
			}
			choices[key] = choice
		}
		opt := map[string]any{"display_name": displayName(o.DisplayName, name), "choices": choices}
		if u := o.Unlisted; u != nil && u.Enabled {
			unlisted := map[string]any{
				"enabled":      true,
				"display_name": displayName(u.DisplayName, "Other image"),
				// KubeSpawner formats {value} with what the user typed.
				"kubespawner_override": map[string]any{"image": "{value}"},
			}
			if u.ValidationRegex != "" {
				unlisted["validation_regex"] = u.ValidationRegex
			}
			opt["unlisted_choice"] = unlisted
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
