# Test harness for jupyterhub_config.py: runs the config against a fake
# traitlets config object and prints what it set as JSON. It also calls the
# profile_list and pre_spawn_hook callables with fake users.
#
# usage: python3 harness.py CONFIG_FILE   (HUBFLEET_SETTINGS etc. in env)
import json
import sys
import types


class Section(dict):
    """Records trait assignments of one configurable class."""

    def __getattr__(self, name):
        if name[:1].isupper():
            return self.setdefault(name, Section())
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        self[name] = value

    def __getitem__(self, name):
        if name not in self and name[:1].isupper():
            dict.__setitem__(self, name, Section())
        return dict.__getitem__(self, name)


def plain(v):
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, (set, frozenset)):
        return sorted(plain(x) for x in v)
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if callable(v):
        return "<callable %s>" % getattr(v, "__name__", "?")
    return v


def fake_spawner(admin, groups, mounts=None):
    user = types.SimpleNamespace(
        admin=admin, groups=[types.SimpleNamespace(name=g) for g in groups]
    )
    return types.SimpleNamespace(user=user, volume_mounts=mounts or [])


def main(path):
    cfg = Section()
    ns = {"get_config": lambda: cfg, "__file__": path, "__name__": "__config__"}
    with open(path, encoding="utf-8") as f:
        code = compile(f.read(), path, "exec")
    exec(code, ns)
    ks = cfg["KubeSpawner"]
    out = {"config": plain(cfg), "profiles": {}}
    pl = ks.get("profile_list")
    if callable(pl):
        for who, admin, groups in [
            ("anonymous", False, []),
            ("admin", True, []),
            ("member", False, ["pangeo-data:gpu-users"]),
        ]:
            out["profiles"][who] = [p["slug"] for p in pl(fake_spawner(admin, groups))]
        out["profileList"] = pl(fake_spawner(True, []))
        out["profileKeys"] = sorted({k for p in out["profileList"] for k in p})
    hook = ks.get("pre_spawn_hook")
    mounts = ks.get("volume_mounts") or []
    out["mounts"] = {}
    for who, admin in [("user", False), ("admin", True)]:
        sp = fake_spawner(admin, [], mounts)
        hook(sp)
        out["mounts"][who] = sp.volume_mounts
    # the GitHub team mapping, when configured
    for section in cfg.values():
        if isinstance(section, dict) and callable(section.get("auth_state_groups_key")):
            out["githubGroups"] = section["auth_state_groups_key"](
                {"teams": [{"organization": {"login": "pangeo-data"}, "slug": "gpu-users"}]}
            )
    json.dump(out, sys.stdout, indent=1, sort_keys=True)


main(sys.argv[1])
