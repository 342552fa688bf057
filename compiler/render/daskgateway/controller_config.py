# dask-gateway kube-controller configuration, written by hubfleet.
#
# The same program for every hub; the hub's values are in settings.json next
# to this file (same ConfigMap).
import json
import os

c = get_config()  # noqa: F821 -- provided by traitlets when it loads this file

_HERE = os.path.dirname(
    os.path.abspath(globals().get("__file__", "/etc/dask-gateway/dask_gateway_config.py"))
)
with open(os.path.join(_HERE, "settings.json"), encoding="utf-8") as _f:
    SETTINGS = json.load(_f)

ctl = c.KubeController
ctl.address = SETTINGS["address"]
ctl.api_url = SETTINGS["apiURL"]
ctl.gateway_instance = SETTINGS["instance"]
# Routes the controller creates for each cluster live under the gateway's
# prefix, on traefik's one entrypoint; dashboard routes strip the cluster
# path with the instance's Middleware.
ctl.proxy_prefix = SETTINGS["proxyPrefix"]
ctl.proxy_web_entrypoint = SETTINGS["webEntrypoint"]
ctl.proxy_tcp_entrypoint = SETTINGS["tcpEntrypoint"]
ctl.proxy_web_middlewares = [dict(m) for m in SETTINGS["webMiddlewares"]]
ctl.completed_cluster_max_age = SETTINGS["completedClusterMaxAgeSeconds"]
ctl.completed_cluster_cleanup_period = SETTINGS["completedClusterCleanupPeriodSeconds"]
