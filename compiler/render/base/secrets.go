package base

// The secret contract between the ExternalSecrets hubfleet renders and the
// pods that read them. No value ever appears in rendered/: only these names.
const (
	// TokensSecret holds the tokens generated once in the cluster.
	TokensSecret = "hub-tokens"
	// OAuthSecret holds values fetched from the cluster's secret store.
	OAuthSecret = "hub-oauth"

	KeyProxyToken       = "proxy-token"        // CHP auth token (hub and proxy)
	KeyCookieSecret     = "cookie-secret"      // 64 hex characters
	KeyCryptKey         = "crypt-key"          // 64 hex characters
	KeyDaskGatewayToken = "dask-gateway-token" // hub service token, read by hub and gateway api

	KeyClientSecret   = "client-secret"   // OAuth client secret
	KeySharedPassword = "shared-password" // shared-password authenticator
)
