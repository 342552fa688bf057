package kube

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// fieldManager names the harness in managedFields of what it writes.
const fieldManager = "hubfleet-test"

// dryRunQuery makes a write validate fully without persisting anything.
const dryRunQuery = "?dryRun=All&fieldValidation=Strict"

// RejectedError is the API server refusing an object (or the harness, for
// the few checks it makes itself: Code 0).
type RejectedError struct {
	Code    int    // HTTP status
	Reason  string // metav1.StatusReason, e.g. "Invalid", "BadRequest"
	Message string // the server's message, verbatim
}

func (e *RejectedError) Error() string { return e.Message }

// statusError turns a non-success answer into a RejectedError carrying the
// server's metav1.Status message.
func statusError(r *response) *RejectedError {
	var st metav1.Status
	if err := json.Unmarshal(r.body, &st); err == nil && st.Message != "" {
		return &RejectedError{Code: r.code, Reason: string(st.Reason), Message: st.Message}
	}
	return &RejectedError{Code: r.code, Message: fmt.Sprintf("HTTP %d: %s", r.code, bytes.TrimSpace(r.body))}
}

func jsonUnmarshal(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decoding JSON: %w", err)
	}
	return nil
}

// resource is what discovery says about one kind.
type resource struct {
	name       string // plural, the URL segment
	namespaced bool
}

// gvPath is the discovery path of an apiVersion: /api/v1 or /apis/GROUP/VERSION.
func gvPath(apiVersion string) string {
	if !strings.Contains(apiVersion, "/") {
		return "/api/" + apiVersion
	}
	return "/apis/" + apiVersion
}

// resourceFor looks the kind up in discovery; answers are cached per
// apiVersion, misses are not (a CRD may be established meanwhile).
func (s *Server) resourceFor(apiVersion, kind string) (resource, error) {
	s.mu.Lock()
	kinds, ok := s.resources[apiVersion]
	s.mu.Unlock()
	if !ok {
		r, err := s.do(http.MethodGet, gvPath(apiVersion), "", nil)
		if err != nil {
			return resource{}, err
		}
		if r.code == http.StatusNotFound {
			return resource{}, &RejectedError{Code: r.code, Reason: "NotFound",
				Message: fmt.Sprintf("the server does not serve apiVersion %q", apiVersion)}
		}
		if r.code != http.StatusOK {
			return resource{}, fmt.Errorf("discovery of %s: %w", apiVersion, statusError(r))
		}
		var list metav1.APIResourceList
		if err := jsonUnmarshal(r.body, &list); err != nil {
			return resource{}, fmt.Errorf("discovery of %s: %w", apiVersion, err)
		}
		kinds = map[string]resource{}
		for _, ar := range list.APIResources {
			if !strings.Contains(ar.Name, "/") { // skip subresources
				kinds[ar.Kind] = resource{name: ar.Name, namespaced: ar.Namespaced}
			}
		}
		s.mu.Lock()
		s.resources[apiVersion] = kinds
		s.mu.Unlock()
	}
	res, ok := kinds[kind]
	if !ok {
		return resource{}, &RejectedError{Code: http.StatusNotFound, Reason: "NotFound",
			Message: fmt.Sprintf("apiVersion %q has no kind %q", apiVersion, kind)}
	}
	return res, nil
}

// forgetResources drops cached discovery answers for a group.
func (s *Server) forgetResources(group string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for gv := range s.resources {
		if strings.HasPrefix(gv, group+"/") {
			delete(s.resources, gv)
		}
	}
}

// EnsureNamespace creates the namespace for real (a dry-run one would not
// exist for the objects in it); one that exists already is fine.
func (s *Server) EnsureNamespace(name string) error {
	s.nsMu.Lock()
	defer s.nsMu.Unlock()
	if s.namespaces[name] {
		return nil
	}
	body, err := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": name}})
	if err != nil {
		return fmt.Errorf("encoding namespace %s: %w", name, err)
	}
	r, err := s.do(http.MethodPost, "/api/v1/namespaces?fieldManager="+fieldManager, "application/json", body)
	if err != nil {
		return err
	}
	if r.code != http.StatusCreated && r.code != http.StatusConflict {
		return fmt.Errorf("creating namespace %s: %w", name, statusError(r))
	}
	s.namespaces[name] = true
	return nil
}

// meta is the identity of an object.
type meta struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name         string `json:"name"`
		GenerateName string `json:"generateName"`
		Namespace    string `json:"namespace"`
	} `json:"metadata"`
}

// DryRun submits obj for creation with dryRun=All and strict field
// validation, and returns the server's rejection, if any, as a *RejectedError.
func (s *Server) DryRun(obj map[string]any) error {
	raw, err := json.Marshal(obj)
	if err != nil {
		return fmt.Errorf("encoding the object: %w", err)
	}
	_, err = s.DryRunJSON(raw)
	return err
}

// DryRunJSON is DryRun for an object already encoded as JSON; it also
// returns the warnings the server sent (deprecations and the like).
//
// The object is created (POST). If one of that name exists for real — a
// namespace or CRD the harness made — it is replaced (PUT) instead, so the
// rendered version is still validated in full.
func (s *Server) DryRunJSON(raw []byte) (warnings []string, err error) {
	var m meta
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("decoding the object: %w", err)
	}
	if m.APIVersion == "" || m.Kind == "" {
		return nil, &RejectedError{Reason: "BadRequest", Message: "harness: object has no apiVersion or kind"}
	}

	s.swap.RLock()
	defer s.swap.RUnlock()

	res, err := s.resourceFor(m.APIVersion, m.Kind)
	if err != nil {
		return nil, err
	}
	collection := gvPath(m.APIVersion)
	if res.namespaced {
		ns := m.Metadata.Namespace
		if ns == "" {
			ns = "default"
		}
		if err := s.EnsureNamespace(ns); err != nil {
			return nil, err
		}
		collection += "/namespaces/" + url.PathEscape(ns)
	} else if m.Metadata.Namespace != "" {
		// The server would silently drop it; a renderer that writes it is confused.
		return nil, &RejectedError{Reason: "BadRequest", Message: fmt.Sprintf(
			"harness: %s is cluster-scoped but has metadata.namespace %q", m.Kind, m.Metadata.Namespace)}
	}
	collection += "/" + res.name

	r, err := s.do(http.MethodPost, collection+dryRunQuery+"&fieldManager="+fieldManager, "application/json", raw)
	if err != nil {
		return nil, err
	}
	if r.code == http.StatusConflict && m.Metadata.Name != "" && reasonOf(r) == metav1.StatusReasonAlreadyExists {
		r, err = s.replaceDryRun(collection+"/"+url.PathEscape(m.Metadata.Name), raw)
		if err != nil {
			return nil, err
		}
	}
	if r.code != http.StatusOK && r.code != http.StatusCreated {
		return r.warnings, statusError(r)
	}
	return r.warnings, nil
}

// replaceDryRun PUTs raw over the existing object at path, carrying its
// resourceVersion as an update must.
func (s *Server) replaceDryRun(path string, raw []byte) (*response, error) {
	var cur struct {
		Metadata struct {
			ResourceVersion string `json:"resourceVersion"`
		} `json:"metadata"`
	}
	if err := s.getJSON(path, &cur); err != nil {
		return nil, err
	}
	var obj map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // keep integers exact on the way back out
	if err := dec.Decode(&obj); err != nil {
		return nil, fmt.Errorf("decoding the object: %w", err)
	}
	md, _ := obj["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
		obj["metadata"] = md
	}
	md["resourceVersion"] = cur.Metadata.ResourceVersion
	body, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encoding the object: %w", err)
	}
	return s.do(http.MethodPut, path+dryRunQuery+"&fieldManager="+fieldManager, "application/json", body)
}

func reasonOf(r *response) metav1.StatusReason {
	var st metav1.Status
	if json.Unmarshal(r.body, &st) != nil {
		return ""
	}
	return st.Reason
}
