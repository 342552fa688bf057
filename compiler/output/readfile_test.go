package output

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSameBytes: only a file holding exactly the wanted bytes is the same;
// a longer file with the wanted prefix, a shorter one and one of equal
// length with other bytes are not.
func TestSameBytes(t *testing.T) {
	dir := t.TempDir()
	big := strings.Repeat("abcdefgh", 40000) // past the pool's 64 KiB buffer
	for _, c := range []struct {
		name, disk, want string
		same             bool
	}{
		{"equal", "kind: A\n", "kind: A\n", true},
		{"empty", "", "", true},
		{"longer", "kind: A\nmore\n", "kind: A\n", false},
		{"shorter", "kind: A", "kind: A\n", false},
		{"other bytes", "kind: B\n", "kind: A\n", false},
		{"empty file", "", "kind: A\n", false},
		{"big equal", big, big, true},
		{"big longer", big + "x", big, false},
		{"big differs at the end", big[:len(big)-1] + "x", big, false},
	} {
		p := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-"))
		if err := os.WriteFile(p, []byte(c.disk), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := sameBytes(p, []byte(c.want))
		if err != nil || got != c.same {
			t.Errorf("%s: sameBytes = %v, %v; want %v", c.name, got, err, c.same)
		}
	}
	// A file removed since the directory was listed is not the same, and
	// no error: it is written anew.
	if same, err := sameBytes(filepath.Join(dir, "missing"), []byte("x")); same || err != nil {
		t.Errorf("missing file: sameBytes = %v, %v; want false, nil", same, err)
	}
}
