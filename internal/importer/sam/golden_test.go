package sam

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

// templateMarker draws up the fixture list the way `grep -rlE` would; IsSAM adds templates
// that carry neither marker (CDK output).
var templateMarker = regexp.MustCompile(`AWS::Serverless|AWSTemplateFormatVersion`)

func fixtureTemplates(t *testing.T) []string {
	t.Helper()
	if _, err := os.Stat(fixturesDir); err != nil {
		t.Fatalf("shared fixtures not found at %s (the repository is expected at <root>/main and the fixtures at <root>/shared/fixtures): %v", fixturesDir, err)
	}
	var docs []string
	err := filepath.WalkDir(fixturesDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
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
		if templateMarker.Match(data) || IsSAM(data) {
			rel, _ := filepath.Rel(fixturesDir, path)
			docs = append(docs, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) < 45 {
		t.Fatalf("found %d templates under %s, expected at least 45", len(docs), fixturesDir)
	}
	return docs
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func goldenName(rel string) string {
	return unsafeName.ReplaceAllString(strings.ReplaceAll(rel, "/", "__"), "_") + ".golden"
}

// render is the golden form of one import: the config as JSON with its warnings, or the
// error. Absolute paths are written relative to the fixtures so that goldens do not depend
// on where the repository is checked out.
func render(rel string, data []byte) string {
	cfg, err := Import(data, Options{File: filepath.Join(fixturesDir, rel)})
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n", rel)
	if err != nil {
		fmt.Fprintf(&b, "## error\n%s\n", err)
		return b.String()
	}
	fmt.Fprintf(&b, "## warnings (%d)\n", len(cfg.Warnings))
	for _, w := range cfg.Warnings {
		fmt.Fprintf(&b, "%s: %s\n", w.Pos, w.Message)
	}
	cfg.Warnings = nil
	out, jerr := json.MarshalIndent(cfg, "", "  ")
	if jerr != nil {
		return b.String() + "## json error\n" + jerr.Error() + "\n"
	}
	fmt.Fprintf(&b, "## config\n%s\n", out)
	abs, _ := filepath.Abs(fixturesDir)
	return strings.ReplaceAll(b.String(), abs, "$FIXTURES")
}

func TestGoldenFixtures(t *testing.T) {
	docs := fixtureTemplates(t)
	want := map[string]bool{}
	for _, rel := range docs {
		name := goldenName(rel)
		want[name] = true
		t.Run(rel, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(fixturesDir, rel))
			if err != nil {
				t.Fatal(err)
			}
			if !IsSAM(data) {
				t.Errorf("IsSAM = false for a fixture template")
			}
			golden.Check(t, goldenDir, name, render(rel, data), *update)
		})
	}
	golden.Prune(t, goldenDir, want, *update)
}
