# dask-gateway-server configuration, written by hubfleet.
#
# This program is the same for every hub. What differs per hub is in
# settings.json, next to this file in the same ConfigMap; the compiler writes
# it, this program maps it onto dask-gateway traits. It uses only what the
# dask-gateway-server image ships: the standard library, traitlets and
# dask_gateway_server.
import json
import os
import re

from dask_gateway_server.options import Integer, Options, Select, String

c = get_config()  # noqa: F821 -- provided by traitlets when it loads this file

_HERE = os.path.dirname(
    os.path.abspath(globals().get("__file__", "/etc/dask-gateway/dask_gateway_config.py"))
)
with open(os.path.join(_HERE, "settings.json"), encoding="utf-8") as _f:
    SETTINGS = json.load(_f)

# Labels and annotations naming the owner of a cluster's pods.
USERNAME_KEY = "hub.jupyter.org/username"

# --- the gateway server and its backend ---------------------------------
c.DaskGateway.address = SETTINGS["address"]
c.DaskGateway.backend_class = "dask_gateway_server.backends.kubernetes.KubeBackend"
c.KubeBackend.api_url = SETTINGS["apiURL"]
c.KubeBackend.gateway_instance = SETTINGS["instance"]

# --- authentication through the hub --------------------------------------
# The service token is not in this ConfigMap: the Deployment passes it in an
# environment variable from the hub's generated Secret.
_hub = SETTINGS["jupyterhub"]
c.DaskGateway.authenticator_class = "dask_gateway_server.auth.JupyterHubAuthenticator"
c.JupyterHubAuthenticator.jupyterhub_api_url = _hub["apiURL"]
# Naming the service turns on scope checks: a token needs
# access:services!service=<name>, which the hub grants to its users.
c.JupyterHubAuthenticator.jupyterhub_service_name = _hub["serviceName"]
_token = os.environ.get(_hub["tokenEnv"], "")
if not _token:
    raise RuntimeError(
        "environment variable %s is empty: the hub service token is missing" % _hub["tokenEnv"]
    )
c.JupyterHubAuthenticator.jupyterhub_api_token = _token

# --- defaults of every user cluster ---------------------------------------
_sched = SETTINGS["scheduler"]
_worker = SETTINGS["worker"]
_limits = SETTINGS["limits"]
_sizes = SETTINGS["workerSizes"]
_idle = SETTINGS["idleTimeout"]

cluster = c.KubeClusterConfig
cluster.namespace = SETTINGS["namespace"]
cluster.image = SETTINGS["image"]
if _sched.get("cores"):
    cluster.scheduler_cores = _sched["cores"]
    cluster.scheduler_cores_limit = _sched["cores"]
if _sched.get("memoryBytes"):
    cluster.scheduler_memory = _sched["memoryBytes"]
    cluster.scheduler_memory_limit = _sched["memoryBytes"]
if _sizes:
    cluster.worker_cores = _sizes[0]["cores"]
    cluster.worker_cores_limit = _sizes[0]["cores"]
    cluster.worker_memory = _sizes[0]["memoryBytes"]
    cluster.worker_memory_limit = _sizes[0]["memoryBytes"]
cluster.idle_timeout = _idle["defaultMinutes"] * 60
# Users cannot change these: no cluster option maps onto them.
if _limits.get("maxCores") is not None:
    cluster.cluster_max_cores = _limits["maxCores"]
if _limits.get("maxMemoryBytes") is not None:
    cluster.cluster_max_memory = _limits["maxMemoryBytes"]
if _limits.get("maxWorkers") is not None:
    cluster.cluster_max_workers = _limits["maxWorkers"]
cluster.scheduler_extra_pod_config = _sched["podConfig"]
cluster.worker_extra_pod_config = _worker["podConfig"]
cluster.scheduler_extra_pod_annotations = dict(_sched.get("annotations") or {})
cluster.worker_extra_pod_annotations = dict(_worker.get("annotations") or {})


# --- cluster options: what a user may choose per cluster -----------------
def image_is_pinned(ref):
    """An image must name a tag or a digest, so that workers run what the
    user's server runs (and a registry's "latest" never drifts under them)."""
    if not ref or any(ch.isspace() for ch in ref):
        return False
    if "@" in ref:
        return True
    return ":" in ref.rsplit("/", 1)[-1]


_LABEL_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def label_value(name):
    """A Kubernetes label value standing for a username: unsafe characters
    become '-', at most 63 characters, alphanumeric at both ends."""
    value = _LABEL_UNSAFE.sub("-", name)[:63]
    return value.strip("-_.")


def owner_metadata(username, base):
    labels = {}
    value = label_value(username)
    if value:
        labels[USERNAME_KEY] = value
    annotations = dict(base)
    annotations[USERNAME_KEY] = username
    return labels, annotations


def options_handler(options, user):
    image = options.image.strip()
    if not image_is_pinned(image):
        raise ValueError(
            "image %r must name a tag or a digest (for example pangeo/pangeo-notebook:2024.11.08)" % image
        )
    overrides = {
        "image": image,
        "idle_timeout": options.idle_timeout_minutes * 60,
    }
    if _sizes:
        size = options.worker_size
        overrides.update(
            worker_cores=size["cores"],
            worker_cores_limit=size["cores"],
            worker_memory=size["memoryBytes"],
            worker_memory_limit=size["memoryBytes"],
        )
    sched_labels, sched_annotations = owner_metadata(user.name, _sched.get("annotations") or {})
    worker_labels, worker_annotations = owner_metadata(user.name, _worker.get("annotations") or {})
    overrides.update(
        scheduler_extra_pod_labels=sched_labels,
        scheduler_extra_pod_annotations=sched_annotations,
        worker_extra_pod_labels=worker_labels,
        worker_extra_pod_annotations=worker_annotations,
    )
    return overrides


_fields = []
if _sizes:
    _fields.append(
        Select(
            "worker_size",
            [(s["name"], s) for s in _sizes],
            default=_sizes[0]["name"],
            label="Worker size",
        )
    )
_fields.append(String("image", default=SETTINGS["image"], label="Image"))
_fields.append(
    Integer(
        "idle_timeout_minutes",
        default=_idle["defaultMinutes"],
        min=_idle["minMinutes"],
        max=_idle["maxMinutes"],
        label="Idle timeout (minutes)",
    )
)
c.Backend.cluster_options = Options(*_fields, handler=options_handler)
