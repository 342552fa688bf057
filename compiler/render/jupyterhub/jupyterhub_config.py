# JupyterHub configuration written by hubfleet.
#
# This program is the same for every hub. What differs between hubs lives
# in hubfleet.json (ConfigMap "hub", key hubfleet.json), which holds no
# secret; secrets are read from files of the Secrets that External Secrets
# Operator maintains. Only the standard library is imported here: the
# authenticator and spawner classes are named by their entry points, so
# JupyterHub loads them itself (KubeSpawner, which has no entry point, by
# its import path).
import json
import os

c = get_config()  # noqa: F821 - provided by traitlets when it runs this file

SETTINGS_PATH = os.environ.get(
    "HUBFLEET_SETTINGS", "/usr/local/etc/jupyterhub/config/hubfleet.json"
)

with open(SETTINGS_PATH, encoding="utf-8") as f:
    S = json.load(f)


def read_secret(directory, key):
    """Return the stripped content of one key file of a mounted Secret."""
    path = os.path.join(directory, key)
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    except OSError as e:
        raise RuntimeError(f"hubfleet: cannot read secret file {path}: {e}") from e


# --- hub, proxy and database -------------------------------------------------

# The proxy runs in its own pod; JupyterHub only talks to its API.
c.ConfigurableHTTPProxy.should_start = False
c.ConfigurableHTTPProxy.api_url = S["proxyApiUrl"]
c.ConfigurableHTTPProxy.auth_token = os.environ["CONFIGPROXY_AUTH_TOKEN"]

c.JupyterHub.hub_bind_url = S["hubBindUrl"]
c.JupyterHub.hub_connect_url = S["hubConnectUrl"]
# A restart of the hub must leave running user servers alone.
c.JupyterHub.cleanup_servers = False
# Relative to the working directory /srv/jupyterhub, the database volume.
c.JupyterHub.db_url = S["dbUrl"]

files = S["secretFiles"]
c.JupyterHub.cookie_secret = read_secret(S["secretDir"], files["cookieSecret"])
# Several keys may be given, separated by ";": the first one encrypts.
c.CryptKeeper.keys = [
    k for k in read_secret(S["secretDir"], files["cryptKey"]).split(";") if k
]

# --- authentication -----------------------------------------------------------

# hub file auth type -> (entry point name, class name for its traits)
AUTHENTICATORS = {
    "github": ("github", "GitHubOAuthenticator"),
    "cilogon": ("cilogon", "CILogonOAuthenticator"),
    "google": ("google", "GoogleOAuthenticator"),
    "generic-oauth": ("generic-oauth", "GenericOAuthenticator"),
    "shared-password": ("shared-password", "SharedPasswordAuthenticator"),
}


def github_team_groups(auth_state):
    """JupyterHub groups from GitHub teams, named like "org:team"."""
    teams = (auth_state or {}).get("teams") or []
    return sorted(
        f"{t['organization']['login']}:{t['slug']}"
        for t in teams
        if t.get("organization") and t.get("slug")
    )


auth = S["auth"]
if auth["type"] not in AUTHENTICATORS:
    raise ValueError(f"hubfleet: unknown auth type {auth['type']!r}")
entry_point, auth_class = AUTHENTICATORS[auth["type"]]
c.JupyterHub.authenticator_class = entry_point
auth_cfg = c[auth_class]

c.Authenticator.admin_users = set(auth.get("admins") or [])
c.Authenticator.allowed_users = set(auth.get("allowedUsers") or [])
c.Authenticator.allow_all = bool(auth.get("allowAll"))

if auth["type"] == "shared-password":
    auth_cfg.user_password = read_secret(S["oauthDir"], files["sharedPassword"])
else:
    c.OAuthenticator.client_id = auth["clientId"]
    c.OAuthenticator.client_secret = read_secret(S["oauthDir"], files["clientSecret"])
    c.OAuthenticator.oauth_callback_url = auth["callbackUrl"]
    # auth_state keeps the provider's answer (teams, groups) encrypted
    # with the CryptKeeper keys above.
    c.Authenticator.enable_auth_state = True

for name, value in sorted((auth.get("traits") or {}).items()):
    auth_cfg[name] = value

if auth.get("groups") == "github-teams":
    auth_cfg.manage_groups = True
    auth_cfg.auth_state_groups_key = github_team_groups
elif auth.get("groups") == "auth-state":
    auth_cfg.manage_groups = True

# --- user servers ------------------------------------------------------------

# jupyterhub-kubespawner registers no "jupyterhub.spawners" entry point, so
# the class is named by its import path.
c.JupyterHub.spawner_class = "kubespawner.KubeSpawner"
c.KubeSpawner.namespace = os.environ["POD_NAMESPACE"]

# The KubeSpawner traits hubfleet.json may set; anything else is a mistake
# in the compiler and must fail loudly rather than be ignored.
SPAWNER_TRAITS = {
    "cmd",
    "common_labels",
    "cpu_guarantee",
    "cpu_limit",
    "default_url",
    "environment",
    "extra_annotations",
    "extra_labels",
    "extra_resource_limits",
    "fs_gid",
    "image",
    "init_containers",
    "mem_guarantee",
    "mem_limit",
    "node_affinity_preferred",
    "node_selector",
    "priority_class_name",
    "pvc_name_template",
    "scheduler_name",
    "service_account",
    "storage_access_modes",
    "storage_capacity",
    "storage_class",
    "storage_pvc_ensure",
    "tolerations",
    "uid",
    "volume_mounts",
    "volumes",
}


def check_traits(where, traits):
    unknown = sorted(set(traits) - SPAWNER_TRAITS)
    if unknown:
        raise ValueError(f"hubfleet: {where}: unknown KubeSpawner traits {unknown}")


check_traits("spawner", S["spawner"])
for name, value in sorted(S["spawner"].items()):
    c.KubeSpawner[name] = value

# Profiles: those with allowed_groups are shown to members of one of the
# groups and to admins only. The same filter applies when a spawn request is
# checked, so a hidden profile cannot be requested by its slug either.
PROFILES = S.get("profiles") or []
for p in PROFILES:
    check_traits(f"profile {p['slug']}", p.get("kubespawner_override") or {})
    for option in (p.get("profile_options") or {}).values():
        for choice in (option.get("choices") or {}).values():
            check_traits(f"profile {p['slug']}", choice.get("kubespawner_override") or {})


def visible_profiles(user_groups, is_admin):
    """The profile_list entries one user may see, without hubfleet keys."""
    out = []
    for p in PROFILES:
        allowed = set(p.get("allowed_groups") or [])
        if allowed and not is_admin and not allowed & set(user_groups):
            continue
        out.append({k: v for k, v in p.items() if k != "allowed_groups"})
    return out


def profile_list(spawner):
    user = spawner.user
    groups = [g.name for g in getattr(user, "groups", None) or []]
    return visible_profiles(groups, bool(getattr(user, "admin", False)))


if PROFILES:
    c.KubeSpawner.profile_list = profile_list

SHARED_MOUNT = S.get("sharedMountPath")


def shared_writable_for_admins(spawner):
    """Admins may write the shared directory; everyone else reads it."""
    if not SHARED_MOUNT or not getattr(spawner.user, "admin", False):
        return
    spawner.volume_mounts = [
        dict(m, readOnly=False) if m.get("mountPath") == SHARED_MOUNT else m
        for m in spawner.volume_mounts
    ]


c.KubeSpawner.pre_spawn_hook = shared_writable_for_admins

# --- services and roles ------------------------------------------------------

services = []
for svc in S.get("services") or []:
    entry = {"name": svc["name"], "display": bool(svc.get("display"))}
    if svc.get("url"):
        entry["url"] = svc["url"]
    if svc.get("command"):
        entry["command"] = list(svc["command"])
    if svc.get("tokenFile"):
        entry["api_token"] = read_secret(S["secretDir"], svc["tokenFile"])
    services.append(entry)
c.JupyterHub.services = services

c.JupyterHub.load_roles = [
    {k: v for k, v in role.items() if v} for role in S.get("roles") or []
]
