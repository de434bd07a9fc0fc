package functions

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// BenchmarkInvokeWarm measures a warm round trip through the Runtime API: Invoke, /next,
// the aws-lambda-go handler, /response, END/REPORT, back to the caller.
func BenchmarkInvokeWarm(b *testing.B) {
	m := newManager(b, Options{LogDir: b.TempDir()})
	fn := goFunction("bench", goFnV1)
	fn.ReservedConcurrency = 4 * runtime.GOMAXPROCS(0)
	mustSync(b, m, fn)
	payload := []byte(`{"action":"big","size":64}`)
	invoke(b, m, "bench", string(payload)) // one warm instance before timing
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			res, err := m.Invoke(ctx, "bench", payload, InvokeOptions{})
			if err != nil || res.FunctionError != "" {
				b.Errorf("invoke: %v %s", err, res.Payload)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(m.instanceCount("bench")), "instances")
}

// BenchmarkInvokeWarmSerial is the latency of one warm invocation at a time.
func BenchmarkInvokeWarmSerial(b *testing.B) {
	m := newManager(b, Options{LogDir: b.TempDir()})
	mustSync(b, m, goFunction("bench", goFnV1))
	payload := []byte(`{"action":"big","size":64}`)
	invoke(b, m, "bench", string(payload))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if res, err := m.Invoke(ctx, "bench", payload, InvokeOptions{}); err != nil || res.FunctionError != "" {
			b.Fatalf("invoke: %v", err)
		}
	}
}

// BenchmarkColdStart measures process start to first response for each runtime: every
// iteration drops the idle instance first. init-ms is the INIT phase (start to /next) alone.
func BenchmarkColdStart(b *testing.B) {
	cases := []struct {
		name, interp string
		fn           *apimodel.Function
	}{
		{"go", "", goFunction("cold", goFnV1)},
		{"node", "node", &apimodel.Function{Name: "cold", Runtime: "nodejs20.x", Handler: "index.echo", Code: "testdata/node"}},
		{"python", "python3", &apimodel.Function{Name: "cold", Runtime: "python3.11", Handler: "app.handler", Code: "testdata/python"}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			if c.interp != "" {
				if m := newHostRuntimes(); m.find(c.interp).err != nil {
					b.Skipf("%s not available", c.interp)
				}
			}
			m := newManager(b, Options{LogDir: b.TempDir()})
			mustSync(b, m, c.fn)
			var init time.Duration
			for b.Loop() {
				res := invoke(b, m, "cold", `{"action":"echo"}`)
				if !res.ColdStart || res.FunctionError != "" {
					b.Fatalf("not a cold start: %v %s", res.ColdStart, res.Payload)
				}
				init += res.InitDuration
				b.StopTimer()
				m.dropIdle("cold")
				waitFor(b, "instance to stop", func() bool { return m.instanceCount("cold") == 0 })
				b.StartTimer()
			}
			b.ReportMetric(float64(init.Microseconds())/1000/float64(b.N), "init-ms")
		})
	}
}
