// Package golden compares test output with golden files, rewriting them with -update; the
// importer and compile tests over the shared fixtures all work this way.
package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Check compares got with dir/name, or writes it there when update is set.
func Check(t testing.TB, dir, name, got string, update bool) {
	t.Helper()
	path := filepath.Join(dir, name)
	if update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no golden file %s (run the test with -update): %v", path, err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run with -update and review the diff):\n%s", path, FirstDifference(string(want), got))
	}
}

// Prune reports golden files in dir that no case produced, or removes them when update is set.
func Prune(t testing.TB, dir string, produced map[string]bool, update bool) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if produced[e.Name()] {
			continue
		}
		if update {
			_ = os.Remove(filepath.Join(dir, e.Name()))
			continue
		}
		t.Errorf("stale golden file %s: no case produces it", e.Name())
	}
}

// FirstDifference names the first line where want and got differ.
func FirstDifference(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d\n  want: %s\n  got:  %s", i+1, w, g)
		}
	}
	return "(only trailing whitespace differs)"
}
