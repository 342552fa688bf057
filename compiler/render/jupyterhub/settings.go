package jupyterhub

import (
	"encoding/json"
	"fmt"
	"strconv"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/base"
)

// settings is hubfleet.json, the per-hub input of jupyterhub_config.py.
// It holds names, URLs and trait values, never a secret: secrets are read
// by the config program from files of the ESO-managed Secrets.
//
// The fields of these structs are declared in the byte order of their JSON
// names, so encoding/json writes every key sorted (it sorts map keys
// itself) without a round trip through a generic value;
// TestSettingsKeysSorted holds them to it.
type settings struct {
	Auth          authSettings `json:"auth"`
	DBURL         string       `json:"dbUrl"`
	HubBindURL    string       `json:"hubBindUrl"`
	HubConnectURL string       `json:"hubConnectUrl"`
	OAuthDir      string       `json:"oauthDir"`
	// Profiles are the profile list, one map per profile.
	Profiles    []map[string]any  `json:"profiles"`
	ProxyAPIURL string            `json:"proxyApiUrl"`
	Release     string            `json:"release"`
	Roles       []roleSettings    `json:"roles,omitempty"`
	SecretDir   string            `json:"secretDir"`
	SecretFiles map[string]string `json:"secretFiles"`
	Services    []serviceSettings `json:"services,omitempty"`
	// SharedMountPath is made writable for admins by the pre-spawn hook.
	SharedMountPath string `json:"sharedMountPath,omitempty"`
	// Spawner maps KubeSpawner trait names to values; the config program
	// accepts only the traits it knows.
	Spawner map[string]any `json:"spawner"`
}

type authSettings struct {
	Admins       []string `json:"admins,omitempty"`
	AllowAll     bool     `json:"allowAll"`
	AllowedUsers []string `json:"allowedUsers,omitempty"`
	CallbackURL  string   `json:"callbackUrl,omitempty"`
	ClientID     string   `json:"clientId,omitempty"`
	// Groups says where JupyterHub groups come from: "github-teams",
	// "auth-state" (Traits.auth_state_groups_key) or "" (admin-managed).
	Groups string `json:"groups,omitempty"`
	// Traits are set on the authenticator class itself.
	Traits map[string]any `json:"traits,omitempty"`
	// Type is the hub file's auth type; the config program maps it to an
	// authenticator class.
	Type string `json:"type"`
}

type serviceSettings struct {
	Command []string `json:"command,omitempty"`
	Display bool     `json:"display"`
	Name    string   `json:"name"`
	// TokenFile is a key of the tokens Secret holding the service's token.
	TokenFile string `json:"tokenFile,omitempty"`
	URL       string `json:"url,omitempty"`
}

type roleSettings struct {
	Name     string   `json:"name"`
	Scopes   []string `json:"scopes"`
	Services []string `json:"services,omitempty"`
}

// Names of the JupyterHub services hubfleet registers.
const cullerService = "jupyterhub-idle-culler"

// settingsJSON renders hubfleet.json with sorted keys at every level.
func (r *renderer) settingsJSON() (string, error) {
	s, err := r.settings()
	if err != nil {
		return "", err
	}
	// Keys come out sorted: see settings.
	out, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return "", err
	}
	return string(out) + "\n", nil
}

func (r *renderer) settings() (*settings, error) {
	h := r.h
	auth, err := r.authSettings()
	if err != nil {
		return nil, err
	}
	spawner, err := r.spawnerTraits()
	if err != nil {
		return nil, err
	}
	profiles, err := r.profileList()
	if err != nil {
		return nil, err
	}
	s := &settings{
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
	r.servicesAndRoles(s)
	return s, nil
}

// servicesAndRoles registers dask-gateway and the idle culler.
func (r *renderer) servicesAndRoles(s *settings) {
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

// authSettings maps the hub's auth block onto authenticator traits.
func (r *renderer) authSettings() (authSettings, error) {
	a := r.h.Auth
	s := authSettings{
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
		// read:org: membership checks beyond public members, and teams.
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
		// With a single hosted_domain, oauthenticator strips "@domain"
		// from usernames by default; keep the whole address so that
		// admins and allowedUsers match as the hub file spells them.
		s.Traits["strip_domain"] = false
		if a.Google != nil && len(a.Google.AllowedDomains) > 0 {
			// hosted_domain blocks every other domain, so within it
			// everyone may log in.
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
		// The password is the restriction. Admins would need their own
		// admin password, which the hub file cannot express yet.
		s.AllowAll = true
		s.Admins = nil
	default:
		return s, fmt.Errorf("unknown auth type %q", a.Type)
	}
	return s, nil
}

// profileGroupsUsed reports whether some profile is restricted to groups.
func (r *renderer) profileGroupsUsed() bool {
	for _, p := range r.h.Profiles {
		if len(p.AllowedGroups) > 0 {
			return true
		}
	}
	return false
}

// memBytes turns a Kubernetes quantity into bytes: JupyterHub reads "4G" as
// 4 GiB, Kubernetes as 4e9 bytes, so the config gets plain integers.
func memBytes(q string) (int64, error) {
	v, err := resource.ParseQuantity(q)
	if err != nil {
		return 0, fmt.Errorf("memory %q: %w", q, err)
	}
	return v.Value(), nil
}
