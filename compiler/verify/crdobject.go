package verify

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"sync"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	crdvalidation "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// crdResults caches CRD validation by content: every cluster renders the
// same few CRDs, and validating one compiles all its CEL rules.
var crdResults sync.Map // [sha256.Size]byte → field.ErrorList

// checkCRD runs the API server's create validation on a rendered
// CustomResourceDefinition (structural schema, CEL compilation and cost,
// names, versions), after the defaults the API server would apply.
func checkCRD(c *collector, crd *apiextensionsv1.CustomResourceDefinition) {
	raw, err := json.Marshal(crd)
	if err != nil {
		c.add("", "encoding the CRD: "+err.Error())
		return
	}
	key := sha256.Sum256(raw)
	if v, ok := crdResults.Load(key); ok {
		c.addField(v.(field.ErrorList))
		return
	}
	v1 := crd.DeepCopy()
	apiextensionsv1.SetObjectDefaults_CustomResourceDefinition(v1)
	var internal apiextensions.CustomResourceDefinition
	if err := apiextensionsv1.Convert_v1_CustomResourceDefinition_To_apiextensions_CustomResourceDefinition(v1, &internal, nil); err != nil {
		c.add("", "converting the CRD: "+err.Error())
		return
	}
	errs := crdvalidation.ValidateCustomResourceDefinition(context.Background(), &internal)
	crdResults.Store(key, errs)
	c.addField(errs)
}
