package check

import (
	"regexp"
	"strings"

	"github.com/hubfleet/hubfleet/compiler/model"
)

// An environment variable is treated as a secret literal when its name says
// it holds a secret and its value is neither empty nor a reference. The rule
// is deliberately narrow so that it never fires on ordinary settings:
//   - the name, upper-cased and split at "_", has a word SECRET or TOKEN, or
//     contains PASSWORD or PASSWD anywhere (PGPASSWORD);
//   - names ending in a word that describes a setting rather than a value
//     (URL, PATH, FILE, ...) are skipped: GITHUB_TOKEN_PATH is not a token;
//   - values that are a Kubernetes env reference "$(VAR)" or a path are
//     skipped.
var (
	secretWords  = map[string]bool{"SECRET": true, "TOKEN": true}
	settingWords = map[string]bool{
		"URL": true, "URI": true, "PATH": true, "FILE": true, "DIR": true, "ENDPOINT": true,
		"HOST": true, "PORT": true, "NAME": true, "TYPE": true, "ENABLED": true, "TTL": true,
		"LIFETIME": true, "EXPIRY": true, "EXPIRES": true, "REGION": true, "ID": true,
	}
	envReference = regexp.MustCompile(`^\$\([A-Za-z_][A-Za-z0-9_]*\)$`)
)

// looksSecret reports whether name=value looks like a secret written in
// plain text.
func looksSecret(name, value string) bool {
	v := strings.TrimSpace(value)
	if v == "" || envReference.MatchString(v) || strings.HasPrefix(v, "/") {
		return false
	}
	words := strings.Split(strings.ToUpper(name), "_")
	if settingWords[words[len(words)-1]] {
		return false
	}
	for _, w := range words {
		if secretWords[w] || strings.Contains(w, "PASSWORD") || strings.Contains(w, "PASSWD") {
			return true
		}
	}
	return false
}

// environments checks the hub's, each profile's and each option choice's
// environment for secret literals.
func (c *checker) environments(h *model.Hub) {
	c.environment(h.Src, "environment", h.Environment)
	for i, p := range h.Profiles {
		base := index("profiles", i)
		c.environment(h.Src, field(base, "environment"), p.Environment)
		for _, opt := range sortedKeys(p.Options) {
			choices := p.Options[opt].Choices
			for _, ch := range sortedKeys(choices) {
				c.environment(h.Src, fields(base, "options", opt, "choices", ch, "environment"), choices[ch].Environment)
			}
		}
	}
}

func (c *checker) environment(src model.Source, path string, env map[string]string) {
	for _, name := range sortedKeys(env) {
		if looksSecret(name, env[name]) {
			c.list.At(src, field(path, name), "%s looks like a secret written in plain text; hub files are committed to git", name).
				WithHint("environment values are rendered in plain text: keep the secret in the cluster's secret store, and rotate it, since git history keeps it")
		}
	}
}
