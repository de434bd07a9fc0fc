package openapi

import (
	"encoding/json"
	"flag"
	"fmt"
	"github.com/genkanhq/genkan/internal/golden"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current output")

// fixturesDir is the shared fixture tree, which sits next to the repository both here and in CI.
const fixturesDir = "../../../../shared/fixtures"

const goldenDir = "testdata/golden"

// documentMarker is how the fixture list is drawn up: files that name an openapi or swagger
// key. Doc snippets (*.jsonc) and LocalStack's recorded snapshots are not documents.
var documentMarker = regexp.MustCompile(`(?m)"(openapi|swagger)"|^(openapi|swagger):`)

func fixtureDocuments(t *testing.T) []string {
	t.Helper()
	if _, err := os.Stat(fixturesDir); err != nil {
		t.Fatalf("shared fixtures not found at %s (the repository is expected at <root>/main and the fixtures at <root>/shared/fixtures): %v", fixturesDir, err)
	}
	var docs []string
	err := filepath.WalkDir(fixturesDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "snapshots" {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".json", ".yaml", ".yml":
		default:
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if documentMarker.Match(data) {
			rel, _ := filepath.Rel(fixturesDir, path)
			docs = append(docs, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) == 0 {
		t.Fatalf("no OpenAPI documents under %s", fixturesDir)
	}
	return docs
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func goldenName(rel string) string {
	return unsafeName.ReplaceAllString(strings.ReplaceAll(rel, "/", "__"), "_") + ".golden"
}

// render is the golden form of one import: warnings, then the API as JSON or the error.
func render(rel string, data []byte) string {
	api, warnings, err := Import(data, Options{File: filepath.Join(fixturesDir, rel)})
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n", rel)
	fmt.Fprintf(&b, "## warnings (%d)\n", len(warnings))
	for _, w := range warnings {
		fmt.Fprintf(&b, "%s: %s\n", w.Pos, w.Message)
	}
	if err != nil {
		fmt.Fprintf(&b, "## error\n%s\n", err)
		return b.String()
	}
	out, jerr := json.MarshalIndent(api, "", "  ")
	if jerr != nil {
		return b.String() + "## json error\n" + jerr.Error() + "\n"
	}
	fmt.Fprintf(&b, "## api\n%s\n", out)
	return b.String()
}

func TestGoldenFixtures(t *testing.T) {
	docs := fixtureDocuments(t)
	want := map[string]bool{}
	for _, rel := range docs {
		name := goldenName(rel)
		want[name] = true
		t.Run(rel, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(fixturesDir, rel))
			if err != nil {
				t.Fatal(err)
			}
			if !IsOpenAPI(data) {
				t.Errorf("IsOpenAPI = false for a fixture document")
			}
			golden.Check(t, goldenDir, name, render(rel, data), *update)
		})
	}
	golden.Prune(t, goldenDir, want, *update)
}
