package jupyterhub

// Typed KubeSpawner traits of hubfleet.json. Like settings, every struct
// declares its fields in the byte order of their JSON names, so
// encoding/json writes sorted keys without reflecting over and sorting
// map keys (TestSettingsKeysSorted). omitempty marks keys that are only
// written when set; keys that are written even when false, 0 or "" are
// plain fields or pointers.

// spawnerSettings are the hub-wide KubeSpawner traits.
type spawnerSettings struct {
	Cmd                   []string          `json:"cmd"`
	CommonLabels          commonLabels      `json:"common_labels"`
	CPUGuarantee          float64           `json:"cpu_guarantee,omitempty"`
	CPULimit              float64           `json:"cpu_limit,omitempty"`
	DefaultURL            string            `json:"default_url,omitempty"`
	Environment           map[string]string `json:"environment"`
	ExtraAnnotations      map[string]string `json:"extra_annotations"`
	ExtraLabels           map[string]string `json:"extra_labels"`
	FSGID                 int               `json:"fs_gid"`
	Image                 string            `json:"image"`
	InitContainers        []initContainer   `json:"init_containers,omitempty"`
	MemGuarantee          *int64            `json:"mem_guarantee,omitempty"`
	MemLimit              *int64            `json:"mem_limit,omitempty"`
	NodeAffinityPreferred []preferredTerm   `json:"node_affinity_preferred"`
	NodeSelector          map[string]string `json:"node_selector"`
	PriorityClassName     string            `json:"priority_class_name,omitempty"`
	PVCNameTemplate       string            `json:"pvc_name_template,omitempty"`
	SchedulerName         string            `json:"scheduler_name,omitempty"`
	ServiceAccount        string            `json:"service_account,omitempty"`
	StorageAccessModes    []string          `json:"storage_access_modes,omitempty"`
	StorageCapacity       string            `json:"storage_capacity,omitempty"`
	StorageClass          string            `json:"storage_class,omitempty"`
	StoragePVCEnsure      bool              `json:"storage_pvc_ensure"`
	Tolerations           []toleration      `json:"tolerations"`
	UID                   int               `json:"uid"`
	VolumeMounts          []volumeMount     `json:"volume_mounts,omitempty"`
	Volumes               []volume          `json:"volumes,omitempty"`
}

// commonLabels are fixed label keys, so a struct rather than a map.
type commonLabels struct {
	App       string `json:"app"`
	Instance  string `json:"app.kubernetes.io/instance"`
	ManagedBy string `json:"app.kubernetes.io/managed-by"`
	Name      string `json:"app.kubernetes.io/name"`
	Chart     string `json:"chart"`
	HelmChart string `json:"helm.sh/chart"`
	Heritage  string `json:"heritage"`
	Release   string `json:"release"`
}

// resources are the cpu/memory traits shared by the hub, its profiles and
// option choices. Memory is a pointer: 0 bytes is still written.
type resources struct {
	CPUGuarantee, CPULimit float64
	MemGuarantee, MemLimit *int64
}

type preferredTerm struct {
	Preference nodeSelectorTerm `json:"preference"`
	Weight     int32            `json:"weight"`
}

type nodeSelectorTerm struct {
	MatchExpressions []matchExpression `json:"matchExpressions"`
}

type matchExpression struct {
	Key      string   `json:"key"`
	Operator string   `json:"operator"`
	Values   []string `json:"values"`
}

// toleration is the Kubernetes JSON form KubeSpawner accepts.
type toleration struct {
	Effect   string `json:"effect"`
	Key      string `json:"key"`
	Operator string `json:"operator"`
	Value    string `json:"value,omitempty"`
}

type initContainer struct {
	Command         []string        `json:"command"`
	Image           string          `json:"image"`
	Name            string          `json:"name"`
	SecurityContext securityContext `json:"securityContext"`
	VolumeMounts    []volumeMount   `json:"volumeMounts,omitempty"`
}

type securityContext struct {
	AllowPrivilegeEscalation *bool        `json:"allowPrivilegeEscalation,omitempty"`
	Capabilities             capabilities `json:"capabilities"`
	Privileged               bool         `json:"privileged,omitempty"`
	RunAsNonRoot             *bool        `json:"runAsNonRoot,omitempty"`
	RunAsUser                int          `json:"runAsUser"`
}

type capabilities struct {
	Add  []string `json:"add,omitempty"`
	Drop []string `json:"drop,omitempty"`
}

type volume struct {
	Name                  string    `json:"name"`
	PersistentVolumeClaim claimName `json:"persistentVolumeClaim"`
}

type claimName struct {
	ClaimName string `json:"claimName"`
}

type volumeMount struct {
	MountPath string `json:"mountPath"`
	Name      string `json:"name"`
	ReadOnly  bool   `json:"readOnly,omitempty"`
	SubPath   string `json:"subPath,omitempty"`
}

// profileSettings is one entry of KubeSpawner's profile_list.
type profileSettings struct {
	AllowedGroups       []string                 `json:"allowed_groups,omitempty"`
	Default             bool                     `json:"default"`
	Description         string                   `json:"description,omitempty"`
	DisplayName         string                   `json:"display_name"`
	KubespawnerOverride profileOverride          `json:"kubespawner_override"`
	ProfileOptions      map[string]profileOption `json:"profile_options,omitempty"`
	Slug                string                   `json:"slug"`
}

type profileOverride struct {
	CPUGuarantee        float64           `json:"cpu_guarantee,omitempty"`
	CPULimit            float64           `json:"cpu_limit,omitempty"`
	Environment         map[string]string `json:"environment,omitempty"`
	ExtraResourceLimits map[string]string `json:"extra_resource_limits,omitempty"`
	Image               string            `json:"image"`
	MemGuarantee        *int64            `json:"mem_guarantee,omitempty"`
	MemLimit            *int64            `json:"mem_limit,omitempty"`
	NodeSelector        map[string]string `json:"node_selector"`
	Tolerations         []toleration      `json:"tolerations"`
}

type profileOption struct {
	Choices        map[string]optionChoice `json:"choices"`
	DisplayName    string                  `json:"display_name"`
	UnlistedChoice *unlistedChoice         `json:"unlisted_choice,omitempty"`
}

type optionChoice struct {
	Default             bool           `json:"default,omitempty"`
	DisplayName         string         `json:"display_name"`
	KubespawnerOverride choiceOverride `json:"kubespawner_override"`
}

type choiceOverride struct {
	CPUGuarantee float64           `json:"cpu_guarantee,omitempty"`
	CPULimit     float64           `json:"cpu_limit,omitempty"`
	Environment  map[string]string `json:"environment,omitempty"`
	Image        string            `json:"image,omitempty"`
	MemGuarantee *int64            `json:"mem_guarantee,omitempty"`
	MemLimit     *int64            `json:"mem_limit,omitempty"`
}

type unlistedChoice struct {
	DisplayName         string        `json:"display_name"`
	Enabled             bool          `json:"enabled"`
	KubespawnerOverride imageOverride `json:"kubespawner_override"`
	ValidationRegex     string        `json:"validation_regex,omitempty"`
}

type imageOverride struct {
	Image string `json:"image"`
}
