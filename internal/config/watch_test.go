package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

type changes chan struct{}

func (c changes) expect(t *testing.T, step string, want int) {
	t.Helper()
	got := 0
	if want > 0 {
		select {
		case <-c:
			got++
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: onChange did not fire", step)
		}
	}
	// Longer than the debounce, so that a second call would have arrived.
	quiet := time.After(4 * debounce)
	for {
		select {
		case <-c:
			got++
		case <-quiet:
			if got != want {
				t.Fatalf("%s: onChange fired %d times, want %d", step, got, want)
			}
			return
		}
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestWatchFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "genkan.yaml")
	write(t, file, "apis: []\n")
	calls := make(changes, 16)
	w, err := Watch([]string{file}, func() { calls <- struct{}{} }, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()

	// A save written in several chunks is one change.
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, chunk := range []string{"apis:\n", "  - id: a\n", "  - id: b\n"} {
		if _, err := f.WriteString(chunk); err != nil {
			t.Fatal(err)
		}
		time.Sleep(debounce / 5)
	}
	f.Close()
	calls.expect(t, "write in place", 1)

	// Editors write a temporary file and rename it over the original.
	tmp := filepath.Join(dir, ".genkan.yaml.swp")
	write(t, tmp, "apis:\n  - id: c\n")
	if err := os.Rename(tmp, file); err != nil {
		t.Fatal(err)
	}
	calls.expect(t, "rename over", 1)

	// A second replacement proves the watch survived the first one.
	write(t, tmp, "apis:\n  - id: d\n")
	if err := os.Rename(tmp, file); err != nil {
		t.Fatal(err)
	}
	calls.expect(t, "rename over again", 1)

	write(t, filepath.Join(dir, "notes.txt"), "unrelated")
	calls.expect(t, "unrelated file", 0)

	write(t, file, "apis:\n  - id: d\n")
	calls.expect(t, "same content", 0)

	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	write(t, file, "apis:\n  - id: e\n")
	calls.expect(t, "after Close", 0)
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestWatchDirectory(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.yaml"), "apis: []\n")
	calls := make(changes, 16)
	w, err := Watch([]string{dir, filepath.Join(dir, "a.yaml")}, func() { calls <- struct{}{} }, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	write(t, filepath.Join(dir, "b.yml"), "apis: []\n")
	calls.expect(t, "new file", 1)
	if err := os.Remove(filepath.Join(dir, "a.yaml")); err != nil {
		t.Fatal(err)
	}
	calls.expect(t, "removed file", 1)
	write(t, filepath.Join(dir, "c.txt"), "x")
	calls.expect(t, "other extension", 0)
}

func TestWatchMissingDirectory(t *testing.T) {
	_, err := Watch([]string{filepath.Join(t.TempDir(), "gone", "genkan.yaml")}, func() {}, nil)
	if err == nil {
		t.Fatal("Watch succeeded with nothing to watch")
	}
}

// Function code directories count every file below them, except hidden files and
// dependency trees; an executable given as code counts as itself.
func TestWatchCode(t *testing.T) {
	dir := t.TempDir()
	code := filepath.Join(dir, "fn")
	for _, d := range []string{"lib", "node_modules/dep", ".git"} {
		if err := os.MkdirAll(filepath.Join(code, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(t, filepath.Join(code, "main.go"), "package main\n")
	write(t, filepath.Join(code, "lib", "util.js"), "module.exports = 1\n")
	write(t, filepath.Join(code, "node_modules", "dep", "index.js"), "x\n")
	bin := filepath.Join(dir, "bootstrap")
	write(t, bin, "v1")
	calls := make(changes, 16)
	w, err := WatchWithCode(nil, []string{code, bin}, func() { calls <- struct{}{} }, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()

	write(t, filepath.Join(code, "main.go"), "package main // changed\n")
	calls.expect(t, "top-level source", 1)
	write(t, filepath.Join(code, "lib", "util.js"), "module.exports = 2\n")
	calls.expect(t, "file in a subdirectory", 1)
	write(t, filepath.Join(code, "node_modules", "dep", "index.js"), "y\n")
	calls.expect(t, "dependency tree", 0)
	write(t, filepath.Join(code, ".git", "HEAD"), "ref\n")
	calls.expect(t, "hidden directory", 0)
	write(t, bin, "v2")
	calls.expect(t, "executable", 1)
}
