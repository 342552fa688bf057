package check

import (
	"strings"

	"github.com/hubfleet/hubfleet/compiler/model"
)

// authBlocks are the per-type configuration blocks of auth, by type.
func authBlocks(a model.Auth) map[string]bool {
	return map[string]bool{
		model.AuthGitHub:       a.GitHub != nil,
		model.AuthCILogon:      a.CILogon != nil,
		model.AuthGoogle:       a.Google != nil,
		model.AuthGenericOAuth: a.GenericOAuth != nil,
	}
}

var authBlockOrder = []string{model.AuthGitHub, model.AuthCILogon, model.AuthGoogle, model.AuthGenericOAuth}

// auth checks credentials, the type's block and the open-hub guard.
func (c *checker) auth(h *model.Hub) {
	a := h.Auth
	src := h.Src
	blocks := authBlocks(a)

	// Only the chosen type's block may be present.
	for _, t := range authBlockOrder {
		if blocks[t] && t != a.Type {
			c.list.At(src, field("auth", t), "auth.%s is set but auth.type is %q", t, a.Type).
				WithHint("remove the %s block, or set auth.type: %s", t, t)
		}
	}

	switch a.Type {
	case model.AuthSharedPassword:
		c.sharedPassword(h)
		return
	case model.AuthGitHub, model.AuthCILogon, model.AuthGoogle, model.AuthGenericOAuth:
	default:
		return // the schema reports unknown types
	}

	if strings.TrimSpace(a.ClientID) == "" {
		c.list.At(src, "auth.clientId", "auth type %s needs clientId (the OAuth application's client id)", a.Type)
	}
	if a.ClientSecret == nil {
		c.list.At(src, "auth.clientSecret", "auth type %s needs clientSecret", a.Type).
			WithHint("clientSecret: {secretRef: {key: <store key>, property: client-secret}}")
	} else {
		c.secretRef(src, "auth.clientSecret", a.ClientSecret)
	}
	if a.SharedPassword != nil {
		c.list.At(src, "auth.sharedPassword", "sharedPassword is only used with auth type shared-password, not %s", a.Type).
			WithHint("remove sharedPassword")
	}
	if !blocks[a.Type] {
		c.list.At(src, field("auth", a.Type), "auth type %s needs an auth.%s block", a.Type, a.Type)
		return
	}
	c.restriction(h)
}

// secretRef checks that a secret reference names a key.
func (c *checker) secretRef(src model.Source, path string, s *model.SecretValue) {
	if strings.TrimSpace(s.SecretRef.Key) == "" {
		c.list.At(src, path+".secretRef.key", "the secret reference has an empty key").
			WithHint("name the entry of the cluster's secret store, e.g. <cluster>/<hub>/oauth")
	}
}

// sharedPassword checks the workshop mode: the password is the restriction.
func (c *checker) sharedPassword(h *model.Hub) {
	a := h.Auth
	src := h.Src
	if a.SharedPassword == nil {
		c.list.At(src, "auth.sharedPassword", "auth type shared-password needs sharedPassword").
			WithHint("sharedPassword: {secretRef: {key: <store key>, property: password}}")
	} else {
		c.secretRef(src, "auth.sharedPassword", a.SharedPassword)
	}
	if a.ClientID != "" {
		c.list.At(src, "auth.clientId", "clientId is not used with auth type shared-password").WithHint("remove clientId")
	}
	if a.ClientSecret != nil {
		c.list.At(src, "auth.clientSecret", "clientSecret is not used with auth type shared-password").WithHint("remove clientSecret")
	}
	// Whoever knows a shared password can log in under any name, an admin's
	// included (2i2c's rule after incident 908: no admins on such hubs).
	if len(a.Admins) > 0 {
		c.list.At(src, "auth.admins", "admins on a shared-password hub: anyone who knows the password can log in as %s", quote(a.Admins[0])).
			WithHint("remove admins; run administration from a hub with a real identity provider")
	}
}

// restriction is the open-hub guard: every OAuth type names who may log
// in, unless allowAllUsers says on purpose that anyone may.
func (c *checker) restriction(h *model.Hub) {
	a := h.Auth
	src := h.Src
	users := len(a.AllowedUsers) > 0
	if a.AllowAllUsers {
		if users {
			c.list.WarnAt(src, "auth.allowedUsers", "allowedUsers has no effect while allowAllUsers is true")
		}
		return
	}
	const openHint = "list who may log in, or set auth.allowAllUsers: true to open the hub to every %s login on purpose"
	switch a.Type {
	case model.AuthGitHub:
		orgs := len(a.GitHub.AllowedOrganizations) > 0
		if !orgs && !users {
			c.list.At(src, "auth.github.allowedOrganizations", "the hub would admit any GitHub user: set allowedOrganizations or auth.allowedUsers").
				WithHint(openHint, "GitHub")
		}
		if orgs && users {
			c.list.WarnAt(src, "auth.allowedUsers", "allowedUsers together with github.allowedOrganizations admits the listed users even outside the organizations").
				WithHint("prefer one mechanism: add the users to an organization team (2i2c incident 908)")
		}
	case model.AuthCILogon:
		idps := a.CILogon.AllowedIdps
		if len(idps) == 0 {
			c.list.At(src, "auth.cilogon.allowedIdps", "auth type cilogon needs at least one allowed identity provider")
			return
		}
		if users {
			return
		}
		for _, idp := range sortedKeys(idps) {
			if len(idps[idp].AllowedDomains) == 0 {
				c.list.At(src, fields("auth.cilogon.allowedIdps", idp, "allowedDomains"), "identity provider %s has no allowedDomains: any of its users could log in", quote(idp)).
					WithHint(openHint, "CILogon")
			}
		}
	case model.AuthGoogle:
		if len(a.Google.AllowedDomains) == 0 && !users {
			c.list.At(src, "auth.google.allowedDomains", "the hub would admit any Google account: set allowedDomains or auth.allowedUsers").
				WithHint(openHint, "Google")
		}
	case model.AuthGenericOAuth:
		g := a.GenericOAuth
		base := field("auth", model.AuthGenericOAuth)
		if len(g.AllowedGroups) > 0 && strings.TrimSpace(g.GroupsClaim) == "" {
			c.list.At(src, field(base, "groupsClaim"), "allowedGroups needs groupsClaim, the userinfo claim that lists a user's groups")
		}
		if len(g.AllowedGroups) == 0 && !users {
			c.list.At(src, field(base, "allowedGroups"), "the hub would admit anyone the provider authenticates: set allowedGroups or auth.allowedUsers").
				WithHint(openHint, "provider")
		}
	}
}
