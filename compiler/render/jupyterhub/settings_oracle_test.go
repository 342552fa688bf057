package jupyterhub

// A frozen copy of the map-based hubfleet.json builder that the typed
// settings structs replaced. settings_equiv_test.go holds the typed
// output to these bytes, hub by hub. Do not "fix" this file: change it
// only together with a deliberate change of hubfleet.json.

import (
	"encoding/json"
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/base"
)

type oracleSettings struct {
	Auth            oracleAuthSettings `json:"auth"`
	DBURL           string             `json:"dbUrl"`
	HubBindURL      string             `json:"hubBindUrl"`
	HubConnectURL   string             `json:"hubConnectUrl"`
	OAuthDir        string             `json:"oauthDir"`
	Profiles        []map[string]any   `json:"profiles"`
	ProxyAPIURL     string             `json:"proxyApiUrl"`
	Release         string             `json:"release"`
	Roles           []roleSettings     `json:"roles,omitempty"`
	SecretDir       string             `json:"secretDir"`
	SecretFiles     map[string]string  `json:"secretFiles"`
	Services        []serviceSettings  `json:"services,omitempty"`
	SharedMountPath string             `json:"sharedMountPath,omitempty"`
	Spawner         map[string]any     `json:"spawner"`
}

type oracleAuthSettings struct {
	Admins       []string       `json:"admins,omitempty"`
	AllowAll     bool           `json:"allowAll"`
	AllowedUsers []string       `json:"allowedUsers,omitempty"`
	CallbackURL  string         `json:"callbackUrl,omitempty"`
	ClientID     string         `json:"clientId,omitempty"`
	Groups       string         `json:"groups,omitempty"`
	Traits       map[string]any `json:"traits,omitempty"`
	Type         string         `json:"type"`
}

func (r *renderer) oracleSettingsJSON() (string, error) {
	s, err := r.oracleSettings()
	if err != nil {
		return "", err
	}
	out, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return "", err
	}
	return string(out) + "\n", nil
}

func (r *renderer) oracleSettings() (*oracleSettings, error) {
	h := r.h
	auth, err := r.oracleAuthSettings()
	if err != nil {
		return nil, err
	}
	spawner, err := r.oracleSpawnerTraits()
	if err != nil {
		return nil, err
	}
	profiles, err := r.oracleProfileList()
	if err != nil {
		return nil, err
	}
	s := &oracleSettings{
		Release:       base.Release(h),
		HubBindURL:    fmt.Sprintf("http://:%d", base.HubPort),
		HubConnectURL: fmt.Sprintf("http://%s:%d", nameHub, base.HubPort),
		ProxyAPIURL:   fmt.Sprintf("http://%s:%d", nameProxyAPI, base.ProxyAPIPort),
		DBURL:         "sqlite:///jupyterhub.sqlite",
		SecretDir:     base.HubSecretDir,
		OAuthDir:      hubOAuthMount,
		SecretFiles: map[string]string{
			"cookieSecret":   base.KeyCookieSecret,
			"cryptKey":       base.KeyCryptKey,
			"clientSecret":   base.KeyClientSecret,
			"sharedPassword": base.KeySharedPassword,
		},
		Auth:     auth,
		Spawner:  spawner,
		Profiles: profiles,
	}
	if h.Storage.Shared.Enabled {
		s.SharedMountPath = sharedDir
	}
	r.oracleServicesAndRoles(s)
	return s, nil
}

func (r *renderer) oracleServicesAndRoles(s *oracleSettings) {
	h := r.h
	if h.Dask.Enabled {
		s.Services = append(s.Services, serviceSettings{
			Name:      base.DaskServiceName,
			URL:       fmt.Sprintf("http://%s.%s:80", base.DaskTraefikService(h), h.Namespace),
			TokenFile: base.KeyDaskGatewayToken,
		})
		access := "access:services!service=" + base.DaskServiceName
		s.Roles = append(s.Roles,
			roleSettings{Name: "user", Scopes: []string{"self", access}},
			roleSettings{Name: "server", Scopes: []string{"users:activity!user", "access:servers!server", access}},
		)
	}
	if c := h.Culling; c.Enabled {
		timeout, every := c.IdleTimeout, c.Every
		if timeout <= 0 {
			timeout = 3600
		}
		if every <= 0 {
			every = 600
		}
		cmd := []string{
			"python3", "-m", "jupyterhub_idle_culler",
			fmt.Sprintf("--url=http://localhost:%d/hub/api", base.HubPort),
			"--timeout=" + strconv.Itoa(timeout),
			"--cull-every=" + strconv.Itoa(every),
		}
		if c.MaxAge > 0 {
			cmd = append(cmd, "--max-age="+strconv.Itoa(c.MaxAge))
		}
		s.Services = append(s.Services, serviceSettings{Name: cullerService, Command: cmd})
		s.Roles = append(s.Roles, roleSettings{
			Name:     cullerService,
			Scopes:   []string{"list:users", "read:users:activity", "read:servers", "delete:servers"},
			Services: []string{cullerService},
		})
	}
}

func (r *renderer) oracleAuthSettings() (oracleAuthSettings, error) {
	a := r.h.Auth
	s := oracleAuthSettings{
		Type:         a.Type,
		Admins:       a.Admins,
		AllowedUsers: a.AllowedUsers,
		AllowAll:     a.AllowAllUsers,
		Traits:       map[string]any{},
	}
	if a.Type != model.AuthSharedPassword {
		if a.ClientID == "" {
			return s, fmt.Errorf("auth.clientId is required for %s", a.Type)
		}
		s.ClientID = a.ClientID
		s.CallbackURL = "https://" + r.h.Domain + "/hub/oauth_callback"
	}
	groups := r.profileGroupsUsed()
	switch a.Type {
	case model.AuthGitHub:
		var orgs []string
		if a.GitHub != nil {
			orgs = a.GitHub.AllowedOrganizations
		}
		if len(orgs) > 0 {
			s.Traits["allowed_organizations"] = orgs
		}
		s.Traits["scope"] = []string{"read:org"}
		if groups {
			s.Traits["populate_teams_in_auth_state"] = true
			s.Groups = "github-teams"
		}
	case model.AuthCILogon:
		if a.CILogon == nil || len(a.CILogon.AllowedIdps) == 0 {
			return s, fmt.Errorf("auth.cilogon.allowedIdps is empty")
		}
		idps := map[string]any{}
		for _, id := range base.SortedKeys(a.CILogon.AllowedIdps) {
			idp := a.CILogon.AllowedIdps[id]
			claim := idp.UsernameClaim
			if claim == "" {
				claim = "email"
			}
			e := map[string]any{"username_derivation": map[string]any{"username_claim": claim}}
			if len(idp.AllowedDomains) > 0 {
				e["allowed_domains"] = idp.AllowedDomains
			}
			if idp.Default {
				e["default"] = true
			}
			idps[id] = e
		}
		s.Traits["idps"] = idps
	case model.AuthGoogle:
		s.Traits["strip_domain"] = false
		if a.Google != nil && len(a.Google.AllowedDomains) > 0 {
			s.Traits["hosted_domain"] = a.Google.AllowedDomains
			s.AllowAll = true
		}
	case model.AuthGenericOAuth:
		g := a.GenericOAuth
		if g == nil {
			return s, fmt.Errorf("auth.generic-oauth is missing")
		}
		s.Traits["authorize_url"] = g.AuthorizeURL
		s.Traits["token_url"] = g.TokenURL
		s.Traits["userdata_url"] = g.UserdataURL
		if g.UsernameClaim != "" {
			s.Traits["username_claim"] = g.UsernameClaim
		}
		if len(g.Scopes) > 0 {
			s.Traits["scope"] = g.Scopes
		}
		if len(g.AllowedGroups) > 0 || g.GroupsClaim != "" || groups {
			claim := g.GroupsClaim
			if claim == "" {
				claim = "groups"
			}
			s.Traits["auth_state_groups_key"] = "oauth_user." + claim
			s.Groups = "auth-state"
		}
		if len(g.AllowedGroups) > 0 {
			s.Traits["allowed_groups"] = g.AllowedGroups
		}
	case model.AuthSharedPassword:
		if a.SharedPassword == nil {
			return s, fmt.Errorf("auth.sharedPassword is missing")
		}
		s.AllowAll = true
		s.Admins = nil
	default:
		return s, fmt.Errorf("unknown auth type %q", a.Type)
	}
	return s, nil
}

func (r *renderer) oracleSpawnerTraits() (map[string]any, error) {
	h := r.h
	t := map[string]any{
		"uid":                     1000,
		"fs_gid":                  100,
		"cmd":                     []string{"jupyterhub-singleuser"},
		"common_labels":           r.oracleUserCommonLabels(),
		"extra_labels":            r.userExtraLabels(),
		"extra_annotations":       map[string]string{base.DoNotDisruptAnnot: "true"},
		"node_affinity_preferred": oraclePreferredUserAffinity(),
		"environment":             r.userEnvironment(),
	}
	if h.DefaultURL != "" {
		t["default_url"] = h.DefaultURL
	}
	res, err := oracleResourceTraits(&r.def.CPU, &r.def.Memory, "profile "+r.def.Slug)
	if err != nil {
		return nil, err
	}
	for k, v := range res {
		t[k] = v
	}
	t["image"] = r.profileImage(r.def)
	pl := r.userPlacementFor(r.def)
	t["node_selector"] = pl.NodeSelector
	t["tolerations"] = oracleTolerationList(pl.Tolerations)

	storage, inits, err := r.oracleUserStorage()
	if err != nil {
		return nil, err
	}
	for k, v := range storage {
		t[k] = v
	}
	var initContainers []any
	if !r.metadataNeeded() {
		initContainers = append(initContainers, r.oracleMetadataBlocker())
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

func (r *renderer) oracleUserCommonLabels() map[string]string {
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

func oraclePreferredUserAffinity() []any {
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

func oracleTolerationList(ts []corev1.Toleration) []any {
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

func oracleResourceTraits(cpu *model.CPU, mem *model.Memory, what string) (map[string]any, error) {
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
			v, err := resource.ParseQuantity(q)
			if err != nil {
				return nil, fmt.Errorf("%s: memory %q: %w", what, q, err)
			}
			t[trait] = v.Value()
		}
	}
	return t, nil
}

func (r *renderer) oracleProfileList() ([]map[string]any, error) {
	h := r.h
	var out []map[string]any
	for i := range h.Profiles {
		p := &h.Profiles[i]
		override, err := oracleResourceTraits(&p.CPU, &p.Memory, "profile "+p.Slug)
		if err != nil {
			return nil, err
		}
		override["image"] = r.profileImage(p)
		pl := r.userPlacementFor(p)
		override["node_selector"] = pl.NodeSelector
		override["tolerations"] = oracleTolerationList(pl.Tolerations)
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
		opts, err := oracleProfileOptions(p)
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

func oracleProfileOptions(p *model.Profile) (map[string]any, error) {
	out := map[string]any{}
	for _, name := range base.SortedKeys(p.Options) {
		o := p.Options[name]
		choices := map[string]any{}
		for _, key := range base.SortedKeys(o.Choices) {
			c := o.Choices[key]
			override, err := oracleResourceTraits(c.CPU, c.Memory, fmt.Sprintf("profile %s option %s choice %s", p.Slug, name, key))
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
				"enabled":              true,
				"display_name":         displayName(u.DisplayName, "Other image"),
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

func (r *renderer) oracleUserStorage() (traits map[string]any, initContainers []map[string]any, err error) {
	home := r.h.Storage.Home
	traits = map[string]any{}
	switch home.Type {
	case model.HomeDynamic:
		if home.Size == "" {
			return nil, nil, fmt.Errorf("storage.home: dynamic needs a size")
		}
		if _, err := resource.ParseQuantity(home.Size); err != nil {
			return nil, nil, fmt.Errorf("storage.home.size: %w", err)
		}
		traits["storage_pvc_ensure"] = true
		traits["pvc_name_template"] = dynamicClaim
		traits["storage_capacity"] = home.Size
		traits["storage_access_modes"] = []string{string(corev1.ReadWriteOnce)}
		if home.StorageClass != "" {
			traits["storage_class"] = home.StorageClass
		}
		traits["volumes"] = []any{map[string]any{
			"name": dynamicVolume, "persistentVolumeClaim": map[string]any{"claimName": "{pvc_name}"}}}
		traits["volume_mounts"] = []any{map[string]any{"name": dynamicVolume, "mountPath": homeDir}}
	case model.HomeNFS:
		traits["storage_pvc_ensure"] = false
		traits["volumes"] = []any{map[string]any{
			"name": nfsVolume, "persistentVolumeClaim": map[string]any{"claimName": nameHomeNFS}}}
		mounts := []any{map[string]any{"name": nfsVolume, "mountPath": homeDir, "subPath": nfsHomeSubPath}}
		cmd := homeOwnerInitCmd
		initMounts := []any{map[string]any{"name": nfsVolume, "mountPath": homeDir, "subPath": nfsHomeSubPath}}
		if r.h.Storage.Shared.Enabled {
			mounts = append(mounts, map[string]any{"name": nfsVolume, "mountPath": sharedDir, "subPath": sharedSubPath, "readOnly": true})
			initMounts = append(initMounts, map[string]any{"name": nfsVolume, "mountPath": sharedDir, "subPath": sharedSubPath})
			cmd += " " + sharedDir
		}
		traits["volume_mounts"] = mounts
		initContainers = append(initContainers, map[string]any{
			"name":         "home-ownership",
			"image":        r.img.NetworkTools,
			"command":      []any{"sh", "-c", cmd},
			"volumeMounts": initMounts,
			"securityContext": map[string]any{
				"runAsUser": 0, "runAsNonRoot": false, "allowPrivilegeEscalation": false,
				"capabilities": map[string]any{"drop": []any{"ALL"}, "add": []any{"CHOWN"}},
			},
		})
	default:
		traits["storage_pvc_ensure"] = false
	}
	return traits, initContainers, nil
}

func (r *renderer) oracleMetadataBlocker() map[string]any {
	return map[string]any{
		"name":    "block-cloud-metadata",
		"image":   r.img.NetworkTools,
		"command": []any{"iptables", "--append", "OUTPUT", "--destination", metadataIP, "--jump", "DROP"},
		"securityContext": map[string]any{
			"runAsUser":    0,
			"privileged":   true,
			"capabilities": map[string]any{"add": []any{"NET_ADMIN"}},
		},
	}
}
