package functions

import (
	"runtime"
	"testing"
)

func TestLambdaVCPUs(t *testing.T) {
	for _, tc := range []struct{ mem, want int }{
		{128, 1}, {1769, 1}, {1770, 2}, {3008, 2}, {3538, 2}, {3539, 3}, {10240, 6},
	} {
		want := min(tc.want, runtime.NumCPU())
		if got := lambdaVCPUs(tc.mem); got != want {
			t.Errorf("lambdaVCPUs(%d) = %d, want %d", tc.mem, got, want)
		}
	}
}
