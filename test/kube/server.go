package kube

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is a running etcd + kube-apiserver pair on loopback.
type Server struct {
	URL        string // https://127.0.0.1:PORT
	Dir        string // work directory: credentials, logs, etcd data
	Kubeconfig string // for kubectl --kubeconfig when debugging by hand
	Timings    Timings

	token   string
	client  *http.Client
	etcd    *process
	api     *process
	ownsDir bool

	// swap is held shared by every dry-run and exclusively while the
	// NodePool CRD is replaced, so no request sees the wrong build.
	swap     sync.RWMutex
	crdDir   string
	nodePool NodePoolBuild

	mu        sync.Mutex
	resources map[string]map[string]resource // apiVersion -> kind -> resource

	nsMu       sync.Mutex
	namespaces map[string]bool // created for real
}

// Timings are what starting the server cost.
type Timings struct {
	Etcd      time.Duration // process start to healthy
	APIServer time.Duration // process start to /readyz ok
	CRDs      time.Duration // create to all Established and served
	CRDCount  int
}

// Options configure Launch.
type Options struct {
	BinDir string // holds etcd and kube-apiserver; default BinDir()
	Dir    string // work directory; default a fresh temporary one, removed by Close
}

// readyTimeout bounds each startup wait; a loaded 2-core CI machine is slow.
const readyTimeout = 2 * time.Minute

// Start launches a server for the test, installs the CRDs of CRDDir, and
// stops it when the test ends. It skips (or fails, with
// HUBFLEET_REQUIRE_KUBE=1) when the binaries are missing.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := Require(t)
	crds, err := CRDDir()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Launch(Options{BinDir: bin, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if err := s.InstallCRDs(crds); err != nil {
		t.Fatal(err)
	}
	t.Logf("kube-apiserver %s at %s: etcd ready in %v, apiserver in %v, %d CRDs in %v",
		KubeVersion, s.URL, s.Timings.Etcd.Round(time.Millisecond), s.Timings.APIServer.Round(time.Millisecond),
		s.Timings.CRDCount, s.Timings.CRDs.Round(time.Millisecond))
	return s
}

// Launch starts etcd and kube-apiserver on free loopback ports and waits
// until the API server is ready. A lost race for a port is retried.
func Launch(opts Options) (*Server, error) {
	if opts.BinDir == "" {
		d, err := BinDir()
		if err != nil {
			return nil, err
		}
		opts.BinDir = d
	}
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var s *Server
		s, err = launch(opts)
		if err == nil {
			return s, nil
		}
		if !strings.Contains(err.Error(), "address already in use") {
			break
		}
	}
	return nil, err
}

func launch(opts Options) (s *Server, err error) {
	s = &Server{Dir: opts.Dir, resources: map[string]map[string]resource{}, namespaces: map[string]bool{}}
	if s.Dir == "" {
		if s.Dir, err = os.MkdirTemp("", "hubfleet-kube-"); err != nil {
			return nil, fmt.Errorf("creating a work directory: %w", err)
		}
		s.ownsDir = true
	} else if s.Dir, err = os.MkdirTemp(s.Dir, "kube-"); err != nil {
		return nil, fmt.Errorf("creating a work directory: %w", err)
	}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()

	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	etcdURL := "http://127.0.0.1:" + strconv.Itoa(ports[0])
	peerURL := "http://127.0.0.1:" + strconv.Itoa(ports[1])
	s.URL = "https://127.0.0.1:" + strconv.Itoa(ports[2])

	creds, err := writeCredentials(s.Dir)
	if err != nil {
		return nil, err
	}
	s.token = creds.token
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(creds.certPEM)
	s.client = &http.Client{
		Timeout: time.Minute,
		Transport: &http.Transport{
			TLSClientConfig:     &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
			ForceAttemptHTTP2:   true,
			MaxIdleConnsPerHost: 16,
		},
	}
	if err := s.writeKubeconfig(creds.certPEM); err != nil {
		return nil, err
	}

	start := time.Now()
	s.etcd, err = startProcess("etcd", filepath.Join(opts.BinDir, "etcd"), []string{
		"--name=default",
		"--data-dir=" + filepath.Join(s.Dir, "etcd"),
		"--listen-client-urls=" + etcdURL,
		"--advertise-client-urls=" + etcdURL,
		"--listen-peer-urls=" + peerURL,
		"--initial-advertise-peer-urls=" + peerURL,
		"--initial-cluster=default=" + peerURL,
		"--unsafe-no-fsync", // throwaway data: no need to survive a crash
		"--log-level=warn",
	}, filepath.Join(s.Dir, "etcd.log"))
	if err != nil {
		return nil, err
	}
	if err := waitFor(s.etcd, "to become healthy", func() bool {
		return httpOK(http.DefaultClient, etcdURL+"/health", "")
	}); err != nil {
		return nil, err
	}
	s.Timings.Etcd = time.Since(start)

	start = time.Now()
	s.api, err = startProcess("kube-apiserver", filepath.Join(opts.BinDir, "kube-apiserver"), []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(ports[2]),
		"--endpoint-reconciler-type=none", // required with a loopback advertise address
		"--cert-dir=" + filepath.Join(s.Dir, "certs"),
		"--tls-cert-file=" + creds.certFile,
		"--tls-private-key-file=" + creds.keyFile,
		"--token-auth-file=" + creds.tokenFile,
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file=" + creds.saPubFile,
		"--service-account-signing-key-file=" + creds.saKeyFile,
		"--service-cluster-ip-range=10.0.0.0/24",
		"--allow-privileged=true", // as real clusters do; otherwise privileged pods are refused
		"--profiling=false",
		"--v=0",
	}, filepath.Join(s.Dir, "kube-apiserver.log"))
	if err != nil {
		return nil, err
	}
	if err := waitFor(s.api, "to become ready", func() bool {
		return httpOK(s.client, s.URL+"/readyz", s.token)
	}); err != nil {
		return nil, err
	}
	s.Timings.APIServer = time.Since(start)
	return s, nil
}

// Close stops kube-apiserver, then etcd, by PID, and removes a work
// directory Launch created. It is safe to call more than once.
func (s *Server) Close() {
	s.api.stop(10 * time.Second)
	s.etcd.stop(5 * time.Second)
	if s.client != nil {
		s.client.CloseIdleConnections()
	}
	if s.ownsDir {
		_ = os.RemoveAll(s.Dir)
	}
}

// Version returns the server's gitVersion from /version.
func (s *Server) Version() (string, error) {
	var v struct {
		GitVersion string `json:"gitVersion"`
	}
	if err := s.getJSON("/version", &v); err != nil {
		return "", err
	}
	return v.GitVersion, nil
}

func (s *Server) writeKubeconfig(ca []byte) error {
	s.Kubeconfig = filepath.Join(s.Dir, "kubeconfig")
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: test
  cluster: {server: %q, certificate-authority: %q}
users:
- name: admin
  user: {token: %q}
contexts:
- name: test
  context: {cluster: test, user: admin}
current-context: test
`, s.URL, filepath.Join(s.Dir, "serving.crt"), s.token)
	if err := os.WriteFile(s.Kubeconfig, []byte(cfg), 0o600); err != nil {
		return fmt.Errorf("writing the kubeconfig: %w", err)
	}
	return nil
}

// freePorts asks the kernel for n distinct free loopback ports. Another
// process may take one before the server binds it; Launch retries then.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("finding a free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// waitFor polls ready until it holds, the process exits, or readyTimeout.
func waitFor(p *process, what string, ready func() bool) error {
	deadline := time.Now().Add(readyTimeout)
	for {
		if ready() {
			return nil
		}
		if p.exited() {
			return p.failure("failed " + what)
		}
		if time.Now().After(deadline) {
			return p.failure(fmt.Sprintf("did not %s within %v", strings.TrimPrefix(what, "to "), readyTimeout))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func httpOK(c *http.Client, url, token string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode == http.StatusOK
}

// response is one API answer.
type response struct {
	code     int
	body     []byte
	warnings []string
}

// do sends one request to the API server.
func (s *Server) do(method, path, contentType string, body []byte) (*response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	return &response{code: resp.StatusCode, body: b, warnings: warningTexts(resp.Header.Values("Warning"))}, nil
}

// getJSON GETs path and decodes a 200 answer into v.
func (s *Server) getJSON(path string, v any) error {
	r, err := s.do(http.MethodGet, path, "", nil)
	if err != nil {
		return err
	}
	if r.code != http.StatusOK {
		return fmt.Errorf("GET %s: %w", path, statusError(r))
	}
	if err := jsonUnmarshal(r.body, v); err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	return nil
}

// warningTexts extracts the text of RFC 7234 Warning headers, which the API
// server sends as `299 - "text"`.
func warningTexts(hs []string) []string {
	var out []string
	for _, h := range hs {
		if i := strings.Index(h, `"`); i >= 0 {
			if t, err := strconv.Unquote(h[i:]); err == nil {
				out = append(out, t)
				continue
			}
		}
		out = append(out, h)
	}
	return out
}
