package policy

import (
	"slices"
	"strings"
	"testing"
)

func TestParseShapes(t *testing.T) {
	// Statement as an object, Action and Resource as strings.
	p, ws, err := Parse([]byte(`{"Version":"2012-10-17","Id":"x","Statement":{"Sid":"one","Effect":"Allow",
		"Action":"execute-api:Invoke","Resource":"*"}}`))
	if err != nil || len(ws) != 0 {
		t.Fatalf("Parse: %v %v", err, ws)
	}
	if p.ID != "x" || len(p.Statements) != 1 {
		t.Fatalf("policy %+v", p)
	}
	s := p.Statements[0]
	if s.Sid != "one" || s.Effect != EffectAllow || !slices.Equal(s.Action, []string{InvokeAction}) ||
		!slices.Equal(s.Resource, []string{"*"}) || s.Principal != nil || s.NotAction != nil {
		t.Errorf("statement %+v", s)
	}

	// Statement as a list, Principal object with several types.
	p, ws, err = Parse([]byte(`{"Statement":[{"Effect":"Deny","Principal":{"AWS":"123456789012","Service":["x.amazonaws.com"]},
		"Action":["a","b"],"NotResource":[]}]}`))
	if err != nil || len(ws) != 0 {
		t.Fatalf("Parse: %v %v", err, ws)
	}
	s = p.Statements[0]
	if !slices.Equal(s.Principal.AWS, []string{"123456789012"}) || !slices.Equal(s.Principal.Service, []string{"x.amazonaws.com"}) {
		t.Errorf("principal %+v", s.Principal)
	}
	if s.NotResource == nil || len(s.NotResource) != 0 {
		t.Errorf("NotResource %#v: an empty list must stay present", s.NotResource)
	}
	// An empty NotResource excludes nothing, so the Deny applies everywhere.
	if got := p.Evaluate(&Request{Action: "A", Resource: "r", PrincipalARN: "arn:aws:iam::123456789012:user/u"}); got != Deny {
		t.Errorf("Evaluate = %v", got)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"not JSON", `{`, "policy"},
		{"not an object", `[]`, "policy document must be a JSON object"},
		{"null", `null`, "policy document must be a JSON object"},
		{"no statement", `{"Version":"2012-10-17"}`, "Statement is missing"},
		{"statement scalar", `{"Statement":"x"}`, "Statement must be an object or a list"},
		{"statement list of scalars", `{"Statement":[1]}`, "statement 0: must be an object"},
		{"version type", `{"Version":1,"Statement":[]}`, "Version must be a string"},
		{"effect missing", `{"Statement":{"Action":"*","Resource":"*"}}`, `Effect must be "Allow" or "Deny"`},
		{"effect lower case", `{"Statement":{"Effect":"allow","Action":"*","Resource":"*"}}`, `Effect must be "Allow" or "Deny"`},
		// Element names are case-sensitive: "effect" is not Effect.
		{"element name case", `{"Statement":{"effect":"Allow","Action":"*","Resource":"*"}}`, `Effect must be "Allow" or "Deny"`},
		{"both actions", `{"Statement":{"Effect":"Allow","Action":"*","NotAction":"*","Resource":"*"}}`, "both Action and NotAction"},
		{"no action", `{"Statement":{"Effect":"Allow","Resource":"*"}}`, "needs Action or NotAction"},
		{"no resource", `{"Statement":{"Sid":"s1","Effect":"Allow","Action":"*"}}`, `statement 0 (Sid "s1"): needs Resource or NotResource`},
		{"both resources", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"*"}}`, "both Resource and NotResource"},
		{"action number", `{"Statement":{"Effect":"Allow","Action":3,"Resource":"*"}}`, "Action: must be a string or a list of strings"},
		{"action list of numbers", `{"Statement":{"Effect":"Allow","Action":[3],"Resource":"*"}}`, "Action: must be a string or a list of strings"},
		{"principal arn string", `{"Statement":{"Effect":"Allow","Principal":"arn:aws:iam::1:root","Action":"*","Resource":"*"}}`, `Principal: must be "*" or an object`},
		{"principal list", `{"Statement":{"Effect":"Allow","Principal":["*"],"Action":"*","Resource":"*"}}`, `Principal: must be "*" or an object`},
		{"both principals", `{"Statement":{"Effect":"Allow","Principal":"*","NotPrincipal":"*","Action":"*","Resource":"*"}}`, "both Principal and NotPrincipal"},
		{"condition list", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":[]}}`, "Condition: must be an object of operators"},
		{"condition operator scalar", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":true}}}`, "Bool must be an object of condition keys"},
		{"condition null value", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"k":null}}}}`, "values must be strings, numbers or booleans"},
		{"condition object value", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"k":{}}}}}`, "values must be strings, numbers or booleans"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _, err := Parse([]byte(tt.doc))
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", p)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q lacks %q", err, tt.want)
			}
		})
	}
}

func TestParseWarnings(t *testing.T) {
	_, ws, err := Parse([]byte(`{"Version":"2013-01-01","Extra":1,"Statement":[
		{"Effect":"Allow","Principal":{"AWS":"*","Weird":"x"},"Action":"*","Resource":"arn:aws:execute-api:*:*:*/${aws:username}/*","Comment":"x"},
		{"Effect":"Allow","Principal":"","Action":"*","Resource":"*"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range ws {
		got = append(got, w.String())
	}
	want := []string{
		`unknown element "Extra" ignored`,
		`unknown Version "2013-01-01"`,
		`statement 0: unknown element "Comment" ignored`,
		`statement 0: Principal: unknown principal types ["Weird"] ignored`,
		`statement 1: Principal: empty string matches no principal (did you mean "*"?)`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("warnings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Policy variables are only variables in 2012-10-17 documents.
	_, ws, _ = Parse([]byte(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:execute-api:*:*:*/${aws:username}"}}`))
	if len(ws) != 1 || !strings.Contains(ws[0].Message, "policy variable") {
		t.Errorf("warnings %v", ws)
	}
	_, ws, _ = Parse([]byte(`{"Statement":[]}`))
	if len(ws) != 1 || !strings.Contains(ws[0].Message, "Statement is empty") {
		t.Errorf("warnings %v", ws)
	}
}

// An empty-string Principal (seen in one version of the AWS docs) matches nobody.
func TestEmptyPrincipalMatchesNobody(t *testing.T) {
	p, _, err := Parse([]byte(`{"Statement":{"Effect":"Allow","Principal":"","Action":"*","Resource":"*"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Evaluate(&Request{Action: "a", Resource: "r"}); got != ImplicitDeny {
		t.Errorf("got %v", got)
	}
}
