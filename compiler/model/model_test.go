package model

import (
	"regexp"
	"testing"
)

func TestFullNameAndAzureName(t *testing.T) {
	aks := regexp.MustCompile(`^[a-z][a-z0-9]{0,11}$`)
	seen := map[string]string{}
	for _, p := range []NodePool{
		{Name: "core", Purpose: PurposeCore},
		{Name: "user-r5-xlarge", Purpose: PurposeUser},
		{Name: "user-r5-xlarge", Purpose: PurposeUser, Generation: "b"},
		{Name: "user-r5-xlarge", Purpose: PurposeUser, Hub: "staging"},
		{Name: "dask", Purpose: PurposeDaskWorker, Hub: "a-forty-character-hub-name-xxxxxxxxxxxxx", Generation: "c"},
		{Name: "9-odd--name"},
	} {
		full := p.FullName()
		az := p.AzureName()
		if !aks.MatchString(az) {
			t.Errorf("%s: azure name %q is not a valid AKS pool name", full, az)
		}
		if p.AzureName() != az {
			t.Errorf("%s: azure name not deterministic", full)
		}
		if other, dup := seen[az]; dup {
			t.Errorf("%s and %s share azure name %s", full, other, az)
		}
		seen[az] = full
	}
	p := NodePool{Name: "user", Hub: "lab", Generation: "b"}
	if got := p.FullName(); got != "lab-user-b" {
		t.Errorf("FullName = %s", got)
	}
}

func TestPoolLookupPrefersTheHubsOwn(t *testing.T) {
	h := &Hub{Name: "lab", NodePools: []NodePool{{Name: "user", Hub: "lab", InstanceTypes: []string{"m5.xlarge"}}}}
	c := &Cluster{Name: "c", NodePools: []NodePool{{Name: "core"}, {Name: "user", InstanceTypes: []string{"r5.xlarge"}}}, Hubs: []*Hub{h}}
	h.Cluster = c
	if p := c.Pool(h, "user"); p == nil || p.Hub != "lab" {
		t.Fatalf("Pool(lab, user) = %+v, want the hub's own pool", p)
	}
	if p := c.Pool(nil, "user"); p == nil || p.Hub != "" {
		t.Fatalf("Pool(nil, user) = %+v, want the cluster pool", p)
	}
	if p := c.Pool(h, "gpu"); p != nil {
		t.Fatalf("unknown pool found: %+v", p)
	}
	if n := len(c.AllPools()); n != 3 {
		t.Fatalf("AllPools = %d, want 3", n)
	}
	if h.ID() != "c/lab" {
		t.Fatalf("ID = %s", h.ID())
	}
}

func TestDefaultProfile(t *testing.T) {
	h := &Hub{Profiles: []Profile{{Slug: "a"}, {Slug: "b", Default: true}}}
	if h.DefaultProfile().Slug != "b" {
		t.Fatal("marked default not chosen")
	}
	h.Profiles[1].Default = false
	if h.DefaultProfile().Slug != "a" {
		t.Fatal("first profile not the fallback")
	}
	if (&Hub{}).DefaultProfile() != nil {
		t.Fatal("no profiles, yet a default")
	}
}

func TestPosString(t *testing.T) {
	for _, c := range []struct {
		p    Pos
		want string
	}{
		{Pos{}, "-"}, {Pos{File: "a"}, "a"}, {Pos{File: "a", Line: 3}, "a:3"}, {Pos{File: "a", Line: 3, Col: 4}, "a:3:4"},
	} {
		if got := c.p.String(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.p, got, c.want)
		}
	}
}
