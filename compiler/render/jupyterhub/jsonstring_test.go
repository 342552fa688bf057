package jupyterhub

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hubfleet/hubfleet/compiler/fleetgen"
)

// randomJSONText draws strings rich in what JSON escapes: quotes,
// backslashes, control characters, HTML characters, U+2028/U+2029,
// other multi-byte runes, and invalid or truncated UTF-8.
func randomJSONText(rng *rand.Rand) string {
	pieces := []string{
		"a", "Z", " ", "0", "\"", "\\", "/", "<", ">", "&", "\n", "\r", "\t", "\b", "\f", "\x00", "\x1f", "\x7f",
		"\u2028", "\u2029", "é", "日本", "\U0001F600", "\uFFFD", "\xff", "\xc3", "\xe2\x80", "\xed\xa0\x80",
		"{\"k\": [1, 2]}", "\u00a0",
	}
	n := rng.IntN(40)
	var b []byte
	for range n {
		if rng.IntN(4) == 0 {
			b = append(b, byte(rng.IntN(256)))
			continue
		}
		b = append(b, pieces[rng.IntN(len(pieces))]...)
	}
	return string(b)
}

func TestAppendJSONString(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	cases := []string{"", "plain", "<script>&</script>", "\u2028\u2029", "\xff\xfe", "\x00\x01\x1f", "tab\there"}
	for range 20000 {
		cases = append(cases, randomJSONText(rng))
	}
	for _, s := range cases {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Fatalf("appendJSONString(%q) = %s, json.Marshal: %s", s, got, want)
		}
	}
}

func TestAppendJSONFloat(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	cases := []float64{0, math.Copysign(0, -1), 1, -1, 0.5, 1e-6, 9.99e-7, 1e-7, 1e20, 1e21, 1.5e21, 123456789.125,
		math.MaxFloat64, math.SmallestNonzeroFloat64, -1e-9, 1e-100, 0.1 + 0.2}
	for range 20000 {
		f := math.Float64frombits(rng.Uint64())
		if rng.IntN(2) == 0 {
			f = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(60)-30))
		}
		cases = append(cases, f)
	}
	for _, f := range cases {
		want, err := json.Marshal(f)
		got, ok := appendJSONFloat(nil, f)
		if ok != (err == nil) {
			t.Fatalf("appendJSONFloat(%v): ok %v, json.Marshal error %v", f, ok, err)
		}
		if ok && string(got) != string(want) {
			t.Fatalf("appendJSONFloat(%v) = %s, json.Marshal: %s", f, got, want)
		}
	}
}

// The streamed hash is the SHA-256 of json.Marshal(data) for any data,
// the config program's member (escaped once) included.
func TestConfigHashRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	long := make([]byte, 3*hashChunk)
	for i := range long {
		long[i] = "ab\"<\n\x01"[i%6]
	}
	for i := range 3000 {
		data := map[string]string{}
		for range rng.IntN(4) {
			data[randomJSONText(rng)] = randomJSONText(rng)
		}
		switch i % 4 {
		case 0:
			data[configFileKey] = hubConfigPy
			data[settingsFileKey] = randomJSONText(rng)
		case 1:
			data[settingsFileKey] = string(long) + randomJSONText(rng)
		case 2:
			data[configFileKey] = hubConfigPy + randomJSONText(rng)
		}
		b, err := json.Marshal(data)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if got := configHash(data); got != hex.EncodeToString(sum[:]) {
			t.Fatalf("configHash(%q) = %s; want %x", data, got, sum)
		}
	}
}

func BenchmarkConfigHash(b *testing.B) {
	rs := fleetRenderers(b, fleetgen.GenerateAllOptions())
	s, err := rs[0].settingsJSON()
	if err != nil {
		b.Fatal(err)
	}
	data := map[string]string{configFileKey: hubConfigPy, settingsFileKey: s}
	b.SetBytes(int64(len(s) + len(hubConfigPy)))
	for b.Loop() {
		configHash(data)
	}
}
