package jupyterhub

import _ "embed"

// hubConfigPy is the hub's jupyterhub_config.py: one program for every hub,
// driven by the hub's hubfleet.json.
//
//go:embed jupyterhub_config.py
var hubConfigPy string
