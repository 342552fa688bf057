package jupyterhub

import "testing"

// TestSchedulerTemplate holds the template path to marshalling the
// document for every name it accepts: all names of up to two characters
// and of three over the letters that start YAML keywords, the keywords in
// several cases, and typical names. Names it declines must be marshalled.
func TestSchedulerTemplate(t *testing.T) {
	names := []string{"prod", "pangeo-prod", "staging-user-scheduler", "a1", "x-", "yes", "No", "TRUE",
		"null", "nan", "inf", "e1", "1e3", "0x1f", "0o17", "123", "-a", "Prod", "a_b", "a.b", ""}
	const chars = "abcdefghijklmnopqrstuvwxyz0123456789-"
	for i := 0; i < len(chars); i++ {
		names = append(names, chars[i:i+1])
		for j := 0; j < len(chars); j++ {
			names = append(names, chars[i:i+1]+chars[j:j+1])
		}
	}
	const starts = "ynotfe0-"
	for _, a := range starts {
		for _, b := range starts + "aeuls" {
			for _, c := range starts + "aeuls" {
				names = append(names, string([]rune{a, b, c}))
			}
		}
	}
	templated := 0
	for _, n := range names {
		sched := n + "-user-scheduler"
		want, err := marshalSchedulerConfig(n, sched)
		if err != nil {
			t.Fatal(err)
		}
		got, err := schedulerConfigFor(n, sched)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("namespace %q: template gives\n%s\nmarshalling gives\n%s", n, got, want)
		}
		if plainName(n) && plainName(sched) {
			templated++
		}
	}
	if templated < len(names)/2 {
		t.Errorf("only %d of %d names take the template path", templated, len(names))
	}
}
