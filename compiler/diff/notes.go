package diff

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hubfleet/hubfleet/compiler/model"
)

// fleetNotes describes notable changes in the operators' terms: versions,
// hubs added and removed, images, resources, auth and node pools.
func fleetNotes(base, head *model.Fleet) []Note {
	var out []Note
	if base == nil || head == nil {
		return out
	}
	if b, h := base.Versions.JupyterHub, head.Versions.JupyterHub; b != h {
		out = append(out, Note{Message: fmt.Sprintf("JupyterHub (z2jh) %s → %s for every hub", b, h)})
	}
	if b, h := base.Versions.DaskGateway, head.Versions.DaskGateway; b != h {
		out = append(out, Note{Message: fmt.Sprintf("dask-gateway %s → %s for every daskhub", b, h)})
	}
	bh, hh := hubIndex(base), hubIndex(head)
	for id, h := range hh {
		b, ok := bh[id]
		if !ok {
			out = append(out, Note{Cluster: h.Cluster.Name, Hub: h.Name, Message: fmt.Sprintf("new hub at https://%s", h.Domain)})
			continue
		}
		out = append(out, hubNotes(b, h)...)
	}
	for id, b := range bh {
		if _, ok := hh[id]; !ok {
			out = append(out, Note{Cluster: b.Cluster.Name, Hub: b.Name,
				Message: "hub removed: its Application and objects go; namespace, home volumes and hub database stay until deleted by hand (see docs/operations.md)"})
		}
	}
	bc, hc := clusterIndex(base), clusterIndex(head)
	for name, c := range hc {
		if b, ok := bc[name]; ok {
			out = append(out, poolNotes(b, c)...)
		} else {
			out = append(out, Note{Cluster: name, Message: fmt.Sprintf("new cluster (%s, %s)", c.Provider, c.NodeProvisioner)})
		}
	}
	for name := range bc {
		if _, ok := hc[name]; !ok {
			out = append(out, Note{Cluster: name, Message: "cluster removed from the fleet"})
		}
	}
	return out
}

func hubIndex(f *model.Fleet) map[string]*model.Hub {
	m := map[string]*model.Hub{}
	for _, h := range f.Hubs() {
		m[h.ID()] = h
	}
	return m
}

func clusterIndex(f *model.Fleet) map[string]*model.Cluster {
	m := map[string]*model.Cluster{}
	for _, c := range f.Clusters {
		m[c.Name] = c
	}
	return m
}

func hubNotes(b, h *model.Hub) []Note {
	var msgs []string
	add := func(format string, args ...any) { msgs = append(msgs, fmt.Sprintf(format, args...)) }
	if b.Image != h.Image {
		add("default image %s → %s", b.Image, h.Image)
	}
	if b.Domain != h.Domain {
		add("domain %s → %s (update the OAuth callback URL)", b.Domain, h.Domain)
	}
	bp := map[string]model.Profile{}
	for _, p := range b.Profiles {
		bp[p.Slug] = p
	}
	for _, p := range h.Profiles {
		old, ok := bp[p.Slug]
		if !ok {
			add("profile %q added", p.Slug)
			continue
		}
		delete(bp, p.Slug)
		if old.Image != p.Image {
			add("profile %q image %s → %s", p.Slug, orDefault(old.Image), orDefault(p.Image))
		}
		if old.CPU != p.CPU || old.Memory != p.Memory {
			add("profile %q resources cpu %s → %s, memory %s → %s", p.Slug,
				cpuText(old.CPU), cpuText(p.CPU), memText(old.Memory), memText(p.Memory))
		}
		if old.NodePool != p.NodePool {
			add("profile %q moves from node pool %s to %s", p.Slug, old.NodePool, p.NodePool)
		}
	}
	for slug := range bp {
		add("profile %q removed", slug)
	}
	if b.Auth.Type != h.Auth.Type {
		add("authentication %s → %s", b.Auth.Type, h.Auth.Type)
	}
	if d := listDelta(b.Auth.Admins, h.Auth.Admins); d != "" {
		add("admins %s", d)
	}
	if d := listDelta(restrictions(b), restrictions(h)); d != "" {
		add("access %s", d)
	}
	if b.Dask.Enabled != h.Dask.Enabled {
		add("dask-gateway enabled: %v → %v", b.Dask.Enabled, h.Dask.Enabled)
	}
	if b.Storage.Home != h.Storage.Home {
		add("home storage %s → %s", homeText(b.Storage.Home), homeText(h.Storage.Home))
	}
	var out []Note
	for _, m := range msgs {
		out = append(out, Note{Cluster: h.Cluster.Name, Hub: h.Name, Message: m})
	}
	return out
}

// restrictions flattens who may log in, for comparison.
func restrictions(h *model.Hub) []string {
	var r []string
	a := h.Auth
	for _, u := range a.AllowedUsers {
		r = append(r, "user "+u)
	}
	if a.GitHub != nil {
		for _, o := range a.GitHub.AllowedOrganizations {
			r = append(r, "github org "+o)
		}
	}
	if a.Google != nil {
		for _, d := range a.Google.AllowedDomains {
			r = append(r, "google domain "+d)
		}
	}
	if a.CILogon != nil {
		for idp, c := range a.CILogon.AllowedIdps {
			for _, d := range c.AllowedDomains {
				r = append(r, "cilogon "+idp+" domain "+d)
			}
		}
	}
	if a.GenericOAuth != nil {
		for _, g := range a.GenericOAuth.AllowedGroups {
			r = append(r, "group "+g)
		}
	}
	slices.Sort(r)
	return r
}

// accessWarnings are the loud ones: a hub that now lets anyone in.
func accessWarnings(base, head *model.Fleet) []Note {
	var out []Note
	if head == nil {
		return out
	}
	bh := map[string]*model.Hub{}
	if base != nil {
		bh = hubIndex(base)
	}
	for id, h := range hubIndex(head) {
		b := bh[id]
		opened := h.Auth.AllowAllUsers && (b == nil || !b.Auth.AllowAllUsers)
		if opened {
			out = append(out, Note{Cluster: h.Cluster.Name, Hub: h.Name,
				Message: fmt.Sprintf("ACCESS OPENS: https://%s now admits ANY %s login (allowAllUsers: true)", h.Domain, h.Auth.Type)})
		}
		if b != nil && b.Auth.Type != model.AuthSharedPassword && h.Auth.Type == model.AuthSharedPassword {
			out = append(out, Note{Cluster: h.Cluster.Name, Hub: h.Name,
				Message: "ACCESS OPENS: the hub switches to a shared password: anyone who knows it can log in"})
		}
	}
	return out
}

func poolNotes(b, h *model.Cluster) []Note {
	bp := map[string]*model.NodePool{}
	for _, p := range b.AllPools() {
		bp[p.FullName()] = p
	}
	var out []Note
	for _, p := range h.AllPools() {
		old, ok := bp[p.FullName()]
		if !ok {
			continue // reported from the rendered objects
		}
		var msgs []string
		if !slices.Equal(old.InstanceTypes, p.InstanceTypes) {
			msgs = append(msgs, fmt.Sprintf("instance types %s → %s", strings.Join(old.InstanceTypes, ","), strings.Join(p.InstanceTypes, ",")))
		}
		if old.Min != p.Min || old.Max != p.Max {
			msgs = append(msgs, fmt.Sprintf("size %d-%d → %d-%d", old.Min, old.Max, p.Min, p.Max))
		}
		if old.CapacityType != p.CapacityType {
			msgs = append(msgs, fmt.Sprintf("capacity %s → %s", old.CapacityType, p.CapacityType))
		}
		for _, m := range msgs {
			out = append(out, Note{Cluster: h.Name, Hub: p.Hub, Message: "node pool " + p.FullName() + ": " + m})
		}
	}
	return out
}

func listDelta(old, new []string) string {
	var added, removed []string
	for _, n := range new {
		if !slices.Contains(old, n) {
			added = append(added, n)
		}
	}
	for _, o := range old {
		if !slices.Contains(new, o) {
			removed = append(removed, o)
		}
	}
	var parts []string
	if len(added) > 0 {
		parts = append(parts, "+"+strings.Join(added, ", +"))
	}
	if len(removed) > 0 {
		parts = append(parts, "-"+strings.Join(removed, ", -"))
	}
	return strings.Join(parts, "; ")
}

func orDefault(image string) string {
	if image == "" {
		return "(hub default)"
	}
	return image
}

func cpuText(c model.CPU) string { return fmt.Sprintf("%g/%g", c.Guarantee, c.Limit) }

func memText(m model.Memory) string { return orDash(m.Guarantee) + "/" + orDash(m.Limit) }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func homeText(h model.Home) string {
	switch h.Type {
	case model.HomeNFS:
		return "nfs " + h.Server + ":" + h.Path
	case model.HomeDynamic:
		return "dynamic " + h.Size + " " + h.StorageClass
	}
	return h.Type
}
