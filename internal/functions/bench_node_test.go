package functions

import (
	"context"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// restEvent is the REST proxy event genkan builds for bench/functions.sh's `GET /b/fn/node-q4`
// (captured from genkan serve): the Node benchmarks parse what the bench's handler parses.
const restEvent = `{"resource":"/fn/node-q4","path":"/fn/node-q4","httpMethod":"GET","headers":{"Accept":"*/*","Host":"127.0.0.1:9131","X-Amzn-Trace-Id":"Root=1-6b07c7f2-7623208e7bd4876d95c1a593","X-Forwarded-For":"127.0.0.1","X-Forwarded-Port":"9131","X-Forwarded-Proto":"http"},"multiValueHeaders":{"Accept":["*/*"],"Host":["127.0.0.1:9131"],"X-Amzn-Trace-Id":["Root=1-6b07c7f2-7623208e7bd4876d95c1a593"],"X-Forwarded-For":["127.0.0.1"],"X-Forwarded-Port":["9131"],"X-Forwarded-Proto":["http"]},"queryStringParameters":null,"multiValueQueryStringParameters":null,"pathParameters":null,"stageVariables":null,"requestContext":{"accountId":"123456789012","resourceId":"54ylaz","stage":"b","domainName":"127.0.0.1","domainPrefix":"127","requestId":"a2c8e774-cf16-4486-8922-9021bdd9dfd2","extendedRequestId":"wPbt22mJhgYNltI=","protocol":"HTTP/1.1","resourcePath":"/fn/node-q4","path":"/b/fn/node-q4","httpMethod":"GET","requestTime":"26/Nov/2026:05:47:30 +0000","requestTimeEpoch":1795672050923,"apiId":"bench","deploymentId":"3ml2ax","identity":{"accessKey":null,"accountId":null,"caller":null,"cognitoAuthenticationProvider":null,"cognitoAuthenticationType":null,"cognitoIdentityId":null,"cognitoIdentityPoolId":null,"principalOrgId":null,"sourceIp":"127.0.0.1","user":null,"userAgent":null,"userArn":null}},"body":null,"isBase64Encoded":false}`

// BenchmarkInvokeNode is BenchmarkInvokeWarm and BenchmarkInvokeWide for the Node runtime
// (the embedded bootstrap under the host's node), with bench/functions.sh's handler and
// event: fn-us/op is the node processes' CPU per invocation, genkan-us/op the Runtime API's.
// "warm" is one caller per P on as many instances, "serial" one caller, "cN" 50 callers on
// N instances (Lambda's way: throttled beyond them, so N = 50), "qN" 50 callers queued on N.
func BenchmarkInvokeNode(b *testing.B) {
	if _, err := exec.LookPath("node"); err != nil {
		b.Skip("node not on PATH")
	}
	procs := runtime.GOMAXPROCS(0)
	for _, c := range []struct {
		name    string
		conc    int
		callers int // 0: one per P
		queue   time.Duration
	}{
		{"warm", procs, 0, 10 * time.Second},
		{"serial", 1, 1, 10 * time.Second},
		{"c50", 50, 50, 0},
		{"q2", 2, 50, 10 * time.Second},
		{"q4", 4, 50, 10 * time.Second},
	} {
		b.Run(c.name, func(b *testing.B) {
			m := newManager(b, Options{LogDir: b.TempDir(), Queue: QueueOptions{Timeout: c.queue}})
			code, _ := filepath.Abs("testdata/nodebench")
			mustSync(b, m, &apimodel.Function{Name: "bench", Runtime: "nodejs20.x", Handler: "handler.hello",
				Code: code, Timeout: 10 * time.Second, ReservedConcurrency: c.conc})
			payload := []byte(restEvent)
			// Every instance started, and its JIT warm, before timing.
			var wg sync.WaitGroup
			for range c.conc {
				wg.Go(func() {
					for range 2000 / c.conc {
						invoke(b, m, "bench", restEvent)
					}
				})
			}
			wg.Wait()
			b.ReportAllocs()
			if c.callers > 0 {
				b.SetParallelism((c.callers + procs - 1) / procs)
			}
			b.ResetTimer()
			cpu := startCPUMeter(m)
			if c.callers == 1 {
				ctx := context.Background()
				for b.Loop() {
					if res, err := m.Invoke(ctx, "bench", payload, InvokeOptions{}); err != nil || res.FunctionError != "" {
						b.Fatalf("invoke: %v", err)
					}
				}
			} else {
				b.RunParallel(func(pb *testing.PB) {
					ctx := context.Background()
					for pb.Next() {
						res, err := m.Invoke(ctx, "bench", payload, InvokeOptions{})
						if err != nil {
							b.Errorf("invoke: %v", err)
							return
						}
						if res.FunctionError != "" {
							b.Errorf("invoke: %s", res.Payload)
							return
						}
					}
				})
			}
			b.StopTimer()
			cpu.report(b)
			b.ReportMetric(float64(m.instanceCount("bench")), "instances")
		})
	}
}
