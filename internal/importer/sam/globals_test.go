package sam

import (
	"strings"
	"testing"
)

func TestMergeGlobals(t *testing.T) {
	tests := []struct {
		name, global, local, want string
	}{
		{"local primitive wins", `{Timeout: 3}`, `{Timeout: 10}`, `{"Timeout":10}`},
		{"global fills the gap", `{Timeout: 3, Runtime: go}`, `{Handler: h}`, `{"Timeout":3,"Runtime":"go","Handler":"h"}`},
		{"maps merge key by key", `{Environment: {Variables: {A: "1", B: "2"}}}`, `{Environment: {Variables: {B: "3", C: "4"}}}`,
			`{"Environment":{"Variables":{"A":"1","B":"3","C":"4"}}}`},
		{"lists concatenate, global first", `{Layers: [a, b]}`, `{Layers: [a, c]}`, `{"Layers":["a","b","a","c"]}`},
		{"type mismatch: local wins", `{CodeUri: s3://bucket/key}`, `{CodeUri: {Bucket: b, Key: k}}`, `{"CodeUri":{"Bucket":"b","Key":"k"}}`},
		{"intrinsic is a primitive", `{Environment: {Variables: {A: x}}}`, `{Environment: {Variables: !Ref Vars}}`, `{"Environment":{"Variables":"Vars"}}`},
		{"intrinsic global loses to a map", `{Tags: !Ref T}`, `{Tags: {a: b}}`, `{"Tags":{"a":"b"}}`},
		{"map global with intrinsic local value", `{Environment: {Variables: {A: "1"}}}`, `{Environment: {Variables: {A: !Sub "${X}"}}}`, `{"Environment":{"Variables":{"A":"${X}"}}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, _, err := parseDoc([]byte(tc.global), "g.yaml")
			if err != nil {
				t.Fatal(err)
			}
			l, _, err := parseDoc([]byte(tc.local), "l.yaml")
			if err != nil {
				t.Fatal(err)
			}
			// compactJSON prints an intrinsic's argument, enough to tell which side won.
			if got := compactJSON(mergeGlobals(g, l)); got != tc.want {
				t.Errorf("merge = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestGlobalsApplied(t *testing.T) {
	cfg, err := importString(t, `
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    Timeout: 10
    Environment:
      Variables:
        SHARED: "1"
        OVERRIDE: global
  Api:
    BinaryMediaTypes: [image~1png]
Resources:
  A:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: a/
      Handler: app.handler
      Environment:
        Variables:
          OVERRIDE: local
      Events:
        Get:
          Type: Api
          Properties: {Path: /a, Method: get}
  B:
    Type: AWS::Serverless::Function
    IgnoreGlobals: [Timeout]
    Properties:
      CodeUri: b/
      Handler: app.handler
  C:
    Type: AWS::Serverless::Function
    IgnoreGlobals: "*"
    Properties:
      CodeUri: c/
      Handler: app.handler
      Runtime: nodejs20.x
`)
	if err != nil {
		t.Fatal(err)
	}
	fns := map[string]int{}
	for i, f := range cfg.Functions {
		fns[f.Name] = i
	}
	a, b, c := cfg.Functions[fns["A"]], cfg.Functions[fns["B"]], cfg.Functions[fns["C"]]
	if a.Runtime != "python3.12" || a.Timeout.Seconds() != 10 || a.Environment["SHARED"] != "1" || a.Environment["OVERRIDE"] != "local" {
		t.Errorf("A = %+v", a)
	}
	if b.Runtime != "python3.12" || b.Timeout != 0 {
		t.Errorf("B ignores the global Timeout only: %+v", b)
	}
	if c.Runtime != "nodejs20.x" || c.Timeout != 0 || c.Environment != nil {
		t.Errorf("C ignores every global: %+v", c)
	}
	if got := cfg.APIs[0].BinaryMediaTypes; len(got) != 1 || got[0] != "image/png" {
		t.Errorf("implicit API binary media types = %v, want [image/png] from Globals.Api", got)
	}
}

func TestGlobalsErrors(t *testing.T) {
	_, err := importString(t, `
Transform: AWS::Serverless-2016-10-31
Globals:
  Functions:
    Timeout: 3
Resources:
  A:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: a/, Handler: h, Runtime: go}
`)
	if err == nil || !strings.Contains(err.Error(), ":4:3: Globals: Functions is not a section SAM supports") {
		t.Errorf("error = %v, want the unknown section at 4:3", err)
	}
	_, err = importString(t, `
Globals:
  Function:
    Timeout: 3
Resources:
  A:
    Type: AWS::Lambda::Function
    Properties: {Code: a/, Handler: h, Runtime: go}
`)
	if err == nil || !strings.Contains(err.Error(), "Globals is a SAM section") {
		t.Errorf("error = %v, want Globals without the SAM transform refused", err)
	}
}
