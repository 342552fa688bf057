// Package daskgateway renders the dask-gateway side of a daskhub: the api
// (gateway server), controller and traefik Deployments with their
// ConfigMaps, Services, RBAC, the api IngressRoute and Middlewares, and
// NetworkPolicies for the dask pods the controller creates. CRDs returns the
// DaskCluster and Traefik CRDs that every cluster with dask hubs needs once.
//
// The gateway configuration file is hubfleet's own: a static Python program
// (gateway_config.py) that reads the hub's settings from a JSON file in the
// same ConfigMap, so per-hub data never becomes code.
package daskgateway
