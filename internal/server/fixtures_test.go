package server

import (
	"bytes"
	"errors"
	"flag"
	"github.com/genkanhq/genkan/internal/golden"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/genkanhq/genkan/internal/apimodel"
)

var update = flag.Bool("update", false, "rewrite golden files")

const fixturesDir = "../../../shared/fixtures"

// fixtureDocuments lists every OpenAPI/Swagger document and SAM/CloudFormation template in the
// shared fixtures.
func fixtureDocuments(t *testing.T) []string {
	t.Helper()
	if _, err := os.Stat(fixturesDir); err != nil {
		t.Fatalf("shared fixtures not found at %s (the repository must sit beside shared/): %v", fixturesDir, err)
	}
	var docs []string
	err := filepath.WalkDir(fixturesDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(path, "/snapshots/") {
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
		if isOpenAPIDoc(data) {
			docs = append(docs, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(docs)
	return docs
}

// isOpenAPIDoc reports documents genkan serves directly: OpenAPI/Swagger and SAM templates.
func isOpenAPIDoc(data []byte) bool {
	l := Loader("")
	return l.IsOpenAPI(data) || l.IsSAM(data)
}

var problemPos = regexp.MustCompile(`^[^:]+:\d+:\d+: `)

// TestCompileFixtures serves every OpenAPI document and SAM template AWS and others published: each one
// compiles into a route table, or fails with problems that each name a file position.
func TestCompileFixtures(t *testing.T) {
	docs := fixtureDocuments(t)
	if len(docs) < 80 {
		t.Fatalf("found only %d OpenAPI fixtures", len(docs))
	}
	var compiled, failed int
	for _, doc := range docs {
		rel, _ := filepath.Rel(fixturesDir, doc)
		t.Run(rel, func(t *testing.T) {
			var out bytes.Buffer
			tbl, err := Check([]string{doc}, "")
			if err != nil {
				failed++
				var ps apimodel.Problems
				if !errors.As(err, &ps) {
					t.Fatalf("error is not a list of positioned problems: %v", err)
				}
				out.WriteString("FAILS\n")
				for _, p := range ps {
					line := strings.ReplaceAll(p.Error(), doc, rel)
					if !problemPos.MatchString(p.Error()) {
						t.Errorf("problem without file:line:col: %s", line)
					}
					out.WriteString(line + "\n")
				}
			} else {
				compiled++
				routes := 0
				for _, api := range tbl.APIs {
					routes += len(api.RouteList)
				}
				if routes == 0 && len(tbl.Warnings) == 0 {
					t.Fatalf("compiled into %d APIs without routes and without a warning saying why", len(tbl.APIs))
				}
				out.WriteString("SERVES\n")
				PrintRoutes(&out, tbl, "127.0.0.1:3000")
			}
			name := strings.NewReplacer("/", "__").Replace(rel) + ".golden"
			golden.Check(t, filepath.Join("testdata", "fixtures"), name, strings.ReplaceAll(out.String(), doc, rel), *update)
		})
	}
	t.Logf("%d documents serve, %d fail with positioned problems", compiled, failed)
}
