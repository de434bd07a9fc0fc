package main

import (
	"bytes"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/admin"
	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/auth/apikey"
)

// TestKeysCommand drives `genkan keys` against a real admin API on loopback, found through a
// state directory the way a running genkan serve leaves it.
func TestKeysCommand(t *testing.T) {
	stateDir := t.TempDir()
	store, err := apikey.Open(stateDir, apikey.Options{FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	err = store.Sync(
		[]*apimodel.APIKey{{Name: "declared", Plans: []string{"gold"}, Pos: apimodel.Position{File: "genkan.yaml", Line: 3, Column: 3}}},
		[]*apimodel.UsagePlan{
			{Name: "gold", Stages: []*apimodel.UsagePlanStage{{APIID: "api1", Stage: "prod"}}, Quota: &apimodel.Quota{Limit: 100, Period: apimodel.QuotaDay}},
			{Name: "free", Stages: []*apimodel.UsagePlanStage{{APIID: "api1", Stage: "dev"}}},
		})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := admin.LoadOrCreateToken(stateDir)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(admin.NewHandler(admin.Options{Keys: store, Token: token}))
	defer srv.Close()
	if err := admin.WriteEndpoint(stateDir, srv.Listener.Addr().String()); err != nil {
		t.Fatal(err)
	}
	fixed := "cli2-value-0123456789"
	today := time.Now().UTC().Format(time.DateOnly)
	declared, _ := store.Key(apikey.DerivedKeyID("declared"))
	sd := []string{"--state-dir", stateDir}

	steps := []struct {
		name       string
		args       []string
		before     func()
		code       int
		want, not  []string
		wantRe     string
		wantStderr string
	}{
		{name: "create in a plan", args: []string{"keys", "create", "--name", "cli", "--plan", "gold"},
			want: []string{"cli", "gold", "********"}},
		{name: "create with a value, shown", args: []string{"keys", "create", "--name", "cli2", "--value", fixed, "--values"},
			want: []string{fixed}},
		{name: "create in an unknown plan", args: []string{"keys", "create", "--name", "stray", "--plan", "nope"},
			code: 1, wantStderr: `no usage plan with id or name "nope"`},
		{name: "create with a short value", args: []string{"keys", "create", "--name", "short", "--value", "short"},
			code: 1, wantStderr: "BadRequestException: API Key value should be at least 20 characters"},
		{name: "list masks values", args: []string{"keys", "list"},
			want: []string{"declared", "config genkan.yaml:3:3", "gold", "cli2", apikey.Mask(fixed), apikey.Mask(declared.Value)},
			not:  []string{fixed, declared.Value, "stray"}},
		{name: "list --values", args: []string{"keys", "list", "--values"}, want: []string{fixed, declared.Value}},
		{name: "disable by name", args: []string{"keys", "disable", "cli"}, want: []string{"disabled API key"}},
		{name: "list shows it disabled", args: []string{"keys", "list"}, want: []string{"false"}},
		{name: "enable by name", args: []string{"keys", "enable", "cli"}, want: []string{"enabled API key"}},
		{name: "declared keys are read-only", args: []string{"keys", "disable", "declared"},
			code: 1, wantStderr: "genkan.yaml:3:3; edit the file"},
		{name: "usage", args: []string{"keys", "usage", "--plan", "gold", "--from", today, "--to", today},
			before: func() {
				for range 3 {
					store.Record(declared.ID, apikey.DerivedPlanID("gold"), time.Now())
				}
			},
			wantRe: today + `\s+` + declared.ID + `\s+declared\s+3\s+97\n`},
		{name: "usage of one key without quota", args: []string{"keys", "usage", "--plan", "free", "--key", "declared", "--to", today},
			want: []string{"DATE", "declared", "-"}},
		{name: "usage with bad dates", args: []string{"keys", "usage", "--plan", "gold", "--from", "tomorrow"},
			code: 1, wantStderr: "--from"},
		{name: "delete by id", args: []string{"keys", "delete", declared.ID},
			code: 1, wantStderr: "edit the file"},
		{name: "delete by name", args: []string{"keys", "delete", "cli2"}, want: []string{"deleted API key"}},
		{name: "delete unknown", args: []string{"keys", "delete", "cli2"}, code: 1, wantStderr: `no API key with id or name "cli2"`},
	}
	for _, st := range steps {
		if st.before != nil {
			st.before()
		}
		var out, errb bytes.Buffer
		code := run(append(st.args, sd...), &out, &errb)
		if code != st.code || !strings.Contains(errb.String(), st.wantStderr) {
			t.Fatalf("%s: exit %d, stderr %q; want %d and %q", st.name, code, errb.String(), st.code, st.wantStderr)
		}
		for _, w := range st.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%s: output lacks %q:\n%s", st.name, w, out.String())
			}
		}
		if st.wantRe != "" && !regexp.MustCompile(st.wantRe).MatchString(out.String()) {
			t.Errorf("%s: output does not match %s:\n%s", st.name, st.wantRe, out.String())
		}
		for _, n := range st.not {
			if strings.Contains(out.String(), n) {
				t.Errorf("%s: output shows %q:\n%s", st.name, n, out.String())
			}
		}
	}
	if keys := store.Keys(); len(keys) != 2 {
		t.Fatalf("keys left: %d, want declared and cli", len(keys))
	}
	for _, k := range store.Keys() {
		if k.Name == "cli" && (!k.Enabled || len(k.Plans) != 1) {
			t.Fatalf("cli key: %+v", k)
		}
	}
}

func TestKeysCommandFindsNoServer(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"no endpoint recorded", []string{"keys", "list", "--state-dir", t.TempDir()}, "genkan serve running"},
		{"no token for a protected API", []string{"keys", "list", "--state-dir", t.TempDir(), "--admin", "PLACEHOLDER"},
			"MissingAuthenticationTokenException: Missing Authentication Token"},
	}
	store, err := apikey.Open(t.TempDir(), apikey.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	srv := httptest.NewServer(admin.NewHandler(admin.Options{Keys: store, Token: "secret-token"}))
	defer srv.Close()
	for _, tt := range tests {
		for i, a := range tt.args {
			if a == "PLACEHOLDER" {
				tt.args[i] = srv.Listener.Addr().String()
			}
		}
		var out, errb bytes.Buffer
		if code := run(tt.args, &out, &errb); code != 1 || !strings.Contains(errb.String(), tt.stderr) {
			t.Errorf("%s: exit %d, stderr %q; want 1 and %q", tt.name, code, errb.String(), tt.stderr)
		}
	}
}
