package policy

import "testing"

func TestMethodARN(t *testing.T) {
	tests := []struct {
		region, stage, method, path, want string
	}{
		// The root resource keeps the trailing slash (Lambda authorizer output example
		// ".../*/GET/", aws-sam-cli#5777 ".../Prod/GET/").
		{"us-east-1", "prod", "GET", "/", "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/"},
		{"us-east-1", "prod", "GET", "", "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/"},
		// The input example of "Input to an API Gateway Lambda authorizer".
		{"us-east-1", "test", "GET", "/request", "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/request"},
		// Path parameters and greedy paths appear as requested, not as the template.
		{"us-east-1", "prod", "GET", "/pets/42", "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/pets/42"},
		{"us-east-1", "prod", "DELETE", "/name/a/b/c", "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/DELETE/name/a/b/c"},
		{"us-east-1", "$default", "POST", "/x", "arn:aws:execute-api:us-east-1:123456789012:abcdef123/$default/POST/x"},
		{"cn-north-1", "prod", "GET", "/", "arn:aws-cn:execute-api:cn-north-1:123456789012:abcdef123/prod/GET/"},
		{"us-gov-west-1", "prod", "GET", "/", "arn:aws-us-gov:execute-api:us-gov-west-1:123456789012:abcdef123/prod/GET/"},
	}
	for _, tt := range tests {
		if got := MethodARN(tt.region, "123456789012", "abcdef123", tt.stage, tt.method, tt.path); got != tt.want {
			t.Errorf("MethodARN(%q, %q, %q, %q) = %q, want %q", tt.region, tt.stage, tt.method, tt.path, got, tt.want)
		}
	}
}

func TestPartition(t *testing.T) {
	for region, want := range map[string]string{
		"us-east-1": "aws", "eu-west-3": "aws", "cn-northwest-1": "aws-cn", "us-gov-east-1": "aws-us-gov",
		"us-iso-east-1": "aws-iso", "us-isob-east-1": "aws-iso-b", "": "aws",
	} {
		if got := Partition(region); got != want {
			t.Errorf("Partition(%q) = %q, want %q", region, got, want)
		}
	}
}

func TestExpandKeepsFullARNs(t *testing.T) {
	p, _, err := Parse([]byte(`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*",
		"Resource":["execute-api:/prod/GET/pets","arn:aws:execute-api:us-east-1:1:other/*"]},
		{"Effect":"Deny","Principal":"*","Action":"*","NotResource":"execute-api:/prod/*"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	e := p.Expand("cn-north-1", "123456789012", "aabbccddee")
	want := []string{"arn:aws-cn:execute-api:cn-north-1:123456789012:aabbccddee/prod/GET/pets", "arn:aws:execute-api:us-east-1:1:other/*"}
	for i, w := range want {
		if e.Statements[0].Resource[i] != w {
			t.Errorf("Resource[%d] = %q, want %q", i, e.Statements[0].Resource[i], w)
		}
	}
	if got := e.Statements[1].NotResource[0]; got != "arn:aws-cn:execute-api:cn-north-1:123456789012:aabbccddee/prod/*" {
		t.Errorf("NotResource = %q", got)
	}
	if e.Statements[1].Resource != nil {
		t.Error("absent Resource became present")
	}
	var nilPolicy *Policy
	if nilPolicy.Expand("r", "a", "i") != nil {
		t.Error("nil.Expand != nil")
	}
}

func TestAccountOf(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:iam::123456789012:user/a":                "123456789012",
		"arn:aws:sts::123456789012:assumed-role/r/s":      "123456789012",
		"arn:aws:execute-api:us-east-1:1:api/s/GET/a:b:c": "1",
		"123456789012": "",
		"arn:aws:iam":  "",
		"":             "",
	} {
		if got := AccountOf(arn); got != want {
			t.Errorf("AccountOf(%q) = %q, want %q", arn, got, want)
		}
	}
}
