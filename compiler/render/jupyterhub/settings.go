package jupyterhub

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"sync"

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
	// Profiles are the profile list.
	Profiles    []profileSettings `json:"profiles"`
	ProxyAPIURL string            `json:"proxyApiUrl"`
	Release     string            `json:"release"`
	Roles       []roleSettings    `json:"roles,omitempty"`
	SecretDir   string            `json:"secretDir"`
	SecretFiles secretFiles       `json:"secretFiles"`
	Services    []serviceSettings `json:"services,omitempty"`
	// SharedMountPath is made writable for admins by the pre-spawn hook.
	SharedMountPath string `json:"sharedMountPath,omitempty"`
	// Spawner holds KubeSpawner traits by name; the config program
	// accepts only the traits it knows.
	Spawner spawnerSettings `json:"spawner"`
}

// secretFiles name the secret files the config program reads.
type secretFiles struct {
	ClientSecret   string `json:"clientSecret"`
	CookieSecret   string `json:"cookieSecret"`
	CryptKey       string `json:"cryptKey"`
	SharedPassword string `json:"sharedPassword"`
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
	Traits authTraits `json:"traits,omitzero"`
	// Type is the hub file's auth type; the config program maps it to an
	// authenticator class.
	Type string `json:"type"`
}

// authTraits are oauthenticator traits. Pointers mark traits that are
// written even when false or "".
type authTraits struct {
	AllowedGroups            []string              `json:"allowed_groups,omitempty"`
	AllowedOrganizations     []string              `json:"allowed_organizations,omitempty"`
	AuthStateGroupsKey       string                `json:"auth_state_groups_key,omitempty"`
	AuthorizeURL             *string               `json:"authorize_url,omitempty"`
	HostedDomain             []string              `json:"hosted_domain,omitempty"`
	Idps                     map[string]cilogonIdp `json:"idps,omitempty"`
	PopulateTeamsInAuthState bool                  `json:"populate_teams_in_auth_state,omitempty"`
	Scope                    []string              `json:"scope,omitempty"`
	StripDomain              *bool                 `json:"strip_domain,omitempty"`
	TokenURL                 *string               `json:"token_url,omitempty"`
	UserdataURL              *string               `json:"userdata_url,omitempty"`
	UsernameClaim            string                `json:"username_claim,omitempty"`
}

// IsZero reports whether no trait would be written, so that omitzero
// leaves out the traits key instead of writing {}.
func (t authTraits) IsZero() bool {
	return len(t.AllowedGroups) == 0 && len(t.AllowedOrganizations) == 0 && t.AuthStateGroupsKey == "" &&
		t.AuthorizeURL == nil && len(t.HostedDomain) == 0 && len(t.Idps) == 0 && !t.PopulateTeamsInAuthState &&
		len(t.Scope) == 0 && t.StripDomain == nil && t.TokenURL == nil && t.UserdataURL == nil && t.UsernameClaim == ""
}

// cilogonIdp is one entry of CILogonOAuthenticator.allowed_idps.
type cilogonIdp struct {
	AllowedDomains     []string           `json:"allowed_domains,omitempty"`
	Default            bool               `json:"default,omitempty"`
	UsernameDerivation usernameDerivation `json:"username_derivation"`
}

type usernameDerivation struct {
	UsernameClaim string `json:"username_claim"`
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

// settingsFile renders hubfleet.json, with sorted keys at every level (the
// bytes of json.MarshalIndent(s, "", "  ") and a newline), and the config
// hash of the hub ConfigMap that holds it beside hubConfigPy.
func (r *renderer) settingsFile() (text, hash string, err error) {
	s, err := r.settings()
	if err != nil {
		return "", "", err
	}
	if plan, err := settingsPlan(); err == nil {
		// Keys come out sorted: see settings. Written indented in one
		// pass; a value encoding/json rejects is left to it, for its
		// error.
		w := indentWriters.Get().(*indentWriter)
		defer indentWriters.Put(w)
		w.reset()
		w.value(reflect.ValueOf(s).Elem(), plan)
		if w.ok {
			w.buf = append(w.buf, '\n')
			w.esc = append(w.esc, '\\', 'n')
			return string(w.buf), escapedConfigHash(w.esc), nil
		}
	}
	if text, err = marshalSettings(s); err != nil {
		return "", "", err
	}
	return text, configHash(hubConfigData(text)), nil
}

var indentWriters = sync.Pool{New: func() any { return new(indentWriter) }}

// marshalSettings is hubfleet.json through encoding/json: Encode writes
// what json.Marshal does (HTML escaped as well) plus a newline, which
// Indent keeps.
func marshalSettings(s *settings) (string, error) {
	var compact, indented bytes.Buffer
	if err := json.NewEncoder(&compact).Encode(s); err != nil {
		return "", fmt.Errorf("hubfleet.json: %w", err)
	}
	if err := json.Indent(&indented, compact.Bytes(), "", "  "); err != nil {
		return "", fmt.Errorf("hubfleet.json: %w", err)
	}
	return indented.String(), nil
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
		SecretFiles: secretFiles{
			CookieSecret:   base.KeyCookieSecret,
			CryptKey:       base.KeyCryptKey,
			ClientSecret:   base.KeyClientSecret,
			SharedPassword: base.KeySharedPassword,
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
		s.Traits.AllowedOrganizations = orgs
		// read:org: membership checks beyond public members, and teams.
		s.Traits.Scope = []string{"read:org"}
		if groups {
			s.Traits.PopulateTeamsInAuthState = true
			s.Groups = "github-teams"
		}
	case model.AuthCILogon:
		if a.CILogon == nil || len(a.CILogon.AllowedIdps) == 0 {
			return s, fmt.Errorf("auth.cilogon.allowedIdps is empty")
		}
		idps := make(map[string]cilogonIdp, len(a.CILogon.AllowedIdps))
		for id, idp := range a.CILogon.AllowedIdps {
			claim := idp.UsernameClaim
			if claim == "" {
				claim = "email"
			}
			idps[id] = cilogonIdp{
				UsernameDerivation: usernameDerivation{UsernameClaim: claim},
				AllowedDomains:     idp.AllowedDomains,
				Default:            idp.Default,
			}
		}
		s.Traits.Idps = idps
	case model.AuthGoogle:
		// With a single hosted_domain, oauthenticator strips "@domain"
		// from usernames by default; keep the whole address so that
		// admins and allowedUsers match as the hub file spells them.
		s.Traits.StripDomain = ptr(false)
		if a.Google != nil && len(a.Google.AllowedDomains) > 0 {
			// hosted_domain blocks every other domain, so within it
			// everyone may log in.
			s.Traits.HostedDomain = a.Google.AllowedDomains
			s.AllowAll = true
		}
	case model.AuthGenericOAuth:
		g := a.GenericOAuth
		if g == nil {
			return s, fmt.Errorf("auth.generic-oauth is missing")
		}
		// Written even when empty, hence pointers.
		s.Traits.AuthorizeURL = &g.AuthorizeURL
		s.Traits.TokenURL = &g.TokenURL
		s.Traits.UserdataURL = &g.UserdataURL
		s.Traits.UsernameClaim = g.UsernameClaim
		s.Traits.Scope = g.Scopes
		if len(g.AllowedGroups) > 0 || g.GroupsClaim != "" || groups {
			claim := g.GroupsClaim
			if claim == "" {
				claim = "groups"
			}
			s.Traits.AuthStateGroupsKey = "oauth_user." + claim
			s.Groups = "auth-state"
		}
		s.Traits.AllowedGroups = g.AllowedGroups
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
