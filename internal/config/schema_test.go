package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The files in testdata/valid must load and satisfy docs/genkan.schema.json; the files in
// testdata/invalid must fail both, the decoder with exactly the problems their "# want:"
// comments list. Mistakes the schema cannot see (duplicate keys, missing files, unset
// environment variables, cross references) are covered by the table tests instead.
func TestSchemaAndDecoderAgree(t *testing.T) {
	sch := compileSchema(t)
	for _, dir := range []string{"valid", "invalid"} {
		files, err := filepath.Glob(filepath.Join("testdata", dir, "*.yaml"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no files in testdata/%s: %v", dir, err)
		}
		for _, file := range files {
			t.Run(dir+"/"+filepath.Base(file), func(t *testing.T) {
				data, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				_, loadErr := testLoader().Load(file)
				doc, ok := jsonValue(data)
				if !ok {
					t.Fatalf("cannot convert %s to JSON", file)
				}
				schemaErr := sch.Validate(doc)
				if dir == "valid" {
					if loadErr != nil {
						t.Errorf("decoder rejects a valid file:\n%v", loadErr)
					}
					if schemaErr != nil {
						t.Errorf("schema rejects a valid file:\n%v", schemaErr)
					}
					return
				}
				if schemaErr == nil {
					t.Errorf("schema accepts an invalid file")
				}
				var want []string
				for _, line := range strings.Split(string(data), "\n") {
					if rest, ok := strings.CutPrefix(line, "# want: "); ok {
						want = append(want, file+":"+rest)
					}
				}
				if got := errLines(loadErr); !slices.Equal(got, want) {
					t.Errorf("decoder problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
			})
		}
	}
}

func TestSchemaIsValidJSONSchema(t *testing.T) {
	// compileSchema validates against the 2020-12 meta-schema.
	compileSchema(t)
}

// The schema's runtime enum is the decoder's list; an identifier added to one only would let
// editors and genkan disagree on the same file.
func TestSchemaRuntimes(t *testing.T) {
	data, err := os.ReadFile("../../docs/genkan.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Defs struct {
			Function struct {
				Properties struct {
					Runtime struct {
						Enum []string `json:"enum"`
					} `json:"runtime"`
				} `json:"properties"`
			} `json:"function"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatal(err)
	}
	got := slices.Sorted(slices.Values(schema.Defs.Function.Properties.Runtime.Enum))
	want := slices.Sorted(slices.Values(append([]string{goRuntime}, lambdaRuntimes...)))
	if !slices.Equal(got, want) {
		t.Errorf("schema runtimes:\n%v\nwant the decoder's:\n%v", got, want)
	}
}
