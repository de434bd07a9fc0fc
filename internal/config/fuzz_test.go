package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// FuzzDecode checks that decoding never panics, that every problem carries a full
// position in the decoded file, and that whatever the decoder accepts the editor schema
// accepts too (the schema may be looser, never stricter).
func FuzzDecode(f *testing.F) {
	for _, dir := range []string{"valid", "invalid"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.yaml"))
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(data)
			}
		}
	}
	sch := compileSchema(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		ld := testLoader().newLoad()
		// Fuzzed openapi and sam references and code paths must not reach the disk. Every
		// code path is a directory, so that functions can decode without problems and the
		// schema comparison below covers them.
		ld.readFile = func(string) ([]byte, error) { return nil, fs.ErrNotExist }
		ld.stat = func(string) (fs.FileInfo, error) { return dirInfo{}, nil }
		ld.track("fuzz.yaml")
		ld.genkan("fuzz.yaml", data)
		_, err := ld.finish()
		if err != nil {
			var ps apimodel.Problems
			if !errors.As(err, &ps) {
				t.Fatalf("error %T is not apimodel.Problems: %v", err, err)
			}
			for _, p := range ps {
				if p.Pos.File != "fuzz.yaml" || p.Pos.Line < 1 || p.Pos.Column < 1 || p.Message == "" {
					t.Fatalf("problem without a full position: %q", p.Error())
				}
			}
			return
		}
		doc, ok := jsonValue(data)
		if !ok {
			t.Fatalf("decoded, but cannot be converted to JSON:\n%s", data)
		}
		if err := sch.Validate(doc); err != nil {
			t.Fatalf("decoder accepts what the schema rejects:\n%s\n%v", data, err)
		}
	})
}

// dirInfo is the fs.FileInfo of a directory that is not there.
type dirInfo struct{}

func (dirInfo) Name() string       { return "code" }
func (dirInfo) Size() int64        { return 0 }
func (dirInfo) Mode() fs.FileMode  { return fs.ModeDir | 0o755 }
func (dirInfo) ModTime() time.Time { return time.Time{} }
func (dirInfo) IsDir() bool        { return true }
func (dirInfo) Sys() any           { return nil }
