package apikey

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
)

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestPeriodStart(t *testing.T) {
	tests := []struct {
		q    *apimodel.Quota
		at   string
		want string
	}{
		{nil, "2026-11-04", "2026-11-04"},
		{&apimodel.Quota{Period: apimodel.QuotaDay}, "2026-11-04", "2026-11-04"},
		{&apimodel.Quota{Period: apimodel.QuotaWeek}, "2026-11-04", "2026-11-01"},            // Wednesday → Sunday
		{&apimodel.Quota{Period: apimodel.QuotaWeek, Offset: 1}, "2026-11-04", "2026-11-02"}, // → Monday
		{&apimodel.Quota{Period: apimodel.QuotaWeek, Offset: 1}, "2026-11-01", "2026-10-26"}, // Sunday → previous Monday
		{&apimodel.Quota{Period: apimodel.QuotaMonth}, "2026-11-30", "2026-11-01"},
		{&apimodel.Quota{Period: apimodel.QuotaMonth, Offset: 14}, "2026-11-30", "2026-11-15"},
		{&apimodel.Quota{Period: apimodel.QuotaMonth, Offset: 14}, "2026-01-03", "2025-12-15"},
		{&apimodel.Quota{Period: apimodel.QuotaMonth, Offset: 40}, "2026-03-27", "2026-02-28"}, // clamped to day 28
	}
	for _, tt := range tests {
		got := PeriodStart(tt.q, date(tt.at).Add(13*time.Hour)).Format(time.DateOnly)
		if got != tt.want {
			t.Errorf("PeriodStart(%+v, %s) = %s, want %s", tt.q, tt.at, got, tt.want)
		}
	}
}

func TestUsage(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	plans := []*apimodel.UsagePlan{
		{Name: "daily", Quota: &apimodel.Quota{Limit: 10, Period: apimodel.QuotaDay}, Stages: []*apimodel.UsagePlanStage{{APIID: "a", Stage: "d"}}},
		{Name: "weekly", Quota: &apimodel.Quota{Limit: 10, Period: apimodel.QuotaWeek}, Stages: []*apimodel.UsagePlanStage{{APIID: "a", Stage: "w"}}},
		{Name: "free", Stages: []*apimodel.UsagePlanStage{{APIID: "a", Stage: "f"}}},
	}
	keys := []*apimodel.APIKey{{Name: "k", Plans: []string{"daily", "weekly", "free"}}, {Name: "idle", Plans: []string{"daily"}}}
	if err := s.Sync(keys, plans); err != nil {
		t.Fatal(err)
	}
	k := DerivedKeyID("k")
	record := func(plan string, day string, n int) {
		for range n {
			s.Record(k, DerivedPlanID(plan), date(day).Add(5*time.Hour))
		}
	}
	// Saturday 10-31 precedes the queried range but shares its week (Sunday 11-01 starts the
	// next one) and nothing else; Monday 11-02 and Tuesday 11-03 are in range.
	record("weekly", "2026-10-31", 4)
	record("weekly", "2026-11-02", 3)
	record("weekly", "2026-11-03", 9)
	record("daily", "2026-11-02", 3)
	record("daily", "2026-11-03", 12)
	record("free", "2026-11-02", 2)
	s.Close() // counters must reach the disk on a clean shutdown
	s = open(t, dir)
	if err := s.Sync(keys, plans); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		plan, key  string
		from, to   string
		want       map[string][][2]int64
		errKind    ErrorKind
		errMessage string
	}{
		{plan: "daily", from: "2026-11-02", to: "2026-11-04", want: map[string][][2]int64{
			k:                    {{3, 7}, {12, 0}, {0, 10}},
			DerivedKeyID("idle"): {{0, 10}, {0, 10}, {0, 10}},
		}},
		{plan: "daily", key: k, from: "2026-11-03", to: "2026-11-03", want: map[string][][2]int64{k: {{12, 0}}}},
		{plan: "weekly", key: k, from: "2026-10-30", to: "2026-11-03", want: map[string][][2]int64{
			k: {{0, 10}, {4, 6}, {0, 10}, {3, 7}, {9, 0}},
		}},
		{plan: "weekly", key: k, from: "2026-11-03", to: "2026-11-03", want: map[string][][2]int64{k: {{9, 0}}}},
		{plan: "free", key: k, from: "2026-11-02", to: "2026-11-02", want: map[string][][2]int64{k: {{2, NoQuotaRemaining}}}},
		{plan: "nope", from: "2026-11-02", to: "2026-11-02", errKind: NotFound, errMessage: "Invalid Usage Plan ID specified"},
		{plan: "daily", key: "nope", from: "2026-11-02", to: "2026-11-02", errKind: NotFound, errMessage: "Invalid Key identifier specified"},
		{plan: "daily", from: "2026-11-03", to: "2026-11-02", errKind: Invalid},
		{plan: "daily", from: "2026-01-01", to: "2027-01-02", errKind: Invalid},
	}
	for _, tt := range tests {
		planID := DerivedPlanID(tt.plan)
		if tt.plan == "nope" {
			planID = "nope"
		}
		u, err := s.Usage(planID, tt.key, date(tt.from), date(tt.to))
		if tt.errKind != 0 {
			if e := AsError(err); e == nil || e.Kind != tt.errKind || !strings.Contains(e.Message, tt.errMessage) {
				t.Errorf("%s %s %s..%s: got %v, want kind %d %q", tt.plan, tt.key, tt.from, tt.to, err, tt.errKind, tt.errMessage)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.plan, err)
			continue
		}
		if !reflect.DeepEqual(u.Items, tt.want) || u.Start != tt.from || u.End != tt.to {
			t.Errorf("%s %s %s..%s: got %v (%s..%s), want %v", tt.plan, tt.key, tt.from, tt.to, u.Items, u.Start, u.End, tt.want)
		}
	}
}

// TestRecordAcrossDays checks that a counter replaced by the next day's is still flushed, and
// that a late Record for an earlier day lands on that day.
func TestRecordAcrossDays(t *testing.T) {
	s := open(t, t.TempDir())
	if err := s.Sync([]*apimodel.APIKey{{Name: "k", Plans: []string{"p"}}}, []*apimodel.UsagePlan{plan("p", "a/s")}); err != nil {
		t.Fatal(err)
	}
	k, p := DerivedKeyID("k"), DerivedPlanID("p")
	s.Record(k, p, date("2026-11-01"))
	s.Record(k, p, date("2026-11-02"))
	s.Record(k, p, date("2026-11-01")) // late, after the day changed
	s.Record(k, p, date("2026-11-03"))
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	s.Record(k, p, date("2026-11-01"))
	u, err := s.Usage(p, k, date("2026-11-01"), date("2026-11-03"))
	if err != nil {
		t.Fatal(err)
	}
	if want := [][2]int64{{3, 0}, {1, 0}, {1, 0}}; !reflect.DeepEqual(u.Items[k], want) {
		t.Fatalf("got %v, want %v", u.Items[k], want)
	}
}

func TestHotPathAllocations(t *testing.T) {
	s := open(t, t.TempDir())
	value := strings.Repeat("h", 20)
	if err := s.Sync([]*apimodel.APIKey{{Name: "k", Value: value, Plans: []string{"p"}}}, []*apimodel.UsagePlan{plan("p", "a/s")}); err != nil {
		t.Fatal(err)
	}
	s.Record(DerivedKeyID("k"), DerivedPlanID("p"), day0) // first use creates the counter
	allocs := testing.AllocsPerRun(100, func() {
		k, p, ok := s.Authorize(value, "a", "s")
		if !ok {
			t.Fatal("not authorized")
		}
		s.Record(k.ID, p.ID, day0)
	})
	if allocs != 0 {
		t.Fatalf("Authorize+Record allocate %v times per request", allocs)
	}
}

func BenchmarkAuthorizeRecord(b *testing.B) {
	s, err := Open(b.TempDir(), Options{FlushInterval: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	value := strings.Repeat("h", 20)
	var keys []*apimodel.APIKey
	for i := range 1000 {
		keys = append(keys, &apimodel.APIKey{Name: "k" + string(rune('a'+i%26)) + strings.Repeat("x", i/26)})
	}
	keys = append(keys, &apimodel.APIKey{Name: "k", Value: value, Plans: []string{"p"}})
	if err := s.Sync(keys, []*apimodel.UsagePlan{plan("p", "a/s")}); err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k, p, ok := s.Authorize(value, "a", "s")
			if !ok {
				b.Fatal("not authorized")
			}
			s.Record(k.ID, p.ID, now)
		}
	})
}
