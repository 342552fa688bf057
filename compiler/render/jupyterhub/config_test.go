package jupyterhub

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/base"
)

// harnessResult is what testdata/harness.py prints.
type harnessResult struct {
	Config       map[string]map[string]any `json:"config"`
	Profiles     map[string][]string       `json:"profiles"`
	ProfileKeys  []string                  `json:"profileKeys"`
	ProfileList  []map[string]any          `json:"profileList"`
	Mounts       map[string][]map[string]any
	GitHubGroups []string `json:"githubGroups"`
}

// runConfig renders the hub, then runs its jupyterhub_config.py under
// python3 with fake secret files and a recording config object.
func runConfig(t *testing.T, h *model.Hub) harnessResult {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not on PATH")
	}
	objs, err := Render(h, testFleet())
	if err != nil {
		t.Fatal(err)
	}
	cm := find(objs, "ConfigMap", nameHub)
	if cm == nil {
		t.Fatal("no ConfigMap hub")
	}
	data := cm.Get("data").(map[string]any)
	dir := t.TempDir()
	secretDir := filepath.Join(dir, "secret")
	oauthDir := filepath.Join(dir, "oauth")
	for d, files := range map[string]map[string]string{
		secretDir: {base.KeyCookieSecret: "ab12\n", base.KeyCryptKey: "k1;k2\n", base.KeyDaskGatewayToken: "dask-token\n"},
		oauthDir:  {base.KeyClientSecret: "client-s3cret\n", base.KeySharedPassword: "workshop-pw\n"},
	} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for k, v := range files {
			if err := os.WriteFile(filepath.Join(d, k), []byte(v), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Point the settings at the fake secret directories.
	var settings map[string]any
	if err := json.Unmarshal([]byte(data[settingsFileKey].(string)), &settings); err != nil {
		t.Fatalf("hubfleet.json: %v", err)
	}
	settings["secretDir"], settings["oauthDir"] = secretDir, oauthDir
	sb, _ := json.Marshal(settings)
	settingsPath := filepath.Join(dir, "hubfleet.json")
	configPath := filepath.Join(dir, "jupyterhub_config.py")
	if err := os.WriteFile(settingsPath, sb, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(configPath, []byte(data[configFileKey].(string)), 0o644); err != nil {
		t.Fatal(err)
	}
	harness, _ := filepath.Abs(filepath.Join("testdata", "harness.py"))
	cmd := exec.Command(py, harness, configPath)
	cmd.Env = append(os.Environ(), "HUBFLEET_SETTINGS="+settingsPath, "POD_NAMESPACE="+h.Namespace, "CONFIGPROXY_AUTH_TOKEN=proxy-tok")
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("python: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var res harnessResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("harness output: %v\n%s", err, out)
	}
	return res
}

func find(objs []*manifest.Object, kind, name string) *manifest.Object {
	for _, o := range objs {
		if o.Kind() == kind && o.Name() == name {
			return o
		}
	}
	return nil
}

func eq(t *testing.T, what string, got, want any) {
	t.Helper()
	// Compare through JSON so that ints, floats and slices line up.
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	var gv, wv any
	_ = json.Unmarshal(g, &gv)
	_ = json.Unmarshal(w, &wv)
	if !reflect.DeepEqual(gv, wv) {
		t.Errorf("%s = %s, want %s", what, g, w)
	}
}

func TestConfigGitHubDask(t *testing.T) {
	res := runConfig(t, githubDaskHub())
	hub, ks, gh := res.Config["JupyterHub"], res.Config["KubeSpawner"], res.Config["GitHubOAuthenticator"]
	eq(t, "authenticator_class", hub["authenticator_class"], "github")
	eq(t, "allowed_organizations", gh["allowed_organizations"], []string{"pangeo-data:hub-users"})
	eq(t, "manage_groups", gh["manage_groups"], true)
	eq(t, "team groups", res.GitHubGroups, []string{"pangeo-data:gpu-users"})
	eq(t, "client_secret", res.Config["OAuthenticator"]["client_secret"], "client-s3cret")
	eq(t, "callback", res.Config["OAuthenticator"]["oauth_callback_url"], "https://staging.pangeo.example.org/hub/oauth_callback")
	eq(t, "admins", res.Config["Authenticator"]["admin_users"], []string{"alice", "bob"})
	eq(t, "cookie_secret", hub["cookie_secret"], "ab12")
	eq(t, "crypt keys", res.Config["CryptKeeper"]["keys"], []string{"k1", "k2"})
	eq(t, "proxy token", res.Config["ConfigurableHTTPProxy"]["auth_token"], "proxy-tok")
	eq(t, "should_start", res.Config["ConfigurableHTTPProxy"]["should_start"], false)
	eq(t, "cleanup_servers", hub["cleanup_servers"], false)
	eq(t, "namespace", ks["namespace"], "staging")
	// kubespawner 7.0.0 declares no jupyterhub.spawners entry point: a bare
	// "kubespawner" would make JupyterHub import the module, not the class.
	eq(t, "spawner_class", hub["spawner_class"], "kubespawner.KubeSpawner")
	eq(t, "scheduler_name", ks["scheduler_name"], "staging-user-scheduler")

	// The GPU profile is for its group and admins only.
	eq(t, "anonymous profiles", res.Profiles["anonymous"], []string{"small"})
	eq(t, "member profiles", res.Profiles["member"], []string{"small", "gpu"})
	eq(t, "admin profiles", res.Profiles["admin"], []string{"small", "gpu"})
	for _, k := range res.ProfileKeys {
		if k == "allowed_groups" {
			t.Error("allowed_groups leaked into KubeSpawner's profile_list")
		}
	}

	services, _ := hub["services"].([]any)
	if len(services) != 2 {
		t.Fatalf("services = %v", services)
	}
	dask := services[0].(map[string]any)
	eq(t, "dask service", dask, map[string]any{"name": "dask-gateway", "display": false,
		"url": "http://traefik-staging-dask-gateway.staging:80", "api_token": "dask-token"})
	culler := services[1].(map[string]any)
	eq(t, "culler name", culler["name"], "jupyterhub-idle-culler")
	if _, ok := culler["api_token"]; ok {
		t.Error("the culler is a managed service; JupyterHub issues its token")
	}
	roles := hub["load_roles"].([]any)
	eq(t, "user role", roles[0], map[string]any{"name": "user", "scopes": []string{"self", "access:services!service=dask-gateway"}})
}

func TestConfigCILogonNFS(t *testing.T) {
	res := runConfig(t, cilogonNFSHub())
	hub, ks := res.Config["JupyterHub"], res.Config["KubeSpawner"]
	eq(t, "authenticator_class", hub["authenticator_class"], "cilogon")
	idps := res.Config["CILogonOAuthenticator"]["idps"].(map[string]any)
	eq(t, "shibboleth idp", idps["https://idp.example.edu/idp/shibboleth"], map[string]any{
		"username_derivation": map[string]any{"username_claim": "eppn"},
		"allowed_domains":     []string{"example.edu"}, "default": true,
	})
	// GKE Workload Identity needs the metadata server: no iptables block.
	for _, ic := range anyList(ks["init_containers"]) {
		if ic.(map[string]any)["name"] == "block-cloud-metadata" {
			t.Error("metadata blocked on a Workload Identity hub")
		}
	}
	// Shared directory: read-only for users, writable for admins.
	shared := func(who string) map[string]any {
		for _, m := range res.Mounts[who] {
			if m["mountPath"] == sharedDir {
				return m
			}
		}
		t.Fatalf("%s: no shared mount in %v", who, res.Mounts[who])
		return nil
	}
	eq(t, "user shared readOnly", shared("user")["readOnly"], true)
	eq(t, "admin shared readOnly", shared("admin")["readOnly"], false)
	eq(t, "home subPath", res.Mounts["user"][0]["subPath"], "{escaped_username}")

	// The GPU profile: complete tolerations (user, GPU, operator taint of
	// nothing: the GPU pool has none), GPU limit, image options.
	gpu := profileBySlug(t, res, "gpu")
	override := gpu["kubespawner_override"].(map[string]any)
	eq(t, "gpu limit", override["extra_resource_limits"], map[string]string{"nvidia.com/gpu": "1"})
	eq(t, "gpu tolerations", override["tolerations"], tolerationList(base.UserPlacement(cilogonNFSHub().Cluster, &cilogonNFSHub().Cluster.NodePools[2]).Tolerations))
	opt := gpu["profile_options"].(map[string]any)["image"].(map[string]any)
	eq(t, "unlisted", opt["unlisted_choice"], map[string]any{"enabled": true, "display_name": "Other image",
		"validation_regex": "^.+:.+$", "kubespawner_override": map[string]any{"image": "{value}"}})
	std := profileBySlug(t, res, "standard")
	tols := std["kubespawner_override"].(map[string]any)["tolerations"]
	eq(t, "standard tolerations include the operator taint", len(anyList(tols)), 3)
}

func TestConfigSharedPassword(t *testing.T) {
	res := runConfig(t, sharedPasswordHub())
	eq(t, "authenticator_class", res.Config["JupyterHub"]["authenticator_class"], "shared-password")
	eq(t, "user_password", res.Config["SharedPasswordAuthenticator"]["user_password"], "workshop-pw")
	eq(t, "allow_all", res.Config["Authenticator"]["allow_all"], true)
	eq(t, "services", res.Config["JupyterHub"]["services"], []any{})
	if _, ok := res.Config["OAuthenticator"]; ok {
		t.Error("OAuth settings on a shared-password hub")
	}
}

func TestConfigGenericOAuth(t *testing.T) {
	res := runConfig(t, genericOAuthHub())
	g := res.Config["GenericOAuthenticator"]
	eq(t, "authenticator_class", res.Config["JupyterHub"]["authenticator_class"], "generic-oauth")
	eq(t, "allowed_groups", g["allowed_groups"], []string{"lab-users"})
	eq(t, "groups key", g["auth_state_groups_key"], "oauth_user.groups")
	eq(t, "manage_groups", g["manage_groups"], true)
	eq(t, "token_url", g["token_url"], "https://login.example.org/oauth2/token")
	ks := res.Config["KubeSpawner"]
	eq(t, "priority class", ks["priority_class_name"], "lab-default-priority")
	if _, ok := ks["scheduler_name"]; ok {
		t.Error("scheduler_name set with the user scheduler off")
	}
	eq(t, "azure label", ks["extra_labels"].(map[string]any)["azure.workload.identity/use"], "true")
}

func anyList(v any) []any { l, _ := v.([]any); return l }

// profileBySlug returns a profile as the config program hands it to an
// admin's spawner.
func profileBySlug(t *testing.T, res harnessResult, slug string) map[string]any {
	t.Helper()
	for _, p := range res.ProfileList {
		if p["slug"] == slug {
			return p
		}
	}
	t.Fatalf("no profile %q", slug)
	return nil
}

// A Google hub keeps whole email addresses as usernames: oauthenticator
// 17 strips the domain by default when one hosted_domain is given, which
// would leave admins listed as "alice@example.edu" without admin rights.
func TestConfigGoogle(t *testing.T) {
	h := cilogonNFSHub()
	h.Auth.Type = model.AuthGoogle
	h.Auth.CILogon = nil
	h.Auth.Google = &model.GoogleAuth{AllowedDomains: []string{"example.edu"}}
	h.Auth.Admins = []string{"alice@example.edu"}
	res := runConfig(t, h)
	g := res.Config["GoogleOAuthenticator"]
	eq(t, "authenticator_class", res.Config["JupyterHub"]["authenticator_class"], "google")
	eq(t, "hosted_domain", g["hosted_domain"], []string{"example.edu"})
	eq(t, "strip_domain", g["strip_domain"], false)
	eq(t, "admins", res.Config["Authenticator"]["admin_users"], []string{"alice@example.edu"})
	eq(t, "allow_all within the hosted domain", res.Config["Authenticator"]["allow_all"], true)
}
