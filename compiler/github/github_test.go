package github

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/hubfleet/hubfleet/compiler/diag"
	"github.com/hubfleet/hubfleet/compiler/model"
)

// fakeGitHub answers the few REST endpoints hubfleet uses the way
// api.github.com does: JSON bodies, Link-header pagination, 422 for bodies
// over the limit and for more than 50 annotations, 401 without a token.
type fakeGitHub struct {
	mu       sync.Mutex
	nextID   int64
	comments map[int][]map[string]any // PR number → comments
	checks   map[int64]map[string]any
	requests []string
	perPage  int // page size the server enforces (GitHub's max is 100)
}

func newFake(t *testing.T) (*fakeGitHub, *httptest.Server) {
	f := &fakeGitHub{nextID: 1000, comments: map[int][]map[string]any{}, checks: map[int64]map[string]any{}, perPage: 100}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeGitHub) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		writeJSON(w, 401, map[string]any{"message": "Requires authentication"})
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	// repos/{owner}/{repo}/...
	if len(parts) < 4 || parts[0] != "repos" || parts[1] != "octo" || parts[2] != "fleet" {
		writeJSON(w, 404, map[string]any{"message": "Not Found"})
		return
	}
	rest := parts[3:]
	var body map[string]any
	if r.Body != nil && (r.Method == "POST" || r.Method == "PATCH") {
		_ = json.NewDecoder(r.Body).Decode(&body)
	}
	switch {
	case len(rest) == 3 && rest[0] == "issues" && rest[2] == "comments" && r.Method == "GET":
		pr, _ := strconv.Atoi(rest[1])
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if page == 0 {
			page = 1
		}
		per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
		if per == 0 || per > f.perPage {
			per = f.perPage
		}
		all := f.comments[pr]
		lo, hi := (page-1)*per, page*per
		if lo > len(all) {
			lo = len(all)
		}
		if hi > len(all) {
			hi = len(all)
		}
		if hi < len(all) {
			next := *r.URL
			q := next.Query()
			q.Set("page", strconv.Itoa(page+1))
			next.RawQuery = q.Encode()
			w.Header().Set("Link", fmt.Sprintf(`<http://%s%s>; rel="next"`, r.Host, next.RequestURI()))
		}
		writeJSON(w, 200, all[lo:hi])
	case len(rest) == 3 && rest[0] == "issues" && rest[2] == "comments" && r.Method == "POST":
		pr, _ := strconv.Atoi(rest[1])
		text, _ := body["body"].(string)
		if utf8.RuneCountInString(text) > MaxCommentChars {
			writeJSON(w, 422, map[string]any{"message": "Validation Failed",
				"errors": []any{map[string]any{"resource": "IssueComment", "code": "custom", "field": "body",
					"message": "body is too long (maximum is 65536 characters)"}}})
			return
		}
		f.nextID++
		cm := map[string]any{"id": f.nextID, "body": text, "user": map[string]any{"login": "github-actions[bot]", "type": "Bot"}}
		f.comments[pr] = append(f.comments[pr], cm)
		writeJSON(w, 201, cm)
	case len(rest) == 3 && rest[0] == "issues" && rest[1] == "comments" && r.Method == "PATCH":
		id, _ := strconv.ParseInt(rest[2], 10, 64)
		text, _ := body["body"].(string)
		if utf8.RuneCountInString(text) > MaxCommentChars {
			writeJSON(w, 422, map[string]any{"message": "Validation Failed"})
			return
		}
		for _, cms := range f.comments {
			for _, cm := range cms {
				if cm["id"] == id {
					cm["body"] = text
					writeJSON(w, 200, cm)
					return
				}
			}
		}
		writeJSON(w, 404, map[string]any{"message": "Not Found"})
	case len(rest) == 1 && rest[0] == "check-runs" && r.Method == "POST",
		len(rest) == 2 && rest[0] == "check-runs" && r.Method == "PATCH":
		if out, ok := body["output"].(map[string]any); ok {
			if anns, _ := out["annotations"].([]any); len(anns) > MaxAnnotationsPerRequest {
				writeJSON(w, 422, map[string]any{"message": "Only 50 annotations are allowed per request"})
				return
			}
		}
		var id int64
		if r.Method == "POST" {
			f.nextID++
			id = f.nextID
			f.checks[id] = map[string]any{"id": id, "annotations": 0}
		} else {
			id, _ = strconv.ParseInt(rest[1], 10, 64)
		}
		run := f.checks[id]
		if run == nil {
			writeJSON(w, 404, map[string]any{"message": "Not Found"})
			return
		}
		for k, v := range body {
			if k != "output" {
				run[k] = v
			}
		}
		if out, ok := body["output"].(map[string]any); ok {
			anns, _ := out["annotations"].([]any)
			run["annotations"] = run["annotations"].(int) + len(anns)
			run["title"] = out["title"]
		}
		writeJSON(w, map[bool]int{true: 201, false: 200}[r.Method == "POST"], map[string]any{"id": id})
	default:
		writeJSON(w, 404, map[string]any{"message": "Not Found"})
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func TestStickyCommentCreatedThenUpdatedInPlace(t *testing.T) {
	f, srv := newFake(t)
	// Other people's comments first, over more than one page.
	f.perPage = 2
	for i := 0; i < 5; i++ {
		f.comments[7] = append(f.comments[7], map[string]any{"id": int64(i + 1), "body": fmt.Sprintf("lgtm %d", i)})
	}
	c, err := New("t0ken", srv.URL, "octo/fleet")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	id1, created, err := c.UpsertComment(ctx, 7, "first report")
	if err != nil || !created {
		t.Fatalf("first upsert: id=%d created=%v err=%v", id1, created, err)
	}
	id2, created, err := c.UpsertComment(ctx, 7, "second report")
	if err != nil || created {
		t.Fatalf("second upsert: created=%v err=%v", created, err)
	}
	if id1 != id2 {
		t.Fatalf("comment not updated in place: %d then %d", id1, id2)
	}
	if n := len(f.comments[7]); n != 6 {
		t.Fatalf("PR has %d comments, want 6 (5 others + 1 sticky)", n)
	}
	last := f.comments[7][5]["body"].(string)
	if !strings.HasPrefix(last, Marker+"\n") || !strings.Contains(last, "second report") || strings.Contains(last, "first report") {
		t.Fatalf("sticky comment body = %q", last)
	}
	// The marker was found on the third page: pagination was followed.
	pages := 0
	for _, r := range f.requests {
		if r == "GET /repos/octo/fleet/issues/7/comments" {
			pages++
		}
	}
	if pages < 3*2 {
		t.Fatalf("expected paginated listing (3 pages per upsert), saw %d list requests", pages)
	}
}

func TestLongBodyIsCutSensibly(t *testing.T) {
	f, srv := newFake(t)
	c, err := New("t0ken", srv.URL, "octo/fleet")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("summary line\n```diff\n")
	for b.Len() < 3*MaxCommentChars {
		b.WriteString("+  image: pangeo/pangeo-notebook:2024.11.08 ✓\n")
	}
	if _, _, err := c.UpsertComment(context.Background(), 1, b.String()); err != nil {
		t.Fatalf("a long body must be cut, not rejected: %v", err)
	}
	got := f.comments[1][0]["body"].(string)
	if n := utf8.RuneCountInString(got); n > MaxCommentChars {
		t.Fatalf("body has %d characters", n)
	}
	if !strings.Contains(got, "summary line") || !strings.Contains(got, "cut to fit") {
		t.Fatalf("cut body lost its head or its note")
	}
	if strings.Count(got, "```")%2 != 0 {
		t.Fatalf("cut body leaves a code fence open")
	}
	for _, l := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
		if strings.HasPrefix(l, "+") && !strings.HasSuffix(l, "✓") {
			t.Fatalf("cut in the middle of a line: %q", l)
		}
	}
}

func TestAnnotationsAreBatched(t *testing.T) {
	f, srv := newFake(t)
	c, err := New("t0ken", srv.URL, "octo/fleet")
	if err != nil {
		t.Fatal(err)
	}
	var ds diag.List
	for i := 1; i <= 120; i++ {
		ds.Errorf(model.Pos{File: "hubs/aws/staging.yaml", Line: i, Col: 3}, "profiles[0].cpu", "problem %d", i)
	}
	ds.Errorf(model.Pos{}, "", "no position: not annotated")
	res, err := c.ReportCheck(context.Background(), "abc123", "hubfleet validate", ds)
	if err != nil {
		t.Fatal(err)
	}
	if res.Annotations != 120 || res.Requests != 3 || res.Conclusion != "failure" {
		t.Fatalf("result = %+v, want 120 annotations in 3 requests, failure", res)
	}
	run := f.checks[res.ID]
	if run["annotations"].(int) != 120 || run["head_sha"] != "abc123" {
		t.Fatalf("server saw %+v", run)
	}
}

func TestUnauthenticatedIsAnError(t *testing.T) {
	_, srv := newFake(t)
	if _, err := New("", srv.URL, "octo/fleet"); err == nil {
		t.Fatal("missing token accepted")
	}
	if _, err := New("x", srv.URL, "octo"); err == nil {
		t.Fatal("bad --repo accepted")
	}
}
