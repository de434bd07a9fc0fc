package main

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

// With --function-queue, requests beyond a function's reserved concurrency wait for its one
// instance instead of failing with AWS's throttling 500.
func TestFunctionQueue(t *testing.T) {
	warmGoBuild(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "genkan.yaml"), fmt.Sprintf(`functions:
  one: { runtime: go, code: '%s/gofn', concurrency: 1 }
apis:
  - id: q
    stages: { dev: {} }
    routes:
      GET /do/{action}: { function: one }
`, functionsDir(t)))
	for _, tc := range []struct {
		name   string
		args   []string
		queued bool
	}{
		{"throttles at once by default", nil, false},
		{"queues with --function-queue", []string{"--function-queue", "5s"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := startGenkan(t, dir, append(tc.args, "genkan.yaml")...)
			const n = 6
			statuses := make([]int, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					res, err := get(g.url("/dev/do/sleep?ms=150"), "")
					if err == nil {
						statuses[i] = res.status
					}
				}()
			}
			wg.Wait()
			ok, throttled := 0, 0
			for _, s := range statuses {
				switch s {
				case 201:
					ok++
				case 500:
					throttled++
				}
			}
			if tc.queued && ok != n {
				t.Errorf("with a queue: %d of %d served (%v)", ok, n, statuses)
			}
			if !tc.queued && (throttled == 0 || ok == 0) {
				t.Errorf("without a queue: %d served, %d throttled (%v); want both", ok, throttled, statuses)
			}
		})
	}
}
