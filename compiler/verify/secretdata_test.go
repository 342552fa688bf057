package verify

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hubfleet/hubfleet/compiler/manifest"
)

// NoSecretData reads a typed Secret without building its map when it has
// no values, and reports what the map would show otherwise.
func TestNoSecretDataTyped(t *testing.T) {
	for _, c := range []struct {
		secret *corev1.Secret
		errors int
	}{
		{&corev1.Secret{}, 0},
		{&corev1.Secret{Data: map[string][]byte{}, StringData: map[string]string{}}, 0},
		{&corev1.Secret{Data: map[string][]byte{"k": []byte("v")}}, 1},
		{&corev1.Secret{StringData: map[string]string{"k": "v"}}, 1},
		{&corev1.Secret{Data: map[string][]byte{"k": []byte("v")}, StringData: map[string]string{"k": "v"}}, 2},
		{&corev1.Secret{Data: map[string][]byte{"k": {}}}, -1}, // as the map says
		{&corev1.Secret{Data: map[string][]byte{"k": nil}}, -1},
		{&corev1.Secret{StringData: map[string]string{"k": ""}}, -1},
	} {
		s := c.secret
		s.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"}
		s.ObjectMeta = metav1.ObjectMeta{Name: "s", Namespace: "ns"}
		o, err := manifest.New("hub.yaml", s)
		if err != nil {
			t.Fatal(err)
		}
		if !o.Lazy() {
			t.Fatal("manifest.New made an eager Secret: the test needs a lazy one")
		}
		got := NoSecretData([]*manifest.Object{o})
		asMap := &manifest.Object{Source: o.Source, Body: manifest.MustNew("hub.yaml", s.DeepCopy()).Map()}
		want := NoSecretData([]*manifest.Object{asMap})
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%+v: typed %v, as a map %v", s, got, want)
		}
		if c.errors >= 0 && len(got) != c.errors {
			t.Errorf("%+v: %d errors, want %d: %v", s, len(got), c.errors, got)
		}
		if c.errors == 0 && o.Materialized() {
			t.Errorf("%+v: the map of a Secret without values was built", s)
		}
	}
}
