package model

import (
	"fmt"
	"sort"
	"strings"
)

// Pos is a place in a source file. File is relative to the fleet root
// (for example "hubs/pangeo-aws/staging.yaml"); Line and Col are 1-based, and
// zero when unknown.
type Pos struct {
	File string `json:"file"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"col,omitempty"`
}

func (p Pos) String() string {
	switch {
	case p.File == "":
		return "-"
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Less orders positions by file, line and column.
func (p Pos) Less(q Pos) bool {
	if p.File != q.File {
		return p.File < q.File
	}
	if p.Line != q.Line {
		return p.Line < q.Line
	}
	return p.Col < q.Col
}

// Positions maps a CUE-style field path ("profiles[0].nodePool") to the
// place its value was written. After layering, a value inherited from a
// hubDefaults block points into the fleet or cluster file that wrote it.
type Positions map[string]Pos

// Lookup returns the position of path, or of its nearest ancestor that has
// one, so a diagnostic about a defaulted field still lands near its parent.
// The second result is the path that was found.
func (ps Positions) Lookup(path string) (Pos, string) {
	for p := path; ; {
		if pos, ok := ps[p]; ok {
			return pos, p
		}
		if p == "" {
			return Pos{}, ""
		}
		p = parentPath(p)
	}
}

// Paths returns the recorded paths in sorted order (for tests and debugging).
func (ps Positions) Paths() []string {
	out := make([]string, 0, len(ps))
	for p := range ps {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// parentPath drops the last selector or index of a CUE-style path.
func parentPath(p string) string {
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndexByte(p, '['); i >= 0 {
			return p[:i]
		}
	}
	if i := strings.LastIndexAny(p, ".["); i >= 0 {
		return p[:i]
	}
	return ""
}

// Source says where an entity (cluster, hub) was defined.
type Source struct {
	// File is the defining file relative to the root.
	File string
	// Positions of every field of the effective (layered) value.
	Positions Positions
}

// At returns the position for a field path of this entity, falling back to
// the start of the defining file.
func (s Source) At(path string) Pos {
	if pos, found := s.Positions.Lookup(path); found != "" || pos.File != "" {
		return pos
	}
	return Pos{File: s.File, Line: 1, Col: 1}
}
