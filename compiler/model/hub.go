package model

// Auth types (SPEC §2.3).
const (
	AuthGitHub         = "github"
	AuthCILogon        = "cilogon"
	AuthGoogle         = "google"
	AuthGenericOAuth   = "generic-oauth"
	AuthSharedPassword = "shared-password"
)

// Home storage types.
const (
	HomeDynamic = "dynamic"
	HomeNFS     = "nfs"
	HomeNone    = "none"
)

// Hub is the effective hub: fleet hubDefaults, then the cluster's, then the
// hub file, merged and validated.
type Hub struct {
	Name          string            `json:"name"`
	DisplayName   string            `json:"displayName"`
	Domain        string            `json:"domain"`
	Namespace     string            `json:"namespace"`
	Auth          Auth              `json:"auth"`
	Image         string            `json:"image"`
	DefaultURL    string            `json:"defaultUrl"`
	Environment   map[string]string `json:"environment,omitempty"`
	Profiles      []Profile         `json:"profiles"`
	Storage       Storage           `json:"storage"`
	Culling       Culling           `json:"culling"`
	CloudIdentity bool              `json:"cloudIdentity"`
	Dask          Dask              `json:"dask"`
	UserScheduler UserScheduler     `json:"userScheduler"`
	Placeholders  Placeholders      `json:"placeholders"`
	ImagePuller   ImagePuller       `json:"imagePuller"`
	NodePools     []NodePool        `json:"nodePools,omitempty"`
	Patches       []Patch           `json:"patches,omitempty"`

	// Cluster is the hub's cluster.
	Cluster *Cluster `json:"-"`
	// Src is the hub file and the positions of every effective field,
	// including those inherited from hubDefaults.
	Src Source `json:"-"`
}

// Auth configures the hub's authenticator.
type Auth struct {
	Type           string        `json:"type"`
	ClientID       string        `json:"clientId,omitempty"`
	ClientSecret   *SecretValue  `json:"clientSecret,omitempty"`
	GitHub         *GitHubAuth   `json:"github,omitempty"`
	CILogon        *CILogonAuth  `json:"cilogon,omitempty"`
	Google         *GoogleAuth   `json:"google,omitempty"`
	GenericOAuth   *GenericOAuth `json:"generic-oauth,omitempty"`
	SharedPassword *SecretValue  `json:"sharedPassword,omitempty"`
	Admins         []string      `json:"admins,omitempty"`
	AllowedUsers   []string      `json:"allowedUsers,omitempty"`
	AllowAllUsers  bool          `json:"allowAllUsers"`
}

// SecretValue is where a secret lives. Only references are allowed: the
// schema rejects literals.
type SecretValue struct {
	SecretRef SecretRef `json:"secretRef"`
}

// SecretRef names a value in the cluster's secret store.
type SecretRef struct {
	Key      string `json:"key"`
	Property string `json:"property,omitempty"`
}

// GitHubAuth restricts GitHub logins.
type GitHubAuth struct {
	// "org" or "org:team" entries.
	AllowedOrganizations []string `json:"allowedOrganizations,omitempty"`
}

// CILogonAuth restricts CILogon logins per identity provider.
type CILogonAuth struct {
	AllowedIdps map[string]CILogonIdp `json:"allowedIdps,omitempty"`
}

// CILogonIdp is one allowed identity provider.
type CILogonIdp struct {
	UsernameClaim  string   `json:"usernameClaim"`
	AllowedDomains []string `json:"allowedDomains,omitempty"`
	Default        bool     `json:"default,omitempty"`
}

// GoogleAuth restricts Google logins.
type GoogleAuth struct {
	AllowedDomains []string `json:"allowedDomains,omitempty"`
}

// GenericOAuth is any OAuth2 / OIDC provider.
type GenericOAuth struct {
	AuthorizeURL  string   `json:"authorizeUrl"`
	TokenURL      string   `json:"tokenUrl"`
	UserdataURL   string   `json:"userdataUrl"`
	UsernameClaim string   `json:"usernameClaim"`
	Scopes        []string `json:"scopes,omitempty"`
	AllowedGroups []string `json:"allowedGroups,omitempty"`
	GroupsClaim   string   `json:"groupsClaim,omitempty"`
}

// Profile is one entry of the spawn page.
type Profile struct {
	Slug          string                   `json:"slug"`
	DisplayName   string                   `json:"displayName"`
	Description   string                   `json:"description,omitempty"`
	Default       bool                     `json:"default"`
	NodePool      string                   `json:"nodePool"`
	CPU           CPU                      `json:"cpu"`
	Memory        Memory                   `json:"memory"`
	Image         string                   `json:"image,omitempty"`
	GPUs          int                      `json:"gpus,omitempty"`
	AllowedGroups []string                 `json:"allowedGroups,omitempty"`
	Environment   map[string]string        `json:"environment,omitempty"`
	Options       map[string]ProfileOption `json:"options,omitempty"`
}

// CPU guarantee and limit in cores.
type CPU struct {
	Guarantee float64 `json:"guarantee,omitempty"`
	Limit     float64 `json:"limit,omitempty"`
}

// Memory guarantee and limit as Kubernetes quantities ("4G").
type Memory struct {
	Guarantee string `json:"guarantee,omitempty"`
	Limit     string `json:"limit,omitempty"`
}

// ProfileOption is one choice list on the spawn page.
type ProfileOption struct {
	DisplayName string                  `json:"displayName"`
	Choices     map[string]OptionChoice `json:"choices"`
	Unlisted    *UnlistedChoice         `json:"unlisted,omitempty"`
}

// OptionChoice overrides the profile when chosen.
type OptionChoice struct {
	DisplayName string            `json:"displayName"`
	Default     bool              `json:"default,omitempty"`
	Image       string            `json:"image,omitempty"`
	CPU         *CPU              `json:"cpu,omitempty"`
	Memory      *Memory           `json:"memory,omitempty"`
	Environment map[string]string `json:"environment,omitempty"`
}

// UnlistedChoice lets users type a free-form image.
type UnlistedChoice struct {
	Enabled         bool   `json:"enabled"`
	DisplayName     string `json:"displayName,omitempty"`
	ValidationRegex string `json:"validationRegex,omitempty"`
}

// Storage configures home directories and the shared directory.
type Storage struct {
	Home   Home   `json:"home"`
	Shared Shared `json:"shared"`
}

// Home is the users' home storage.
type Home struct {
	Type         string `json:"type"`
	Size         string `json:"size,omitempty"`
	StorageClass string `json:"storageClass,omitempty"`
	Server       string `json:"server,omitempty"`
	Path         string `json:"path,omitempty"`
}

// Shared is /home/jovyan/shared, read-only for users and writable for admins.
type Shared struct {
	Enabled bool `json:"enabled"`
}

// Culling stops idle servers.
type Culling struct {
	Enabled     bool `json:"enabled"`
	IdleTimeout int  `json:"idleTimeout"`
	MaxAge      int  `json:"maxAge"`
	Every       int  `json:"every"`
}

// Dask configures dask-gateway for a daskhub.
type Dask struct {
	Enabled           bool         `json:"enabled"`
	WorkerNodePool    string       `json:"workerNodePool,omitempty"`
	SchedulerNodePool string       `json:"schedulerNodePool,omitempty"`
	Image             string       `json:"image,omitempty"`
	Scheduler         DaskSize     `json:"scheduler"`
	WorkerSizes       []WorkerSize `json:"workerSizes,omitempty"`
	Limits            DaskLimits   `json:"limits"`
	IdleTimeout       int          `json:"idleTimeout"`
}

// DaskSize is the resources of a scheduler.
type DaskSize struct {
	Cores  float64 `json:"cores"`
	Memory string  `json:"memory"`
}

// WorkerSize is one worker-size choice of the cluster options.
type WorkerSize struct {
	Name   string  `json:"name"`
	Cores  float64 `json:"cores"`
	Memory string  `json:"memory"`
}

// DaskLimits bounds one user's dask cluster.
type DaskLimits struct {
	MaxCores   float64 `json:"maxCores,omitempty"`
	MaxMemory  string  `json:"maxMemory,omitempty"`
	MaxWorkers int     `json:"maxWorkers,omitempty"`
}

// UserScheduler packs user pods onto fewer nodes.
type UserScheduler struct {
	Enabled bool `json:"enabled"`
}

// Placeholders keep warm capacity for events.
type Placeholders struct {
	Replicas int `json:"replicas"`
}

// ImagePuller is the continuous image puller.
type ImagePuller struct {
	Enabled bool `json:"enabled"`
}

// Patch is one kustomize patch applied to the hub's rendered objects.
type Patch struct {
	Target *PatchTarget `json:"target,omitempty"`
	Patch  string       `json:"patch"`

	// Path is the CUE path of this patch ("patches[0]") and Pos where it
	// was written, for diagnostics.
	Path string `json:"-"`
	Pos  Pos    `json:"-"`
}

// PatchTarget selects the objects a patch applies to.
type PatchTarget struct {
	Group              string `json:"group,omitempty"`
	Version            string `json:"version,omitempty"`
	Kind               string `json:"kind,omitempty"`
	Name               string `json:"name,omitempty"`
	Namespace          string `json:"namespace,omitempty"`
	LabelSelector      string `json:"labelSelector,omitempty"`
	AnnotationSelector string `json:"annotationSelector,omitempty"`
}

// DefaultProfile returns the profile marked default, or the first one.
func (h *Hub) DefaultProfile() *Profile {
	for i := range h.Profiles {
		if h.Profiles[i].Default {
			return &h.Profiles[i]
		}
	}
	if len(h.Profiles) > 0 {
		return &h.Profiles[0]
	}
	return nil
}

// ID is "<cluster>/<hub>", the hub's name in the whole fleet.
func (h *Hub) ID() string {
	if h.Cluster == nil {
		return h.Name
	}
	return h.Cluster.Name + "/" + h.Name
}
