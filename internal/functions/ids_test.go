package functions

import (
	"regexp"
	"testing"
	"time"
)

func TestTraceID(t *testing.T) {
	now := time.Unix(0x5f000000, 0)
	id := newTraceID(now)
	if !regexp.MustCompile(`^Root=1-5f000000-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$`).MatchString(id) || id == newTraceID(now) {
		t.Errorf("trace id %q", id)
	}
	if n := testing.AllocsPerRun(100, func() { _ = newTraceID(now) }); n != 1 {
		t.Errorf("newTraceID allocates %v times, want 1", n)
	}
}
