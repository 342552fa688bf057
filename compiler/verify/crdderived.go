package verify

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"strings"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// derivedFiles hold what verification needs of each CRD under crds/ (byte
// copies of shared/crds), in JSON: parsing the YAML of the largest (up to
// 690 KB, with every version's schema) was a tenth of a render's
// verification time, spent while other workers waited for it. A test
// derives them from the YAML (go test -run TestDerivedCRDs -update) and
// checks that they give the schemas the YAML gives.
//
//go:embed crds/derived/*.json crds/derived/azure-variants/*.json
var derivedFiles embed.FS

// derivedCRD is a CRD's identity and the apiextensions/v1 OpenAPI schema
// of each served version that has one; a version's schema is parsed only
// when an object of that version is checked.
type derivedCRD struct {
	Name       string                     `json:"name"`
	Group      string                     `json:"group"`
	Kind       string                     `json:"kind"`
	Namespaced bool                       `json:"namespaced"`
	Versions   map[string]json.RawMessage `json:"versions"`
}

// derivedPath is the derived file of a CRD file under crds/.
func derivedPath(file string) string {
	return "crds/derived/" + strings.TrimSuffix(file, ".yaml") + ".json"
}

func readDerived(file string) (*derivedCRD, error) {
	raw, err := derivedFiles.ReadFile(derivedPath(file))
	if err != nil {
		return nil, fmt.Errorf("reading the derived form of %s: %w", file, err)
	}
	var d derivedCRD
	if err := strictJSON(raw, &d); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", derivedPath(file), err)
	}
	return &d, nil
}

// parseSchema converts a version's schema to the internal type the
// API server's validators take.
func parseSchema(raw json.RawMessage) (*apiextensions.JSONSchemaProps, error) {
	var v1 apiextensionsv1.JSONSchemaProps
	if err := strictJSON(raw, &v1); err != nil {
		return nil, fmt.Errorf("parsing the schema: %w", err)
	}
	var props apiextensions.JSONSchemaProps
	if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(&v1, &props, nil); err != nil {
		return nil, fmt.Errorf("converting the schema: %w", err)
	}
	return &props, nil
}

func strictJSON(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
