package ids

import (
	"regexp"
	"testing"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestUUID(t *testing.T) {
	a, b := UUID(), UUID()
	if !uuidV4.MatchString(a) || a == b {
		t.Errorf("UUID() = %q, %q", a, b)
	}
	if n := testing.AllocsPerRun(100, func() { _ = UUID() }); n != 1 {
		t.Errorf("UUID allocates %v times, want 1", n)
	}
}
