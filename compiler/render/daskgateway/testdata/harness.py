"""Test harness: runs a hubfleet dask-gateway config program outside the
dask-gateway-server image.

usage: harness.py CONFIG_DIR SCENARIOS_JSON

It stubs the parts of dask_gateway_server the program imports (the cluster
option fields), gives it a recording `c = get_config()`, executes
CONFIG_DIR/dask_gateway_config.py, then feeds each scenario
({"user": name, "request": {...}}) through the cluster options the way the
gateway does (parse, transform, handler). It prints one JSON document:
{"config": {Class: {trait: value}}, "fields": [...], "results": [...]}.
"""
import json
import os
import sys
import types


class Section:
    def __init__(self):
        object.__setattr__(self, "values", {})

    def __setattr__(self, name, value):
        self.values[name] = value

    def __getattr__(self, name):
        return self.values[name]


class Config:
    def __init__(self):
        self.sections = {}

    def __getattr__(self, name):
        if name.startswith("_") or not name[:1].isupper():
            raise AttributeError(name)
        return self.sections.setdefault(name, Section())


# --- minimal stand-ins for dask_gateway_server.options -------------------
class Field:
    def __init__(self, field, default=None, label=None):
        self.field = field
        self.label = label or field
        self.validate(default)
        self.default = default

    def transform(self, x):
        return x

    def spec(self):
        return {"field": self.field, "label": self.label, "default": self.default, "type": type(self).__name__}


class String(Field):
    def __init__(self, field, default="", label=None):
        super().__init__(field, default, label)

    def validate(self, x):
        if not isinstance(x, str):
            raise TypeError("%s must be a string" % self.field)
        return x


class Integer(Field):
    def __init__(self, field, default=0, min=None, max=None, label=None):
        self.min, self.max = min, max
        super().__init__(field, default, label)

    def validate(self, x):
        if not isinstance(x, int) or isinstance(x, bool):
            raise TypeError("%s must be an integer" % self.field)
        if self.min is not None and x < self.min:
            raise ValueError("%s must be >= %s" % (self.field, self.min))
        if self.max is not None and x > self.max:
            raise ValueError("%s must be <= %s" % (self.field, self.max))
        return x

    def spec(self):
        out = super().spec()
        out.update(min=self.min, max=self.max)
        return out


class Select(Field):
    def __init__(self, field, options, default=None, label=None):
        self.options = dict(o if isinstance(o, tuple) else (o, o) for o in options)
        self.keys = [o[0] if isinstance(o, tuple) else o for o in options]
        if default is None:
            default = self.keys[0]
        super().__init__(field, default, label)

    def validate(self, x):
        if x not in self.options:
            raise ValueError("%r is not a valid option for %s" % (x, self.field))
        return x

    def transform(self, x):
        return self.options[x]

    def spec(self):
        out = super().spec()
        out["options"] = self.keys
        return out


class AttrDict(dict):
    def __getattr__(self, name):
        return self[name]


class Options:
    def __init__(self, *fields, handler=None):
        self.fields = fields
        self.handler = handler

    def configuration(self, request, user):
        extra = set(request) - {f.field for f in self.fields}
        if extra:
            raise ValueError("Unknown fields %r" % sorted(extra))
        values = {f.field: f.validate(request.get(f.field, f.default)) for f in self.fields}
        transformed = AttrDict({f.field: f.transform(values[f.field]) for f in self.fields})
        return self.handler(transformed, user)


class User:
    def __init__(self, name):
        self.name = name
        self.groups = set()
        self.admin = False


def install_stubs():
    pkg = types.ModuleType("dask_gateway_server")
    opts = types.ModuleType("dask_gateway_server.options")
    for cls in (Field, String, Integer, Select, Options):
        setattr(opts, cls.__name__, cls)
    pkg.options = opts
    sys.modules["dask_gateway_server"] = pkg
    sys.modules["dask_gateway_server.options"] = opts


def main():
    config_dir, scenarios = sys.argv[1], json.loads(sys.argv[2])
    install_stubs()
    config = Config()
    path = os.path.join(config_dir, "dask_gateway_config.py")
    with open(path, encoding="utf-8") as f:
        code = compile(f.read(), path, "exec")
    out = {"config": {}, "fields": [], "results": []}
    try:
        exec(code, {"get_config": lambda: config, "__file__": path, "__name__": "__config__"})
    except Exception as exc:  # reported, so the Go test can assert on it
        out["loadError"] = "%s: %s" % (type(exc).__name__, exc)
        print(json.dumps(out))
        return
    options = None
    for name, section in config.sections.items():
        values = {}
        for trait, value in section.values.items():
            if isinstance(value, Options):
                options = value
                continue
            values[trait] = value
        out["config"][name] = values
    if options is not None:
        out["fields"] = [f.spec() for f in options.fields]
        for sc in scenarios:
            try:
                res = {"overrides": options.configuration(sc["request"], User(sc["user"]))}
            except Exception as exc:
                res = {"error": "%s: %s" % (type(exc).__name__, exc)}
            out["results"].append(res)
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
