/*
Package jupyterhub renders a hub's JupyterHub objects.

# Hub configuration contract

ConfigMap "hub" holds two keys:

  - jupyterhub_config.py: one static program for every hub (embedded from
    this package), mounted by subPath at base.HubConfigFile, where the hub
    image's command expects it.
  - hubfleet.json: the hub's settings (names, URLs, authenticator and
    KubeSpawner trait values, profiles, services, roles), JSON with sorted
    keys. The whole ConfigMap is mounted at /usr/local/etc/jupyterhub/config/.

Secrets never reach the ConfigMap. The program reads them as files: Secret
hub-tokens (cookie-secret, crypt-key, dask-gateway-token) at
/usr/local/etc/jupyterhub/secret/ and Secret hub-oauth (client-secret or
shared-password) at /usr/local/etc/jupyterhub/oauth/; the proxy token comes
from CONFIGPROXY_AUTH_TOKEN. The Deployment's checksum/config-map annotation
hashes the ConfigMap data only.

# Decisions

  - Cloud metadata: user pods are blocked from 169.254.169.254 by the
    singleuser NetworkPolicy and by an iptables init container, except on
    GCP hubs with cloudIdentity: GKE Workload Identity serves credentials
    through the metadata server, so there the init container is dropped and
    egress to 169.254.169.254:80 and 169.254.169.252:988 is allowed. IRSA
    (AWS) and Azure workload identity use projected tokens and keep the block.
  - Cloud identity of user pods: ServiceAccount user-sa, bound to the
    identity <cluster>-<hub>. On Azure the client-id annotation carries that
    name as a placeholder: Azure needs the managed identity's client ID, a
    GUID the hub model does not have yet.
  - Shared directory: needs NFS homes (a ReadWriteMany volume); it is the
    _shared subPath of the home volume, read-only for users and made
    writable for admins by a pre-spawn hook. An init container hands the
    home and shared directories to uid 1000 / gid 100.
  - Profile groups: a profile's allowedGroups is matched against JupyterHub
    groups. GitHub hubs get them from team membership ("org:team"),
    generic-oauth hubs from the groups claim; other auth types use groups
    managed by admins. Admins see every profile; the default profile cannot
    be gated.
  - Shared-password hubs have no admins: JupyterHub's shared-password
    authenticator requires a separate admin password.
  - Memory quantities are passed to KubeSpawner as bytes: JupyterHub reads
    "4G" as GiB, Kubernetes as 10^9 bytes.
*/
package jupyterhub
