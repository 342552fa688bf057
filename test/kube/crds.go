package kube

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

// NodePoolBuild is one of the two builds of the karpenter.sh NodePool CRD;
// they share a name, so a server holds one at a time.
type NodePoolBuild string

const (
	NodePoolAWS   NodePoolBuild = "aws"   // crds/karpenter.sh_nodepools.yaml
	NodePoolAzure NodePoolBuild = "azure" // crds/azure-variants/karpenter.sh_nodepools.yaml
)

const (
	crdPath         = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
	nodePoolCRD     = "nodepools.karpenter.sh"
	nodePoolFile    = "karpenter.sh_nodepools.yaml"
	agentPoolCRD    = "managedclustersagentpools.containerservice.azure.com"
	crdWorkers      = 4
	establishPoll   = 50 * time.Millisecond
	establishTimout = time.Minute
)

// InstallCRDs creates every CRD of dir/*.yaml (the AWS NodePool build; the
// Azure one waits in dir/azure-variants) and waits until all are served.
// CRDs are created, not client-side applied: some exceed the 256 KiB
// annotation limit. The ASO agent-pool CRD gets conversion strategy None,
// since no conversion webhook runs here.
func (s *Server) InstallCRDs(dir string) error {
	start := time.Now()
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return fmt.Errorf("listing CRDs: %w", err)
	}
	if len(files) == 0 {
		return fmt.Errorf("no CRDs in %s", dir)
	}
	sort.Strings(files)
	errs := make([]error, len(files))
	next := make(chan int)
	done := make(chan struct{})
	for range crdWorkers {
		go func() {
			for i := range next {
				errs[i] = s.createCRD(files[i])
			}
			done <- struct{}{}
		}()
	}
	for i := range files {
		next <- i
	}
	close(next)
	for range crdWorkers {
		<-done
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	s.swap.Lock()
	s.crdDir, s.nodePool = dir, NodePoolAWS
	s.swap.Unlock()
	s.Timings.CRDs = time.Since(start)
	s.Timings.CRDCount = len(files)
	return nil
}

// NodePoolBuild reports which NodePool CRD build is installed ("" before InstallCRDs).
func (s *Server) NodePoolBuild() NodePoolBuild {
	s.swap.RLock()
	defer s.swap.RUnlock()
	return s.nodePool
}

// UseNodePoolBuild replaces the installed karpenter.sh NodePool CRD with the
// given build (delete, wait until gone, create, wait until served). Dry-runs
// wait meanwhile.
func (s *Server) UseNodePoolBuild(b NodePoolBuild) error {
	s.swap.Lock()
	defer s.swap.Unlock()
	if s.crdDir == "" {
		return fmt.Errorf("switching the NodePool CRD: InstallCRDs has not run")
	}
	if s.nodePool == b {
		return nil
	}
	var file string
	switch b {
	case NodePoolAWS:
		file = filepath.Join(s.crdDir, nodePoolFile)
	case NodePoolAzure:
		file = filepath.Join(s.crdDir, "azure-variants", nodePoolFile)
	default:
		return fmt.Errorf("switching the NodePool CRD: unknown build %q", b)
	}
	r, err := s.do(http.MethodDelete, crdPath+"/"+nodePoolCRD, "", nil)
	if err != nil {
		return err
	}
	if r.code != http.StatusOK && r.code != http.StatusAccepted && r.code != http.StatusNotFound {
		return fmt.Errorf("deleting CRD %s: %w", nodePoolCRD, statusError(r))
	}
	if err := s.poll("CRD "+nodePoolCRD+" to be deleted", func() (bool, error) {
		r, err := s.do(http.MethodGet, crdPath+"/"+nodePoolCRD, "", nil)
		if err != nil {
			return false, err
		}
		return r.code == http.StatusNotFound, nil
	}); err != nil {
		return err
	}
	s.forgetResources("karpenter.sh")
	s.nodePool = ""
	if err := s.createCRD(file); err != nil {
		return err
	}
	s.nodePool = b
	return nil
}

// createCRD creates the CRD in file and waits until it is established and
// every served version is in discovery.
func (s *Server) createCRD(file string) error {
	crd, body, err := readCRD(file)
	if err != nil {
		return err
	}
	r, err := s.do(http.MethodPost, crdPath+"?fieldManager="+fieldManager, "application/json", body)
	if err != nil {
		return err
	}
	if r.code != http.StatusCreated {
		return fmt.Errorf("creating CRD %s from %s: %w", crd.Name, file, statusError(r))
	}
	if err := s.poll("CRD "+crd.Name+" to be established", func() (bool, error) {
		var cur apiextensionsv1.CustomResourceDefinition
		if err := s.getJSON(crdPath+"/"+crd.Name, &cur); err != nil {
			return false, err
		}
		for _, c := range cur.Status.Conditions {
			if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	}); err != nil {
		return err
	}
	// Discovery is updated asynchronously after Established.
	for _, v := range crd.Spec.Versions {
		if !v.Served {
			continue
		}
		gv := crd.Spec.Group + "/" + v.Name
		if err := s.poll(gv+" "+crd.Spec.Names.Plural+" to be served", func() (bool, error) {
			var list struct {
				Resources []struct {
					Name string `json:"name"`
				} `json:"resources"`
			}
			r, err := s.do(http.MethodGet, gvPath(gv), "", nil)
			if err != nil || r.code != http.StatusOK {
				return false, err
			}
			if err := jsonUnmarshal(r.body, &list); err != nil {
				return false, err
			}
			for _, res := range list.Resources {
				if res.Name == crd.Spec.Names.Plural {
					return true, nil
				}
			}
			return false, nil
		}); err != nil {
			return err
		}
	}
	return nil
}

// readCRD loads a CRD file as JSON, adjusted for installation here.
func readCRD(file string) (*apiextensionsv1.CustomResourceDefinition, []byte, error) {
	y, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, fmt.Errorf("reading CRD: %w", err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(y, &crd); err != nil {
		return nil, nil, fmt.Errorf("decoding CRD %s: %w", file, err)
	}
	if crd.Kind != "CustomResourceDefinition" || !strings.HasPrefix(crd.APIVersion, "apiextensions.k8s.io/") {
		return nil, nil, fmt.Errorf("%s is a %s %s, not a CustomResourceDefinition", file, crd.APIVersion, crd.Kind)
	}
	if crd.Name == agentPoolCRD {
		// Its conversion webhook (ASO) does not run here; with None the server
		// only relabels apiVersion, and each version is validated by its own schema.
		crd.Spec.Conversion = &apiextensionsv1.CustomResourceConversion{Strategy: apiextensionsv1.NoneConverter}
	}
	body, err := json.Marshal(&crd)
	if err != nil {
		return nil, nil, fmt.Errorf("encoding CRD %s: %w", crd.Name, err)
	}
	return &crd, body, nil
}

// poll calls cond until it returns true, an error, or establishTimout passes.
func (s *Server) poll(what string, cond func() (bool, error)) error {
	deadline := time.Now().Add(establishTimout)
	for {
		ok, err := cond()
		if err != nil {
			return fmt.Errorf("waiting for %s: %w", what, err)
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("waiting for %s: timed out after %v", what, establishTimout)
		}
		time.Sleep(establishPoll)
	}
}
