package check

import (
	"strings"
	"testing"
)

func TestBaselineIsClean(t *testing.T) {
	f := loadFleet(t, baseline)
	if got := Check(f); len(got) != 0 {
		t.Fatalf("baseline fleet has diagnostics:\n%s", strings.Join(lines(got), "\n"))
	}
}

func TestNilAndEmpty(t *testing.T) {
	if got := Check(nil); got != nil {
		t.Errorf("Check(nil) = %v", got)
	}
	f := loadFleet(t, baseline)
	f.Clusters = append(f.Clusters, nil)
	f.Clusters[0].Hubs = append(f.Clusters[0].Hubs, nil)
	if got := Check(f); len(got) != 0 {
		t.Errorf("nil entries produced diagnostics: %v", lines(got))
	}
}
