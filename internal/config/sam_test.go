package config

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// names lists the API ids and function names of cfg, for compact comparisons.
func names(cfg *apimodel.Config) (apis, functions []string) {
	for _, a := range cfg.APIs {
		apis = append(apis, a.ID)
	}
	for _, f := range cfg.Functions {
		functions = append(functions, f.Name)
	}
	return apis, functions
}

func loadNames(t *testing.T, l *Loader, paths ...string) (apis, functions []string) {
	t.Helper()
	cfg, err := l.Load(paths...)
	if err != nil {
		t.Fatal(err)
	}
	return names(cfg)
}

const helloRoute = "apis:\n  - id: shop\n    routes: { GET /hello: { function: HelloFunction } }\n"

func TestLoadSAM(t *testing.T) {
	t.Run("template given directly", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{"template.yaml": samTemplate})
		l := testLoader()
		l.DefaultStage = "test"
		cfg, err := l.Load(filepath.Join(dir, "template.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if apis, fns := names(cfg); !slices.Equal(apis, []string{"samapi"}) || !slices.Equal(fns, []string{"HelloFunction"}) {
			t.Errorf("apis %v, functions %v", apis, fns)
		}
		if st := cfg.APIs[0].Stages[0].Name; st != "test" {
			t.Errorf("stage %q, want DefaultStage", st)
		}
		if len(cfg.Warnings) != 1 || cfg.Warnings[0].Message != "imported by the fake SAM importer" {
			t.Errorf("warnings %v", cfg.Warnings)
		}
	})
	t.Run("SAM is recognised before OpenAPI", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{"both.yaml": "openapi: 3.0.1\n" + samTemplate})
		if apis, _ := loadNames(t, testLoader(), filepath.Join(dir, "both.yaml")); !slices.Equal(apis, []string{"samapi"}) {
			t.Errorf("apis %v", apis)
		}
	})
	t.Run("IsSAM decides", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{"sam.yaml": "x-sam: {}\n", "other.yaml": samTemplate + helloRoute})
		l := testLoader()
		l.IsSAM = func(data []byte) bool { return strings.HasPrefix(string(data), "x-sam") }
		if apis, _ := loadNames(t, l, filepath.Join(dir, "sam.yaml")); !slices.Equal(apis, []string{"samapi"}) {
			t.Errorf("apis %v", apis)
		}
		_, err := l.Load(filepath.Join(dir, "other.yaml"))
		wantProblems(t, err, dir, `DIR/other.yaml:1:1: unknown key "AWSTemplateFormatVersion" at the top level`,
			`DIR/other.yaml:2:1: unknown key "Transform" at the top level`,
			`DIR/other.yaml:3:1: unknown key "Resources" at the top level`,
			`DIR/other.yaml:8:39: function: "HelloFunction" is not declared in functions`)
	})
	t.Run("template beside genkan.yaml", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{
			"genkan.yaml":   helloRoute,
			"template.yaml": samTemplate,
			"template.yml":  "not: sam\n",
			"other.yaml":    "apis: [{ id: other }]\n",
		})
		l := testLoader()
		apis, fns := loadNames(t, l, dir)
		if !slices.Equal(apis, []string{"shop", "samapi"}) || !slices.Equal(fns, []string{"HelloFunction"}) {
			t.Errorf("apis %v, functions %v", apis, fns)
		}
		want := []string{dir, filepath.Join(dir, "genkan.yaml"), filepath.Join(dir, "template.yaml")}
		if files := l.Files(); !slices.Equal(files, want) {
			t.Errorf("Files() = %v, want %v", files, want)
		}
	})
	t.Run("every file of a directory", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{
			"api.yaml":  helloRoute,
			"sam.yaml":  samTemplate,
			"spec.yaml": petstore,
			"fn.yaml":   "functions: { other: { runtime: go, code: . } }\n",
		})
		apis, fns := loadNames(t, testLoader(), dir)
		if !slices.Equal(apis, []string{"shop", "samapi", "petstore"}) || !slices.Equal(fns, []string{"other", "HelloFunction"}) {
			t.Errorf("apis %v, functions %v", apis, fns)
		}
	})
	t.Run("referenced template is imported once", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{
			"genkan.yaml":   "apis:\n  - sam: ./template.yaml\n  - sam: template.yaml\n" + strings.TrimPrefix(helloRoute, "apis:\n"),
			"template.yaml": samTemplate,
			"sub/g.yaml":    "apis:\n  - sam: ../template.yaml\n",
		})
		apis, fns := loadNames(t, testLoader(), dir, filepath.Join(dir, "template.yaml"), filepath.Join(dir, "sub/g.yaml"))
		if !slices.Equal(apis, []string{"samapi", "shop"}) || !slices.Equal(fns, []string{"HelloFunction"}) {
			t.Errorf("apis %v, functions %v", apis, fns)
		}
	})
}

func TestLoadFunctionsAcrossFiles(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"routes.yaml": "apis:\n  - id: a\n    routes: { GET /: { function: hello } }\n",
		"fns.yaml":    "functions:\n  hello: { runtime: go, code: ./src }\n",
		"set.yaml":    "settings: { region: ap-northeast-1 }\n",
		"src/main.go": "package main\n",
	})
	cfg, err := testLoader().Load(filepath.Join(dir, "routes.yaml"), filepath.Join(dir, "fns.yaml"), filepath.Join(dir, "set.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if uri := cfg.APIs[0].Routes[0].Integration.URI; !strings.Contains(uri, ":ap-northeast-1:123456789012:function:hello/") {
		t.Errorf("uri %s", uri)
	}
	if code := cfg.Functions[0].Code; code != filepath.Join(dir, "src") {
		t.Errorf("code %s, want it relative to fns.yaml", code)
	}
}

func TestLoadSAMProblems(t *testing.T) {
	for _, tc := range []struct {
		name   string
		files  map[string]string
		paths  []string
		loader *Loader
		want   []string
	}{
		{
			name: "function in two files",
			files: map[string]string{
				"a.yaml": "functions:\n  hello: { runtime: go, code: . }\n",
				"b.yaml": "functions:\n  hello: { runtime: go, code: . }\n",
			},
			paths: []string{"a.yaml", "b.yaml"},
			want:  []string{`DIR/b.yaml:2:3: function "hello" is already declared at DIR/a.yaml:2:3`},
		},
		{
			name: "function in a config and a template",
			files: map[string]string{
				"g.yaml": "functions:\n  HelloFunction: { runtime: go, code: . }\n",
				"t.yaml": samTemplate,
			},
			paths: []string{"g.yaml", "t.yaml"},
			want:  []string{`DIR/t.yaml:4:3: function "HelloFunction" is already declared at DIR/g.yaml:2:3`},
		},
		{
			name:  "undeclared function with a template's suggestion",
			files: map[string]string{"g.yaml": "apis:\n  - sam: t.yaml\n  - id: a\n    routes: { GET /: { function: HelloFuncton } }\n", "t.yaml": samTemplate},
			want:  []string{`DIR/g.yaml:4:34: function: "HelloFuncton" is not declared in functions (did you mean "HelloFunction"?)`},
		},
		{
			name:  "missing reference",
			files: map[string]string{"g.yaml": "apis:\n  - sam: missing.yaml\n"},
			want:  []string{"DIR/g.yaml:2:10: sam: missing.yaml: cannot read: no such file or directory"},
		},
		{
			name:  "reference is not SAM",
			files: map[string]string{"g.yaml": "apis:\n  - sam: p.yaml\n", "p.yaml": petstore},
			want:  []string{"DIR/g.yaml:2:10: sam: p.yaml is not a SAM template"},
		},
		{
			name:  "importer error",
			files: map[string]string{"g.yaml": "apis:\n  - sam: t.yaml\n", "t.yaml": samTemplate + "# FAIL_PLAIN\n"},
			want:  []string{"DIR/g.yaml:2:10: sam: t.yaml: Resources.HelloFunction: CodeUri is required"},
		},
		{
			name:  "bare template error",
			files: map[string]string{"t.yaml": samTemplate + "# FAIL_PLAIN\n"},
			paths: []string{"t.yaml"},
			want:  []string{"DIR/t.yaml: Resources.HelloFunction: CodeUri is required"},
		},
		{
			name:  "importer problems keep their positions",
			files: map[string]string{"g.yaml": "apis:\n  - sam: t.yaml\n", "t.yaml": samTemplate + "# FAIL_PROBLEMS\n"},
			want:  []string{`DIR/t.yaml:4:7: Runtime: "cobol" is not a Lambda runtime`},
		},
		{
			name:  "importer panics",
			files: map[string]string{"t.yaml": samTemplate + "# PANIC\n"},
			paths: []string{"t.yaml"},
			want:  []string{"DIR/t.yaml: the SAM importer failed: boom"},
		},
		{
			name:  "importer returns nothing",
			files: map[string]string{"t.yaml": samTemplate + "# NOTHING\n"},
			paths: []string{"t.yaml"},
			want:  []string{"DIR/t.yaml: the SAM importer returned nothing"},
		},
		{
			name:   "no importer",
			files:  map[string]string{"g.yaml": "apis:\n  - sam: t.yaml\n", "t.yaml": samTemplate},
			loader: &Loader{},
			want:   []string{"DIR/g.yaml:2:10: sam: t.yaml: this build cannot import SAM templates"},
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
			l := tc.loader
			if l == nil {
				l = testLoader()
			}
			_, err := l.Load(paths...)
			wantProblems(t, err, dir, tc.want...)
		})
	}
}
