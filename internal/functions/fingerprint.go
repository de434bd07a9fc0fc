package functions

import (
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// maxFingerprintFiles bounds the walk of a code directory.
const maxFingerprintFiles = 100_000

var errTooManyFiles = errors.New("too many files")

// fingerprint adds to h what decides whether a function's code changed: the content of the
// entry files (bootstrap, handler module), and the name, size, mode and modification time of
// every other file under dir. Reading every byte of node_modules on each reload would be slow;
// an install or an edit changes size or mtime anyway.
func fingerprint(h hash.Hash, dir string, entries []string) error {
	for _, e := range entries {
		hashFile(h, e)
	}
	if dir == "" {
		return nil
	}
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return err
			}
			return nil // unreadable subtree: the function will meet it too
		}
		if d.IsDir() {
			if name := d.Name(); p != dir && (name == ".git" || name == "__pycache__") {
				return filepath.SkipDir
			}
			return nil
		}
		n++
		if n > maxFingerprintFiles {
			return errTooManyFiles
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(h, "%s\x00%d\x00%o\x00%d\x00", rel, info.Size(), info.Mode(), info.ModTime().UnixNano())
		return nil
	})
	if errors.Is(err, errTooManyFiles) {
		io.WriteString(h, "truncated\x00")
		return nil
	}
	return err
}

// handlerFiles guesses the files a node or python handler string loads, for content hashing.
// Node splits "src/app.handler" at the first dot of the last path element (src/app.{js,mjs,cjs});
// Python splits "pkg.app.handler" at the last dot (pkg/app.py), as their runtimes do.
func handlerFiles(taskRoot, handler string, fam family) []string {
	var stems, exts []string
	if fam == famNode {
		dir, base := filepath.Split(handler)
		mod, _, ok := strings.Cut(base, ".")
		if !ok || mod == "" {
			return nil
		}
		stems = []string{filepath.Join(taskRoot, dir, mod)}
		exts = []string{".js", ".mjs", ".cjs"}
	} else {
		i := strings.LastIndex(handler, ".")
		if i <= 0 {
			return nil
		}
		mod := strings.ReplaceAll(strings.ReplaceAll(handler[:i], "/", "."), ".", string(filepath.Separator))
		stems = []string{filepath.Join(taskRoot, mod), filepath.Join(taskRoot, mod, "__init__")}
		exts = []string{".py"}
	}
	var out []string
	for _, stem := range stems {
		for _, e := range exts {
			if st, err := os.Stat(stem + e); err == nil && st.Mode().IsRegular() {
				out = append(out, stem+e)
			}
		}
	}
	return out
}
