package config

import (
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/genkanhq/genkan/internal/apimodel"
)

const petstore = "openapi: 3.0.1\ninfo: { title: Petstore, version: '1' }\npaths: {}\n"

// wantProblems compares err's lines with want, in which "DIR" stands for dir.
func wantProblems(t *testing.T, err error, dir string, want ...string) {
	t.Helper()
	for i := range want {
		want[i] = strings.ReplaceAll(want[i], "DIR", dir)
	}
	if got := errLines(err); !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestLoadOpenAPIReference(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"genkan.yaml": `apis:
  - openapi: specs/petstore.yaml
    id: pets
    name: Pets
    stages:
      prod: { variables: { backend: "http://local" } }
      dev: {}
    routes:
      GET /health: { mock: {} }
    gatewayResponses:
      DEFAULT_4XX: { statusCode: 418 }
    binaryMediaTypes: [image/png, image/gif]
`,
		"specs/petstore.yaml": petstore,
	})
	var gotStage string
	l := testLoader()
	l.ImportOpenAPI = func(data []byte, file, id, stage string, p apimodel.Protocol) (*apimodel.API, []apimodel.Warning, error) {
		gotStage = stage
		if want := filepath.Join(dir, "specs/petstore.yaml"); file != want || id != "pets" {
			t.Errorf("importer got file %q id %q, want %q pets", file, id, want)
		}
		// Pretend the importer derived the stage "prod" from the document.
		return fakeImport(data, file, id, "prod", p)
	}
	cfg, err := l.Load(filepath.Join(dir, "genkan.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if gotStage != "prod" {
		t.Errorf("importer asked for stage %q, want the first declared stage prod", gotStage)
	}
	api := cfg.APIs[0]
	yaml := filepath.Join(dir, "genkan.yaml")
	if api.ID != "pets" || api.Name != "Pets" || api.Pos != (apimodel.Position{File: yaml, Line: 3, Column: 5}) {
		t.Errorf("api %q %q at %s", api.ID, api.Name, api.Pos)
	}
	if len(api.Stages) != 2 || api.Stages[0].Name != "prod" || api.Stages[1].Name != "dev" {
		t.Fatalf("stages %+v, want prod, dev", api.Stages)
	}
	// Imported variables stay unless the YAML overrides them.
	if v := api.Stages[0].Variables; !reflect.DeepEqual(v, map[string]string{"imported": "yes", "backend": "http://local"}) {
		t.Errorf("prod variables %v", v)
	}
	if api.Stages[0].AccessLogFormat != "$context.requestId" || api.Stages[1].Variables != nil {
		t.Errorf("stages %+v %+v", api.Stages[0], api.Stages[1])
	}
	if keys := []string{api.Routes[0].Key(), api.Routes[1].Key()}; !slices.Equal(keys, []string{"GET /pets", "GET /health"}) {
		t.Errorf("routes %v", keys)
	}
	if gr := api.GatewayResponses["DEFAULT_4XX"]; gr.StatusCode != "418" {
		t.Errorf("gateway response %+v", gr)
	}
	if !slices.Equal(api.BinaryMediaTypes, []string{"image/png", "image/gif"}) {
		t.Errorf("binary media types %v", api.BinaryMediaTypes)
	}
	if len(cfg.Warnings) != 1 || cfg.Warnings[0].Message != "imported by the fake" {
		t.Errorf("warnings %v", cfg.Warnings)
	}
	if files := l.Files(); !slices.Equal(files, []string{yaml, filepath.Join(dir, "specs/petstore.yaml")}) {
		t.Errorf("Files() = %v", files)
	}
}

func TestLoadDefaultStage(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"genkan.yaml":   "apis:\n  - openapi: petstore.yaml\n",
		"petstore.yaml": petstore,
	})
	for _, tc := range []struct{ flag, want string }{{"", "v1"}, {"test", "test"}} {
		l := testLoader()
		l.DefaultStage = tc.flag
		for _, path := range []string{filepath.Join(dir, "genkan.yaml"), filepath.Join(dir, "petstore.yaml")} {
			cfg, err := l.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.APIs[0].Stages[0].Name; got != tc.want {
				t.Errorf("DefaultStage %q, %s: stage %q, want %q", tc.flag, filepath.Base(path), got, tc.want)
			}
		}
	}
}

func TestLoadDirectory(t *testing.T) {
	t.Run("genkan.yaml wins", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{
			"genkan.yaml": "apis: [{ id: main }]\n",
			"other.yaml":  "apis: [{ id: other }]\n",
		})
		l := testLoader()
		cfg, err := l.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(cfg.APIs) != 1 || cfg.APIs[0].ID != "main" {
			t.Errorf("apis %v", cfg.APIs)
		}
		if files := l.Files(); !slices.Equal(files, []string{dir, filepath.Join(dir, "genkan.yaml")}) {
			t.Errorf("Files() = %v", files)
		}
	})
	t.Run("every config and document", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{
			"a.yaml":          "apis: [{ id: a, routes: { GET /: { mock: {} } } }, { openapi: referenced.json, id: ref }]\n",
			"b.yml":           "settings: { region: eu-west-1 }\n",
			"referenced.json": `{"openapi": "3.0.1", "paths": {}}`,
			"bare.yaml":       petstore,
			"compose.yaml":    "services: { web: { image: nginx } }\n",
			".hidden.yaml":    "apis: [{ id: hidden }]\n",
			"notes.txt":       "apis: [{ id: txt }]\n",
		})
		cfg, err := testLoader().Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, a := range cfg.APIs {
			ids = append(ids, a.ID)
		}
		// referenced.json is imported once, by its reference; bare.yaml on its own.
		if !slices.Equal(ids, []string{"a", "ref", "petstore"}) || cfg.Settings.Region != "eu-west-1" {
			t.Errorf("apis %v, region %q", ids, cfg.Settings.Region)
		}
		var skipped bool
		for _, w := range cfg.Warnings {
			skipped = skipped || (w.Pos.File == filepath.Join(dir, "compose.yaml") && strings.HasPrefix(w.Message, "skipped"))
		}
		if !skipped {
			t.Errorf("no warning for compose.yaml in %v", cfg.Warnings)
		}
	})
	t.Run("both names", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{"genkan.yaml": "apis: [{id: a}]\n", "genkan.yml": "apis: [{id: b}]\n"})
		_, err := testLoader().Load(dir)
		wantProblems(t, err, dir, "DIR: both genkan.yaml and genkan.yml exist; keep one")
	})
	t.Run("empty", func(t *testing.T) {
		dir := t.TempDir()
		_, err := testLoader().Load(dir)
		wantProblems(t, err, dir, "DIR: no genkan.yaml, genkan config, OpenAPI document or SAM template in this directory")
	})
}

func TestLoadProblems(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		paths []string
		want  []string
	}{
		{
			name:  "missing file",
			paths: []string{"nope.yaml"},
			want:  []string{"DIR/nope.yaml: cannot read: no such file or directory"},
		},
		{
			name:  "missing reference",
			files: map[string]string{"g.yaml": "apis:\n  - openapi: ./missing.yaml\n"},
			want:  []string{"DIR/g.yaml:2:14: openapi: ./missing.yaml: cannot read: no such file or directory"},
		},
		{
			name:  "reference is not OpenAPI",
			files: map[string]string{"g.yaml": "apis:\n  - openapi: other.yaml\n", "other.yaml": "apis: []\n"},
			want:  []string{"DIR/g.yaml:2:14: openapi: other.yaml is not an OpenAPI or Swagger document"},
		},
		{
			name:  "importer error",
			files: map[string]string{"g.yaml": "apis:\n  - openapi: p.yaml\n", "p.yaml": petstore + "# FAIL_PLAIN\n"},
			want:  []string{"DIR/g.yaml:2:14: openapi: p.yaml: paths./pets: no operations"},
		},
		{
			name:  "importer problems keep their positions",
			files: map[string]string{"g.yaml": "apis:\n  - openapi: p.yaml\n", "p.yaml": petstore + "# FAIL_PROBLEMS\n"},
			want:  []string{`DIR/p.yaml:3:5: x-amazon-apigateway-integration: unknown type "SOAP"`},
		},
		{
			name:  "bare document error",
			files: map[string]string{"p.yaml": petstore + "# FAIL_PLAIN\n"},
			paths: []string{"p.yaml"},
			want:  []string{"DIR/p.yaml: paths./pets: no operations"},
		},
		{
			name:  "route clashes with an imported one",
			files: map[string]string{"g.yaml": "apis:\n  - openapi: p.yaml\n    routes:\n      GET /pets: { mock: {} }\n", "p.yaml": petstore},
			want:  []string{"DIR/g.yaml:4:7: route GET /pets is already declared at DIR/p.yaml:4:1"},
		},
		{
			name: "setting in two files",
			files: map[string]string{
				"a.yaml": "settings:\n  region: eu-west-1\napis: [{id: a}]\n",
				"b.yaml": "settings:\n  limits: { maxBodyBytes: 5 }\n  region: eu-west-2\n",
			},
			paths: []string{"a.yaml", "b.yaml"},
			want:  []string{"DIR/b.yaml:3:3: settings.region is already set at DIR/a.yaml:2:3"},
		},
		{
			name: "api id in two files",
			files: map[string]string{
				"a.yaml": "apis: [{id: a}]\n",
				"b.yaml": "apis:\n  - id: a\n",
			},
			paths: []string{"a.yaml", "b.yaml"},
			want:  []string{"DIR/b.yaml:2:5: api id \"a\" is already used by DIR/a.yaml:1:9"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, tc.files)
			paths := tc.paths
			if paths == nil {
				paths = []string{"g.yaml"}
			}
			for i := range paths {
				paths[i] = filepath.Join(dir, paths[i])
			}
			_, err := testLoader().Load(paths...)
			wantProblems(t, err, dir, tc.want...)
		})
	}
}

func TestLoadSameFileTwice(t *testing.T) {
	dir := writeFiles(t, map[string]string{"genkan.yaml": "apis: [{id: a}]\n"})
	cfg, err := testLoader().Load(dir, filepath.Join(dir, "genkan.yaml"), filepath.Join(dir, ".", "genkan.yaml"))
	if err != nil || len(cfg.APIs) != 1 {
		t.Fatalf("cfg %v, err %v", cfg, err)
	}
}

func TestLoadWithoutImporter(t *testing.T) {
	dir := writeFiles(t, map[string]string{"g.yaml": "apis:\n  - openapi: p.yaml\n", "p.yaml": petstore})
	_, err := (&Loader{}).Load(filepath.Join(dir, "g.yaml"))
	wantProblems(t, err, dir, "DIR/g.yaml:2:14: openapi: p.yaml: this build cannot import OpenAPI documents")
}

func TestLoadImporterPanics(t *testing.T) {
	dir := writeFiles(t, map[string]string{"p.yaml": petstore})
	l := &Loader{ImportOpenAPI: func([]byte, string, string, string, apimodel.Protocol) (*apimodel.API, []apimodel.Warning, error) {
		panic("boom")
	}}
	_, err := l.Load(filepath.Join(dir, "p.yaml"))
	wantProblems(t, err, dir, "DIR/p.yaml: the OpenAPI importer failed: boom")
}

func TestLoadUsesIsOpenAPI(t *testing.T) {
	dir := writeFiles(t, map[string]string{"spec.yaml": "x-custom: {}\n"})
	l := testLoader()
	l.IsOpenAPI = func(data []byte) bool { return strings.HasPrefix(string(data), "x-custom") }
	cfg, err := l.Load(filepath.Join(dir, "spec.yaml"))
	if err != nil || cfg.APIs[0].ID != "petstore" {
		t.Fatalf("cfg %v, err %v", cfg, err)
	}
}

func TestLoadErrorIsProblems(t *testing.T) {
	_, err := testLoader().Load(filepath.Join(t.TempDir(), "nope.yaml"))
	var ps apimodel.Problems
	if !errors.As(err, &ps) || len(ps) != 1 {
		t.Fatalf("error %T %v, want apimodel.Problems", err, err)
	}
}
