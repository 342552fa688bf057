package daskgateway

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/base"
)

// The two programs are static: everything per hub is in settings.json.
var (
	//go:embed gateway_config.py
	gatewayProgram string
	//go:embed controller_config.py
	controllerProgram string
)

// gatewaySettings is settings.json of the api ConfigMap, read by
// gateway_config.py. Memory is in bytes: dask-gateway's own suffixes are
// binary ("4G" = 4 GiB) while hub files use Kubernetes quantities, so the
// compiler converts and the program never parses units.
type gatewaySettings struct {
	Address     string           `json:"address"`
	APIURL      string           `json:"apiURL"`
	Instance    string           `json:"instance"`
	Namespace   string           `json:"namespace"`
	JupyterHub  jupyterhubAuth   `json:"jupyterhub"`
	Image       string           `json:"image"`
	Scheduler   podSettings      `json:"scheduler"`
	Worker      podSettings      `json:"worker"`
	WorkerSizes []workerSize     `json:"workerSizes"`
	Limits      clusterLimits    `json:"limits"`
	IdleTimeout idleTimeoutRange `json:"idleTimeout"`
}

type jupyterhubAuth struct {
	APIURL      string `json:"apiURL"`
	ServiceName string `json:"serviceName"`
	TokenEnv    string `json:"tokenEnv"`
}

// podSettings configures scheduler or worker pods. Cores and memory are
// zero for workers: worker resources come from the chosen worker size.
type podSettings struct {
	Cores       float64           `json:"cores,omitempty"`
	MemoryBytes int64             `json:"memoryBytes,omitempty"`
	PodConfig   map[string]any    `json:"podConfig"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

type workerSize struct {
	Name        string  `json:"name"`
	Cores       float64 `json:"cores"`
	MemoryBytes int64   `json:"memoryBytes"`
}

// clusterLimits are per user cluster; nil means unlimited.
type clusterLimits struct {
	MaxCores       *float64 `json:"maxCores"`
	MaxMemoryBytes *int64   `json:"maxMemoryBytes"`
	MaxWorkers     *int     `json:"maxWorkers"`
}

// idleTimeoutRange is the idle_timeout_minutes cluster option.
type idleTimeoutRange struct {
	DefaultMinutes int `json:"defaultMinutes"`
	MinMinutes     int `json:"minMinutes"`
	MaxMinutes     int `json:"maxMinutes"`
}

// controllerSettings is settings.json of the controller ConfigMap.
type controllerSettings struct {
	Address           string       `json:"address"`
	APIURL            string       `json:"apiURL"`
	Instance          string       `json:"instance"`
	ProxyPrefix       string       `json:"proxyPrefix"`
	WebMiddlewares    []middleware `json:"webMiddlewares"`
	WebEntrypoint     string       `json:"webEntrypoint"`
	TCPEntrypoint     string       `json:"tcpEntrypoint"`
	CompletedMaxAgeS  int          `json:"completedClusterMaxAgeSeconds"`
	CompletedCleanupS int          `json:"completedClusterCleanupPeriodSeconds"`
}

type middleware struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
}

// maxIdleMinutes caps what a user may ask for (one day), unless the hub's
// own default is longer.
const maxIdleMinutes = 24 * 60

// UsernameKey labels (sanitised) and annotates (verbatim) scheduler and
// worker pods with the owning JupyterHub user.
const UsernameKey = "hub.jupyter.org/username"

// apiURL is where dask pods and the controller reach the gateway api.
func (r *renderer) apiURL() string {
	return fmt.Sprintf("http://%s.%s:%d/api", apiName(r.h), r.ns, base.DaskAPIPort)
}

// hubAPIURL is the JupyterHub REST API, reached through Service hub.
func (r *renderer) hubAPIURL() string {
	return fmt.Sprintf("http://hub.%s:%d/hub/api", r.ns, base.HubPort)
}

func (r *renderer) gatewaySettings() (*gatewaySettings, error) {
	h := r.h
	s := &gatewaySettings{
		Address:   fmt.Sprintf(":%d", base.DaskAPIPort),
		APIURL:    r.apiURL(),
		Instance:  base.DaskFullName(h),
		Namespace: r.ns,
		JupyterHub: jupyterhubAuth{
			APIURL:      r.hubAPIURL(),
			ServiceName: base.DaskServiceName,
			TokenEnv:    TokenEnv,
		},
		Image: h.Dask.Image,
	}
	if s.Image == "" {
		s.Image = h.Image
	}
	if s.Image == "" {
		s.Image = r.images.Cluster
	}

	schedPool, workerPool, err := r.pools()
	if err != nil {
		return nil, err
	}
	sp := base.SchedulerPlacement(h.Cluster, schedPool)
	wp := base.WorkerPlacement(h.Cluster, workerPool)
	if s.Scheduler.PodConfig, err = podConfig(sp); err != nil {
		return nil, fmt.Errorf("scheduler pod config: %w", err)
	}
	if s.Worker.PodConfig, err = podConfig(wp); err != nil {
		return nil, fmt.Errorf("worker pod config: %w", err)
	}
	// A scheduler cannot be recovered once evicted: keep Karpenter from
	// consolidating its node away (harmless where Karpenter is absent).
	s.Scheduler.Annotations = map[string]string{base.DoNotDisruptAnnot: "true"}

	s.Scheduler.Cores = h.Dask.Scheduler.Cores
	if h.Dask.Scheduler.Memory != "" {
		if s.Scheduler.MemoryBytes, err = bytesOf(h.Dask.Scheduler.Memory); err != nil {
			return nil, fmt.Errorf("dask.scheduler.memory: %w", err)
		}
	}

	s.WorkerSizes = []workerSize{}
	for i, ws := range h.Dask.WorkerSizes {
		b, err := bytesOf(ws.Memory)
		if err != nil {
			return nil, fmt.Errorf("dask.workerSizes[%d].memory: %w", i, err)
		}
		if ws.Name == "" || ws.Cores <= 0 || b <= 0 {
			return nil, fmt.Errorf("dask.workerSizes[%d]: needs a name, cores and memory", i)
		}
		s.WorkerSizes = append(s.WorkerSizes, workerSize{Name: ws.Name, Cores: ws.Cores, MemoryBytes: b})
	}

	if l := h.Dask.Limits; l.MaxCores > 0 {
		v := l.MaxCores
		s.Limits.MaxCores = &v
	}
	if l := h.Dask.Limits; l.MaxMemory != "" {
		b, err := bytesOf(l.MaxMemory)
		if err != nil {
			return nil, fmt.Errorf("dask.limits.maxMemory: %w", err)
		}
		s.Limits.MaxMemoryBytes = &b
	}
	if l := h.Dask.Limits; l.MaxWorkers > 0 {
		v := l.MaxWorkers
		s.Limits.MaxWorkers = &v
	}

	if h.Dask.IdleTimeout < 0 {
		return nil, fmt.Errorf("dask.idleTimeout: %d is negative", h.Dask.IdleTimeout)
	}
	def := (h.Dask.IdleTimeout + 59) / 60 // round up: never shorter than asked
	s.IdleTimeout = idleTimeoutRange{DefaultMinutes: def, MinMinutes: 1, MaxMinutes: max(def, maxIdleMinutes)}
	if def == 0 {
		// The hub runs clusters without an idle timeout; users may still
		// choose one.
		s.IdleTimeout.MinMinutes = 0
	}
	return s, nil
}

// pools finds the scheduler pool (dask.schedulerNodePool, or the default
// profile's pool) and the worker pool.
func (r *renderer) pools() (sched, worker *model.NodePool, err error) {
	h := r.h
	name := h.Dask.SchedulerNodePool
	if name == "" {
		if p := h.DefaultProfile(); p != nil {
			name = p.NodePool
		}
	}
	if name == "" {
		return nil, nil, fmt.Errorf("dask.schedulerNodePool: not set and the hub has no default profile pool")
	}
	if sched = h.Cluster.Pool(h, name); sched == nil {
		return nil, nil, fmt.Errorf("dask scheduler node pool %q: not found in cluster %s", name, h.Cluster.Name)
	}
	if h.Dask.WorkerNodePool == "" {
		return nil, nil, fmt.Errorf("dask.workerNodePool: not set")
	}
	if worker = h.Cluster.Pool(h, h.Dask.WorkerNodePool); worker == nil {
		return nil, nil, fmt.Errorf("dask.workerNodePool %q: not found in cluster %s", h.Dask.WorkerNodePool, h.Cluster.Name)
	}
	return sched, worker, nil
}

// podConfig is the camelCase PodSpec fragment dask-gateway merges into
// scheduler or worker pods.
func podConfig(p base.PodPlacement) (map[string]any, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&corev1.PodSpec{
		NodeSelector: p.NodeSelector,
		Tolerations:  p.Tolerations,
	})
	if err != nil {
		return nil, err
	}
	out, _ := manifest.Prune(m).(map[string]any)
	if out == nil {
		out = map[string]any{}
	}
	return out, nil
}

// bytesOf converts a Kubernetes quantity to bytes.
func bytesOf(q string) (int64, error) {
	v, err := resource.ParseQuantity(q)
	if err != nil {
		return 0, fmt.Errorf("%q is not a Kubernetes quantity: %w", q, err)
	}
	b := v.Value()
	if b <= 0 || b == math.MaxInt64 {
		return 0, fmt.Errorf("%q is not a usable memory size", q)
	}
	return b, nil
}

func (r *renderer) controllerSettings() *controllerSettings {
	return &controllerSettings{
		Address:     fmt.Sprintf(":%d", base.DaskAPIPort),
		APIURL:      r.apiURL(),
		Instance:    base.DaskFullName(r.h),
		ProxyPrefix: Prefix,
		WebMiddlewares: []middleware{
			{Name: ClustersMiddleware(r.h), Namespace: r.ns},
		},
		WebEntrypoint: webEntrypoint,
		// Scheduler TLS traffic shares the web entrypoint (SNI routing), so
		// traefik needs a single port.
		TCPEntrypoint:     webEntrypoint,
		CompletedMaxAgeS:  24 * 3600,
		CompletedCleanupS: 600,
	}
}

func (r *renderer) gatewayConfigMap() (*corev1.ConfigMap, error) {
	s, err := r.gatewaySettings()
	if err != nil {
		return nil, err
	}
	return r.configMap(apiName(r.h), componentAPI, gatewayProgram, s)
}

func (r *renderer) controllerConfigMap() (*corev1.ConfigMap, error) {
	return r.configMap(controllerName(r.h), componentController, controllerProgram, r.controllerSettings())
}

func (r *renderer) configMap(name, component, program string, settings any) (*corev1.ConfigMap, error) {
	js, err := encodeSettings(settings)
	if err != nil {
		return nil, fmt.Errorf("ConfigMap %s: %w", name, err)
	}
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: r.meta(name, component),
		Data: map[string]string{
			ConfigFile:   program,
			SettingsFile: js,
		},
	}, nil
}

// encodeSettings writes indented JSON (struct order, sorted map keys) with
// a final newline, so diffs of settings.json read line by line.
func encodeSettings(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// checksum hashes a ConfigMap's data so that a config change rolls the
// pods that mount it.
func checksum(cm *corev1.ConfigMap) string {
	// encoding/json sorts map keys: the hash is stable.
	b, _ := json.Marshal(cm.Data)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func (r *renderer) meta(name, component string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: r.ns, Labels: r.labels(component)}
}
