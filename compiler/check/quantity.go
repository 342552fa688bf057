package check

import (
	"fmt"
	"math"
	"strconv"

	"k8s.io/apimachinery/pkg/api/resource"
)

// memoryBytes parses a Kubernetes memory quantity ("4G", "512Mi").
func memoryBytes(s string) (int64, error) {
	q, err := resource.ParseQuantity(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a Kubernetes quantity (e.g. 4G, 512Mi)", s)
	}
	if q.Sign() < 0 {
		return 0, fmt.Errorf("%q is negative", s)
	}
	return q.Value(), nil
}

// millicores converts cores to millicores, rounding up as the API server
// does for requests finer than 1m.
func millicores(cores float64) int64 {
	if cores <= 0 || math.IsNaN(cores) || math.IsInf(cores, 0) {
		return 0
	}
	return int64(math.Ceil(math.Round(cores*1e6) / 1e3))
}

// formatCores renders millicores as cores ("3.92").
func formatCores(m int64) string {
	return strconv.FormatFloat(float64(m)/1000, 'f', -1, 64)
}

// formatBytes renders bytes as GiB with one decimal ("29.6 GiB").
func formatBytes(b int64) string {
	return strconv.FormatFloat(float64(b)/(1<<30), 'f', 1, 64) + " GiB"
}
