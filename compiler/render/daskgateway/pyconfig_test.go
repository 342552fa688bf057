package daskgateway

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/base"
)

// pyResult is what testdata/harness.py prints.
type pyResult struct {
	LoadError string                    `json:"loadError"`
	Config    map[string]map[string]any `json:"config"`
	Fields    []map[string]any          `json:"fields"`
	Results   []struct {
		Overrides map[string]any `json:"overrides"`
		Error     string         `json:"error"`
	} `json:"results"`
}

type scenario struct {
	User    string         `json:"user"`
	Request map[string]any `json:"request"`
}

// runConfig writes a rendered ConfigMap's files to a directory, as the
// volume mount does, and runs the config program in the harness.
func runConfig(t *testing.T, cm *corev1.ConfigMap, token string, scenarios []scenario) pyResult {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not on PATH")
	}
	dir := t.TempDir()
	for k, v := range cm.Data {
		if err := os.WriteFile(filepath.Join(dir, k), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sc, err := json.Marshal(scenarios)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, filepath.Join("testdata", "harness.py"), dir, string(sc))
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1", TokenEnv+"="+token)
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("harness: %v\n%s", err, stderr)
	}
	var res pyResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("harness output: %v\n%s", err, out)
	}
	return res
}

func gatewayCM(t *testing.T, h *model.Hub) *corev1.ConfigMap {
	return typed[corev1.ConfigMap](t, find(t, mustRender(t, h), "ConfigMap", base.DaskAPIService(h)))
}

// jsonOf round-trips a Go value through JSON, to compare with the harness.
func jsonOf(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestGatewayConfigProgram(t *testing.T) {
	h := awsHub()
	res := runConfig(t, gatewayCM(t, h), "s3cret", []scenario{
		{User: "alice", Request: map[string]any{}},
		{User: "bob@example.org", Request: map[string]any{"worker_size": "large", "idle_timeout_minutes": 90}},
		{User: "carol", Request: map[string]any{"image": "pangeo/ml-notebook:2024.11.08"}},
		{User: "dave", Request: map[string]any{"image": "pangeo/ml-notebook"}},
		{User: "erin", Request: map[string]any{"image": "localhost:5000/ml"}},
		{User: "frank", Request: map[string]any{"worker_size": "huge"}},
		{User: "grace", Request: map[string]any{"idle_timeout_minutes": 100000}},
		{User: "heidi", Request: map[string]any{"worker_cores": 64}},
		{User: "ivan", Request: map[string]any{"image": "quay.io/org/img@sha256:abc"}},
	})
	if res.LoadError != "" {
		t.Fatalf("config program failed: %s", res.LoadError)
	}
	cfg := res.Config
	checks := []struct {
		class, trait string
		want         any
	}{
		{"DaskGateway", "address", ":8000"},
		{"DaskGateway", "backend_class", "dask_gateway_server.backends.kubernetes.KubeBackend"},
		{"DaskGateway", "authenticator_class", "dask_gateway_server.auth.JupyterHubAuthenticator"},
		{"KubeBackend", "api_url", "http://api-staging-dask-gateway.staging:8000/api"},
		{"KubeBackend", "gateway_instance", "staging-dask-gateway"},
		{"JupyterHubAuthenticator", "jupyterhub_api_url", "http://hub.staging:8081/hub/api"},
		{"JupyterHubAuthenticator", "jupyterhub_api_token", "s3cret"},
		{"JupyterHubAuthenticator", "jupyterhub_service_name", "dask-gateway"},
		{"KubeClusterConfig", "namespace", "staging"},
		{"KubeClusterConfig", "image", h.Image},
		{"KubeClusterConfig", "scheduler_cores", 1.0},
		{"KubeClusterConfig", "scheduler_memory", 2e9},
		{"KubeClusterConfig", "worker_cores", 1.0},
		{"KubeClusterConfig", "worker_memory", 4e9},
		{"KubeClusterConfig", "idle_timeout", 1800.0},
		{"KubeClusterConfig", "cluster_max_cores", 400.0},
		{"KubeClusterConfig", "cluster_max_memory", 1.6e12},
		{"KubeClusterConfig", "cluster_max_workers", 100.0},
	}
	for _, c := range checks {
		if got := cfg[c.class][c.trait]; !reflect.DeepEqual(got, c.want) {
			t.Errorf("c.%s.%s = %#v, want %#v", c.class, c.trait, got, c.want)
		}
	}

	// Pod configs are the placements base computes for the hub's pools.
	sched := base.SchedulerPlacement(h.Cluster, h.Cluster.Pool(h, "user-r5-xlarge"))
	worker := base.WorkerPlacement(h.Cluster, h.Cluster.Pool(h, "dask"))
	for trait, p := range map[string]base.PodPlacement{"scheduler_extra_pod_config": sched, "worker_extra_pod_config": worker} {
		want := jsonOf(t, map[string]any{"nodeSelector": p.NodeSelector, "tolerations": p.Tolerations})
		if got := cfg["KubeClusterConfig"][trait]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %v, want %v", trait, got, want)
		}
	}

	var fields []string
	for _, f := range res.Fields {
		fields = append(fields, f["field"].(string))
	}
	if want := []string{"worker_size", "image", "idle_timeout_minutes"}; !reflect.DeepEqual(fields, want) {
		t.Errorf("cluster options %v, want %v", fields, want)
	}
	if got := res.Fields[0]["options"]; !reflect.DeepEqual(got, []any{"small", "large"}) {
		t.Errorf("worker_size choices %v", got)
	}
	if res.Fields[1]["default"] != h.Image {
		t.Errorf("image option defaults to %v, want the hub image %s", res.Fields[1]["default"], h.Image)
	}

	if len(res.Results) != 9 {
		t.Fatalf("%d results, want 9", len(res.Results))
	}
	ok := func(i int) map[string]any {
		t.Helper()
		if res.Results[i].Error != "" {
			t.Fatalf("scenario %d: %s", i, res.Results[i].Error)
		}
		return res.Results[i].Overrides
	}
	fails := func(i int, substr string) {
		t.Helper()
		if !strings.Contains(res.Results[i].Error, substr) {
			t.Errorf("scenario %d: error %q, want one mentioning %q", i, res.Results[i].Error, substr)
		}
	}

	def := ok(0)
	if def["worker_cores"] != 1.0 || def["worker_memory"] != 4e9 || def["idle_timeout"] != 1800.0 || def["image"] != h.Image {
		t.Errorf("defaults: %v", def)
	}
	if got := def["scheduler_extra_pod_annotations"]; !reflect.DeepEqual(got, map[string]any{base.DoNotDisruptAnnot: "true", UsernameKey: "alice"}) {
		t.Errorf("scheduler annotations %v", got)
	}
	if got := def["worker_extra_pod_labels"]; !reflect.DeepEqual(got, map[string]any{UsernameKey: "alice"}) {
		t.Errorf("worker labels %v", got)
	}

	large := ok(1)
	if large["worker_cores"] != 4.0 || large["worker_cores_limit"] != 4.0 || large["worker_memory"] != 16e9 || large["worker_memory_limit"] != 16e9 {
		t.Errorf("large worker: %v", large)
	}
	if large["idle_timeout"] != 5400.0 {
		t.Errorf("idle_timeout for 90 minutes = %v", large["idle_timeout"])
	}
	if got := large["scheduler_extra_pod_labels"].(map[string]any)[UsernameKey]; got != "bob-example.org" {
		t.Errorf("username label %q, want a valid label value", got)
	}
	if got := large["worker_extra_pod_annotations"].(map[string]any)[UsernameKey]; got != "bob@example.org" {
		t.Errorf("username annotation %q, want the username itself", got)
	}

	if ok(2)["image"] != "pangeo/ml-notebook:2024.11.08" {
		t.Errorf("chosen image not passed: %v", res.Results[2].Overrides)
	}
	fails(3, "tag or a digest")
	fails(4, "tag or a digest") // the colon is the registry port's
	fails(5, "huge")
	fails(6, "idle_timeout_minutes")
	fails(7, "Unknown fields")
	if ok(8)["image"] != "quay.io/org/img@sha256:abc" {
		t.Errorf("digest image rejected: %v", res.Results[8])
	}
}

// A hub without worker sizes or limits still yields a working config.
func TestGatewayConfigProgramMinimalHub(t *testing.T) {
	h := azureHub()
	h.Dask.WorkerSizes = nil
	h.Dask.Limits = model.DaskLimits{}
	res := runConfig(t, gatewayCM(t, h), "t", []scenario{{User: "x", Request: map[string]any{"idle_timeout_minutes": 0}}})
	if res.LoadError != "" {
		t.Fatalf("config program failed: %s", res.LoadError)
	}
	kc := res.Config["KubeClusterConfig"]
	for _, trait := range []string{"cluster_max_cores", "cluster_max_memory", "cluster_max_workers", "worker_cores"} {
		if v, set := kc[trait]; set {
			t.Errorf("%s set to %v without a hub setting", trait, v)
		}
	}
	if kc["image"] != h.Dask.Image || kc["idle_timeout"] != 0.0 || kc["scheduler_memory"] != 1536.0*1024*1024 {
		t.Errorf("image/idle/scheduler memory: %v %v %v", kc["image"], kc["idle_timeout"], kc["scheduler_memory"])
	}
	if len(res.Fields) != 2 {
		t.Errorf("cluster options %v, want image and idle_timeout_minutes only", res.Fields)
	}
	if r := res.Results[0]; r.Error != "" || r.Overrides["idle_timeout"] != 0.0 {
		t.Errorf("idle timeout 0 on a hub without one: %+v", r)
	}
}

func TestGatewayConfigProgramNeedsToken(t *testing.T) {
	res := runConfig(t, gatewayCM(t, awsHub()), "", nil)
	if !strings.Contains(res.LoadError, TokenEnv) {
		t.Errorf("load error %q, want one naming %s", res.LoadError, TokenEnv)
	}
}

func TestControllerConfigProgram(t *testing.T) {
	h := awsHub()
	cm := typed[corev1.ConfigMap](t, find(t, mustRender(t, h), "ConfigMap", "controller-"+base.DaskFullName(h)))
	res := runConfig(t, cm, "unused", nil)
	if res.LoadError != "" {
		t.Fatalf("controller config failed: %s", res.LoadError)
	}
	want := map[string]any{
		"address":                          ":8000",
		"api_url":                          "http://api-staging-dask-gateway.staging:8000/api",
		"gateway_instance":                 "staging-dask-gateway",
		"proxy_prefix":                     "/services/dask-gateway",
		"proxy_web_entrypoint":             "web",
		"proxy_tcp_entrypoint":             "web",
		"proxy_web_middlewares":            []any{map[string]any{"name": "clusters-prefix-staging-dask-gateway", "namespace": "staging"}},
		"completed_cluster_max_age":        86400.0,
		"completed_cluster_cleanup_period": 600.0,
	}
	if got := res.Config["KubeController"]; !reflect.DeepEqual(got, want) {
		t.Errorf("c.KubeController = %v\nwant %v", got, want)
	}
}
