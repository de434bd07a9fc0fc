package apikey

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
)

var day0 = time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC) // a Tuesday

func open(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir, Options{Now: func() time.Time { return day0 }, FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func plan(name string, stages ...string) *apimodel.UsagePlan {
	p := &apimodel.UsagePlan{Name: name}
	for _, st := range stages {
		api, stage, _ := strings.Cut(st, "/")
		p.Stages = append(p.Stages, &apimodel.UsagePlanStage{APIID: api, Stage: stage})
	}
	return p
}

func TestShapes(t *testing.T) {
	tests := []struct {
		name, got string
		re        string
	}{
		{"generated value", NewValue(), `^[A-Za-z0-9]{40}$`},
		{"random key id", newKeyID(), `^[a-z0-9]{10}$`},
		{"random plan id", newPlanID(), `^[a-z0-9]{6}$`},
		{"derived key id", DerivedKeyID("partner"), `^[a-z0-9]{10}$`},
		{"derived plan id", DerivedPlanID("gold"), `^[a-z0-9]{6}$`},
		{"mask", Mask("abcdefghijklmnopqrstuvwxyz"), `^\*{8}wxyz$`},
		{"mask short", Mask("abc"), `^\*{8}$`},
	}
	for _, tt := range tests {
		if !regexp.MustCompile(tt.re).MatchString(tt.got) {
			t.Errorf("%s: %q does not match %s", tt.name, tt.got, tt.re)
		}
	}
	if DerivedKeyID("partner") != DerivedKeyID("partner") || DerivedKeyID("partner") == DerivedKeyID("partner2") {
		t.Error("derived ids must depend on the name only")
	}
	if NewValue() == NewValue() {
		t.Error("generated values repeat")
	}
}

func TestSyncLifecycle(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	fixed := strings.Repeat("f", 24)
	plans := []*apimodel.UsagePlan{plan("gold", "api1/prod"), {Name: "silver", ID: "silv01", Stages: []*apimodel.UsagePlanStage{{APIID: "api1", Stage: "dev"}}}}
	keys := []*apimodel.APIKey{
		{Name: "generated", Plans: []string{"gold"}},
		{Name: "fixed", ID: "fixedid001", Value: fixed, Plans: []string{"silv01"}, Disabled: true},
	}
	if err := s.Sync(keys, plans); err != nil {
		t.Fatal(err)
	}
	gen, ok := s.Key(DerivedKeyID("generated"))
	if !ok || len(gen.Value) != ValueLength || !gen.Declared || !gen.Enabled {
		t.Fatalf("generated key: %+v", gen)
	}
	if got := gen.Plans; len(got) != 1 || got[0] != DerivedPlanID("gold") {
		t.Fatalf("plans of generated key: %v", got)
	}
	runtime, err := s.CreateKey(KeyInput{Name: "runtime", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddPlanKey(DerivedPlanID("gold"), runtime.ID); err != nil {
		t.Fatal(err)
	}
	// Reloading keeps the generated value; restarting too.
	if err := s.Sync(keys, plans); err != nil {
		t.Fatal(err)
	}
	if k, _ := s.Key(gen.ID); k.Value != gen.Value {
		t.Fatal("value regenerated on reload")
	}
	s.Close()
	s = open(t, dir)
	if k, ok := s.Key(gen.ID); !ok || k.Value != gen.Value {
		t.Fatalf("before Sync after restart: %+v", k)
	}
	if k, ok := s.Key("fixedid001"); !ok || k.Value != "" {
		t.Fatalf("configured values must not be stored: %+v", k)
	}
	if err := s.Sync(keys, plans); err != nil {
		t.Fatal(err)
	}
	if k, _ := s.Key(gen.ID); k.Value != gen.Value {
		t.Fatal("value regenerated on restart")
	}
	if k, _ := s.Lookup(fixed); k == nil || k.ID != "fixedid001" || k.Enabled {
		t.Fatalf("fixed key: %+v", k)
	}
	if k, _ := s.Key(runtime.ID); k == nil || len(k.Plans) != 1 {
		t.Fatalf("runtime key after restart: %+v", k)
	}
	// Dropping the generated key and the gold plan from the configuration removes them and
	// the runtime key's membership of gold; the runtime key stays.
	if err := s.Sync(keys[1:], plans[1:]); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Key(gen.ID); ok {
		t.Fatal("removed declared key still there")
	}
	if _, ok := s.Lookup(gen.Value); ok {
		t.Fatal("removed declared key still authenticates")
	}
	if k, ok := s.Key(runtime.ID); !ok || len(k.Plans) != 0 {
		t.Fatalf("runtime key after its plan went away: %+v", k)
	}
	// Re-adding the key generates a new value: the old one was deleted with it.
	if err := s.Sync(keys, plans); err != nil {
		t.Fatal(err)
	}
	if k, _ := s.Key(gen.ID); k.Value == gen.Value {
		t.Fatal("a removed key's value came back")
	}
}

func TestSyncProblems(t *testing.T) {
	short := "tooshort"
	long := strings.Repeat("x", 30)
	tests := []struct {
		name  string
		keys  []*apimodel.APIKey
		plans []*apimodel.UsagePlan
		want  string
	}{
		{"short value", []*apimodel.APIKey{{Name: "a", Value: short}}, nil, "at least 20 characters"},
		{"long value", []*apimodel.APIKey{{Name: "a", Value: strings.Repeat("x", 129)}}, nil, "maximum size of 128"},
		{"unknown plan", []*apimodel.APIKey{{Name: "a", Plans: []string{"nope"}}}, nil, `usage plan "nope" is not declared`},
		{"same value", []*apimodel.APIKey{{Name: "a", Value: long}, {Name: "b", Value: long}}, nil, "same value"},
		{"same id", []*apimodel.APIKey{{Name: "a", ID: "k"}, {Name: "b", ID: "k"}}, nil, "declared twice"},
		{"slash in id", []*apimodel.APIKey{{Name: "a", ID: "a/b"}}, nil, "no '/'"},
		{"plan twice", nil, []*apimodel.UsagePlan{plan("p"), plan("p")}, "declared twice"},
		{"bad period", nil, []*apimodel.UsagePlan{{Name: "p", Quota: &apimodel.Quota{Limit: 1, Period: "YEAR"}}}, "DAY, WEEK or MONTH"},
		{"two plans one stage", []*apimodel.APIKey{{Name: "a", Plans: []string{"p", "q"}}},
			[]*apimodel.UsagePlan{plan("p", "api/prod"), plan("q", "api/prod")}, "both cover API stage api/prod"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t, t.TempDir())
			err := s.Sync(tt.keys, tt.plans)
			var ps apimodel.Problems
			if !errors.As(err, &ps) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want problems mentioning %q", err, tt.want)
			}
			if len(s.Keys()) != 0 || len(s.Plans()) != 0 {
				t.Fatal("a failed Sync changed the store")
			}
		})
	}
}

func TestSyncRefusesRuntimeIDs(t *testing.T) {
	s := open(t, t.TempDir())
	k, _ := s.CreateKey(KeyInput{Name: "rt"})
	p, _ := s.CreatePlan(PlanInput{Name: "rt"})
	if err := s.Sync([]*apimodel.APIKey{{Name: "x", ID: k.ID}}, nil); err == nil || !strings.Contains(err.Error(), "admin API") {
		t.Fatalf("key id collision: %v", err)
	}
	if err := s.Sync(nil, []*apimodel.UsagePlan{{Name: "x", ID: p.ID}}); err == nil || !strings.Contains(err.Error(), "admin API") {
		t.Fatalf("plan id collision: %v", err)
	}
}

func TestAuthorize(t *testing.T) {
	s := open(t, t.TempDir())
	on, off, loose := strings.Repeat("a", 20), strings.Repeat("b", 20), strings.Repeat("c", 20)
	err := s.Sync([]*apimodel.APIKey{
		{Name: "on", Value: on, Plans: []string{"gold"}},
		{Name: "off", Value: off, Plans: []string{"gold"}, Disabled: true},
		{Name: "loose", Value: loose},
	}, []*apimodel.UsagePlan{plan("gold", "api1/prod", "api2/prod")})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		value, api, stage string
		want              bool
	}{
		{on, "api1", "prod", true},
		{on, "api2", "prod", true},
		{on, "api1", "dev", false},
		{on, "api3", "prod", false},
		{off, "api1", "prod", false},
		{loose, "api1", "prod", false},
		{"unknown-value-unknown-value", "api1", "prod", false},
		{"", "api1", "prod", false},
	}
	for _, tt := range tests {
		k, p, ok := s.Authorize(tt.value, tt.api, tt.stage)
		if ok != tt.want {
			t.Errorf("Authorize(%s, %s/%s) = %v, want %v", Mask(tt.value), tt.api, tt.stage, ok, tt.want)
		}
		if ok && (k.Name != "on" || p.Name != "gold") {
			t.Errorf("Authorize returned %+v %+v", k, p)
		}
	}
}

func TestRuntimeChanges(t *testing.T) {
	s := open(t, t.TempDir())
	if err := s.Sync([]*apimodel.APIKey{{Name: "decl", Plans: []string{"gold"}}}, []*apimodel.UsagePlan{plan("gold", "api/prod")}); err != nil {
		t.Fatal(err)
	}
	decl := DerivedKeyID("decl")
	gold := DerivedPlanID("gold")
	k, err := s.CreateKey(KeyInput{Name: "rt", Value: strings.Repeat("v", 20)})
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.CreatePlan(PlanInput{Name: "other", Stages: []Stage{{APIID: "api", Stage: "prod"}}})
	if err != nil {
		t.Fatal(err)
	}
	no, yes := false, true
	name := "renamed"
	tests := []struct {
		name string
		do   func() error
		kind ErrorKind
	}{
		{"short value", func() error { _, err := s.CreateKey(KeyInput{Value: "short"}); return err }, Invalid},
		{"duplicate value", func() error { _, err := s.CreateKey(KeyInput{Value: strings.Repeat("v", 20)}); return err }, Conflict},
		{"bad stage key", func() error { _, err := s.CreateKey(KeyInput{StageKeys: []string{"nostage"}}); return err }, Invalid},
		{"update declared", func() error { _, err := s.UpdateKey(decl, KeyUpdate{Enabled: &no}); return err }, ReadOnly},
		{"delete declared", func() error { return s.DeleteKey(decl) }, ReadOnly},
		{"update unknown", func() error { _, err := s.UpdateKey("nope", KeyUpdate{Enabled: &no}); return err }, NotFound},
		{"plan without name", func() error { _, err := s.CreatePlan(PlanInput{}); return err }, Invalid},
		{"delete declared plan", func() error { return s.DeletePlan(gold) }, ReadOnly},
		{"remove declared membership", func() error { return s.RemovePlanKey(gold, decl) }, ReadOnly},
		{"add to unknown plan", func() error { _, err := s.AddPlanKey("nope", k.ID); return err }, NotFound},
		{"add unknown key", func() error { _, err := s.AddPlanKey(gold, "nope"); return err }, NotFound},
		{"add twice", func() error {
			if _, err := s.AddPlanKey(gold, k.ID); err != nil {
				return err
			}
			_, err := s.AddPlanKey(gold, k.ID)
			return err
		}, Conflict},
		{"same stage twice", func() error { _, err := s.AddPlanKey(other.ID, k.ID); return err }, Invalid},
		{"remove absent membership", func() error { return s.RemovePlanKey(other.ID, k.ID) }, NotFound},
		{"update", func() error { _, err := s.UpdateKey(k.ID, KeyUpdate{Name: &name, Enabled: &yes}); return err }, 0},
		{"add declared key to runtime plan", func() error {
			p, err := s.CreatePlan(PlanInput{Name: "dev", Stages: []Stage{{APIID: "api", Stage: "dev"}}})
			if err != nil {
				return err
			}
			_, err = s.AddPlanKey(p.ID, decl)
			return err
		}, 0},
	}
	for _, tt := range tests {
		err := tt.do()
		if tt.kind == 0 {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if e := AsError(err); e == nil || e.Kind != tt.kind {
			t.Errorf("%s: got %v, want kind %d", tt.name, err, tt.kind)
		}
	}
	got, _ := s.Key(k.ID)
	if got.Name != "renamed" || !got.Enabled || len(got.Plans) != 1 {
		t.Fatalf("after update: %+v", got)
	}
	if _, _, ok := s.Authorize(got.Value, "api", "prod"); !ok {
		t.Fatal("runtime key in a declared plan is not authorized")
	}
	if err := s.DeleteKey(k.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Lookup(got.Value); ok {
		t.Fatal("deleted key still found")
	}
	if keys, _ := s.PlanKeys(gold); len(keys) != 1 || keys[0].ID != decl {
		t.Fatalf("gold keys after delete: %v", keys)
	}
}

func TestFileModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	open(t, dir)
	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, FileName): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %o, want %o", path, got, want)
		}
	}
}

func TestOpenTwice(t *testing.T) {
	dir := t.TempDir()
	open(t, dir)
	if _, err := Open(dir, Options{}); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second Open: %v", err)
	}
}

// TestConcurrent runs the request path against changes and flushes; -race checks the
// snapshot discipline, the final count that no increment is lost.
func TestConcurrent(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	value := strings.Repeat("k", 20)
	if err := s.Sync([]*apimodel.APIKey{{Name: "k", Value: value, Plans: []string{"p"}}}, []*apimodel.UsagePlan{plan("p", "api/prod")}); err != nil {
		t.Fatal(err)
	}
	const workers, each = 4, 500
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				k, p, ok := s.Authorize(value, "api", "prod")
				if !ok {
					t.Error("not authorized")
					return
				}
				// Spread over two days to exercise the day change.
				s.Record(k.ID, p.ID, day0.Add(time.Duration((w*each+i)%2)*24*time.Hour))
			}
		})
	}
	wg.Go(func() {
		for i := range 20 {
			if _, err := s.CreateKey(KeyInput{Name: "c"}); err != nil {
				t.Error(err)
			}
			if i%5 == 0 {
				if err := s.Flush(); err != nil {
					t.Error(err)
				}
			}
		}
	})
	wg.Wait()
	s.Close()
	s = open(t, dir)
	if err := s.Sync([]*apimodel.APIKey{{Name: "k", Value: value, Plans: []string{"p"}}}, []*apimodel.UsagePlan{plan("p", "api/prod")}); err != nil {
		t.Fatal(err)
	}
	u, err := s.Usage(DerivedPlanID("p"), "", day0, day0.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	items := u.Items[DerivedKeyID("k")]
	if len(items) != 2 || items[0][0]+items[1][0] != workers*each {
		t.Fatalf("usage after restart: %v", items)
	}
}
