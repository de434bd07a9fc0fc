package functions

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

func TestBuildKeyIndex(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go toolchain")
	}
	src := t.TempDir()
	write := func(rel, content string) {
		p := filepath.Join(src, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module keytest\n\ngo 1.21\n")
	write("main.go", "package main\n\nimport _ \"keytest/sub\"\n\nfunc main() {}\n")
	write("sub/sub.go", "package sub\n")
	// Everything older than the index's slack, as files are when a developer starts genkan.
	age := func(past time.Duration) {
		filepath.Walk(src, func(p string, _ os.FileInfo, _ error) error {
			return os.Chtimes(p, time.Now().Add(-past), time.Now().Add(-past))
		})
	}
	age(time.Hour)
	cache := t.TempDir()
	b := newBuilder(cache)
	ctx := context.Background()
	key := func(b *builder) string {
		t.Helper()
		k, err := b.key(ctx, goBin, src)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}

	k1 := key(b)
	if k := key(b); k != k1 || b.lists.Load() != 1 {
		t.Fatalf("unchanged sources: key %s (was %s), go list ran %d times", k, k1, b.lists.Load())
	}
	if b2 := newBuilder(cache); key(b2) != k1 || b2.lists.Load() != 0 {
		t.Errorf("another builder on the same cache ran go list %d times", b2.lists.Load())
	}

	// An edit, a new file in a package directory, a new go.work above: each is noticed.
	write("sub/sub.go", "package sub\n\nvar X = 1\n")
	age(30 * time.Minute)
	k2 := key(b)
	if k2 == k1 || b.lists.Load() != 2 {
		t.Errorf("after an edit: key changed %v, go list ran %d times", k2 != k1, b.lists.Load())
	}
	write("sub/more.go", "package sub\n")
	age(20 * time.Minute)
	if k3 := key(b); k3 == k2 || b.lists.Load() != 3 {
		t.Errorf("after a new file: key changed %v, go list ran %d times", k3 != k2, b.lists.Load())
	}
	key(b)
	write("go.work", "go 1.21\n\nuse .\n")
	age(10 * time.Minute)
	key(b)
	if b.lists.Load() != 4 {
		t.Errorf("a new go.work: go list ran %d times, want 4", b.lists.Load())
	}

	// Files changed within the slack are not trusted: the key is computed again next time.
	os.Remove(filepath.Join(src, "go.work"))
	write("main.go", "package main\n\nimport _ \"keytest/sub\"\n\nfunc main() { println() }\n")
	key(b)
	key(b)
	if b.lists.Load() != 6 {
		t.Errorf("racily changed files: go list ran %d times, want 6", b.lists.Load())
	}
}
