package diag

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hubfleet/hubfleet/compiler/model"
)

func sample() List {
	var l List
	l.Errorf(model.Pos{File: "hubs/b/x.yaml", Line: 3, Col: 5}, "domain", "duplicate domain").WithHint("also at %s", "hubs/a/y.yaml:2:9")
	l.Warnf(model.Pos{File: "hubs/a/y.yaml", Line: 10, Col: 1}, "nodePools[0].min", "Karpenter keeps no minimum")
	l.Errorf(model.Pos{File: "hubs/a/y.yaml", Line: 2, Col: 9}, "domain", "duplicate domain")
	l.Errorf(model.Pos{File: "hubs/a/y.yaml", Line: 2, Col: 9}, "domain", "duplicate domain") // same problem twice
	return l
}

func TestSortOrdersByPositionAndDropsDuplicates(t *testing.T) {
	l := sample()
	l.Sort()
	var got []string
	for _, d := range l {
		got = append(got, d.Pos.String())
	}
	want := "hubs/a/y.yaml:2:9 hubs/a/y.yaml:10:1 hubs/b/x.yaml:3:5"
	if strings.Join(got, " ") != want {
		t.Fatalf("order = %v, want %s", got, want)
	}
	if l.Errors() != 2 || !l.HasErrors() {
		t.Fatalf("errors = %d", l.Errors())
	}
}

func TestTextFormat(t *testing.T) {
	l := sample()
	l.Sort()
	var b bytes.Buffer
	if err := Write(&b, l, FormatText); err != nil {
		t.Fatal(err)
	}
	want := "hubs/a/y.yaml:2:9: domain: duplicate domain\n" +
		"hubs/a/y.yaml:10:1: warning: nodePools[0].min: Karpenter keeps no minimum\n" +
		"hubs/b/x.yaml:3:5: domain: duplicate domain\n\thint: also at hubs/a/y.yaml:2:9\n" +
		"2 errors\n"
	if b.String() != want {
		t.Fatalf("text =\n%s\nwant\n%s", b.String(), want)
	}
}

func TestGitHubFormatEscapes(t *testing.T) {
	var l List
	l.Errorf(model.Pos{File: "hubs/a,b.yaml", Line: 4, Col: 2}, "auth", "100%% open\nreally").WithHint("set x: y")
	var b bytes.Buffer
	if err := Write(&b, l, FormatGitHub); err != nil {
		t.Fatal(err)
	}
	want := "::error file=hubs/a%2Cb.yaml,line=4,col=2,title=auth::auth: 100%25 open%0Areally%0Ahint: set x: y\n"
	if b.String() != want {
		t.Fatalf("github =\n%q\nwant\n%q", b.String(), want)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	l := sample()
	var b bytes.Buffer
	if err := Write(&b, l, FormatJSON); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"severity": "warning"`) {
		t.Fatalf("severity not readable: %s", b.String())
	}
	var back List
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if len(back) != len(l) || back[1] != l[1] || back[0].Hint != l[0].Hint {
		t.Fatalf("round trip lost data: %+v", back)
	}
	if err := json.Unmarshal([]byte(`[{"severity":"fatal"}]`), &back); err == nil {
		t.Fatal("unknown severity accepted")
	}
}

func TestPositionsLookupFallsBackToAncestors(t *testing.T) {
	src := model.Source{File: "hubs/a/h.yaml", Positions: model.Positions{
		"profiles":    {File: "hubs/fleet.yaml", Line: 7, Col: 3},
		"profiles[0]": {File: "hubs/a/h.yaml", Line: 12, Col: 5},
	}}
	if got := src.At("profiles[0].cpu.limit").String(); got != "hubs/a/h.yaml:12:5" {
		t.Fatalf("At = %s", got)
	}
	if got := src.At("profiles[3]").String(); got != "hubs/fleet.yaml:7:3" {
		t.Fatalf("At = %s", got)
	}
	if got := src.At("domain").String(); got != "hubs/a/h.yaml:1:1" {
		t.Fatalf("At = %s", got)
	}
}
