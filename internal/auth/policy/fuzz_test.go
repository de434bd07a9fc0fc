package policy

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: Parse never panics, and whatever it accepts can be expanded and evaluated
// without panicking. Seeds: the AWS documentation's policies (testdata/aws-docs) and the
// committed corpus in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "aws-docs", "*.json"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAllValues:StringLikeIfExists":{"k":["*?",1,true]}}}}`))
	f.Add([]byte(`{"Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":["*","1"]},"NotAction":[],"NotResource":"execute-api:/*"}]}`))
	f.Add([]byte(`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["::ffff:0:0/90","1.2.3.4/40"]}}}}`))
	reqs := []*Request{
		{Action: InvokeAction, Resource: MethodARN("us-east-1", "111111111111", "a123456789", "prod", "GET", "/")},
		{Action: "execute-api:InvalidateCache", Resource: "arn:aws:execute-api:us-east-1:111111111111:a123456789/prod/POST/a/b",
			PrincipalARN: "arn:aws:sts::222222222222:assumed-role/r/s", SourceIP: netip.MustParseAddr("192.0.2.1"),
			Keys: map[string][]string{"aws:SourceVpc": {"vpc-1a2b3c4d"}, "aws:TagKeys": {"a", "b"}, "k": {"1"}}},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, ws, err := Parse(data)
		if err != nil {
			if p != nil || ws != nil {
				t.Fatalf("error %v with a policy or warnings", err)
			}
			return
		}
		for _, w := range ws {
			_ = w.String()
		}
		e := p.Expand("us-east-1", "111111111111", "a123456789")
		for _, r := range reqs {
			d1, d2 := p.Evaluate(r), e.Evaluate(r)
			if d1 > Deny || d2 > Deny {
				t.Fatalf("decisions %v %v", d1, d2)
			}
		}
	})
}
