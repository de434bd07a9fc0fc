package sam

import (
	"path/filepath"
	"testing"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// FuzzImport checks that no template makes Import panic, and that whatever it reports is
// placed in a file. The seed corpus is testdata/fuzz/FuzzImport.
func FuzzImport(f *testing.F) {
	f.Add([]byte("Resources:\n  A:\n    Type: AWS::SNS::Topic\n"))
	f.Add([]byte(`{"Resources": {"A": {"Type": "AWS::Lambda::Function", "Properties": {"Code": "x", "Handler": "h", "Runtime": "go", "Timeout": {"Fn::Select": [0, [3]]}}}}}`))
	f.Add([]byte("Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: {CodeUri: x, Handler: h, Runtime: go, Events: {E: {Type: HttpApi}}}\n"))
	file := filepath.Join(f.TempDir(), "template.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Import(data, Options{File: file})
		if err != nil {
			ps, ok := err.(apimodel.Problems)
			if !ok || len(ps) == 0 {
				t.Fatalf("error %T %v is not apimodel.Problems", err, err)
			}
			for _, p := range ps {
				if p.Pos.File == "" {
					t.Errorf("problem without a file: %v", p)
				}
			}
			return
		}
		for _, w := range cfg.Warnings {
			if w.Pos.File == "" {
				t.Errorf("warning without a file: %v", w)
			}
		}
	})
}
