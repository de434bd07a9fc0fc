package functions

import (
	"context"
	"runtime"
	"sync"
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
	cpu := startCPUMeter(m)
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
	cpu.report(b)
	b.ReportMetric(float64(m.instanceCount("bench")), "instances")
}

// BenchmarkInvokeWide is 50 callers, as bench/functions.sh's wrk connections: with a
// reserved concurrency of 50 each runs its own instance (Lambda's way); with 2 or 4 and a
// queue, a few instances serve them all.
func BenchmarkInvokeWide(b *testing.B) {
	for _, c := range []struct {
		name  string
		conc  int
		queue time.Duration
	}{{"c50", 50, 0}, {"c4-queue", 4, time.Second}, {"c2-queue", 2, time.Second}} {
		b.Run(c.name, func(b *testing.B) {
			m := newManager(b, Options{LogDir: b.TempDir(), Queue: QueueOptions{Timeout: c.queue}})
			fn := goFunction("bench", goFnV1)
			fn.ReservedConcurrency = c.conc
			mustSync(b, m, fn)
			payload := []byte(`{"action":"big","size":64}`)
			callers := 50
			// Every instance started and warm before timing.
			var wg sync.WaitGroup
			for range c.conc {
				wg.Go(func() { invoke(b, m, "bench", `{"action":"sleep","ms":300}`) })
			}
			wg.Wait()
			b.ReportAllocs()
			b.SetParallelism((callers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			b.ResetTimer()
			cpu := startCPUMeter(m)
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				for pb.Next() {
					res, err := m.Invoke(ctx, "bench", payload, InvokeOptions{})
					if err != nil || res.FunctionError != "" {
						b.Errorf("invoke: %v", err)
						return
					}
				}
			})
			b.StopTimer()
			cpu.report(b)
			b.ReportMetric(float64(m.instanceCount("bench")), "instances")
		})
	}
}

// BenchmarkInvokeWarmSerial is the latency of one warm invocation at a time.
func BenchmarkInvokeWarmSerial(b *testing.B) {
	m := newManager(b, Options{LogDir: b.TempDir()})
	mustSync(b, m, goFunction("bench", goFnV1))
	payload := []byte(`{"action":"big","size":64}`)
	invoke(b, m, "bench", string(payload))
	ctx := context.Background()
	b.ReportAllocs()
	cpu := startCPUMeter(m)
	for b.Loop() {
		if res, err := m.Invoke(ctx, "bench", payload, InvokeOptions{}); err != nil || res.FunctionError != "" {
			b.Fatalf("invoke: %v", err)
		}
	}
	cpu.report(b)
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
