package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// DecodeJSON decodes a JSON object into the value types Object bodies use:
// integers as int64, other numbers as float64 (not encoding/json's float64
// for everything, which would turn 8081 into 8081.0 in arithmetic and
// comparisons).
func DecodeJSON(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if v == nil {
		return nil, fmt.Errorf("not a JSON object")
	}
	return Normalize(v).(map[string]any), nil
}

// Normalize replaces json.Number values, in place, by int64 (or float64
// when fractional) and returns v.
func Normalize(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = Normalize(e)
		}
	case []any:
		for i, e := range t {
			t[i] = Normalize(e)
		}
	case json.Number:
		if n, err := t.Int64(); err == nil {
			return n
		}
		f, _ := t.Float64()
		return f
	}
	return v
}
