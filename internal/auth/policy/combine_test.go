package policy

import (
	"fmt"
	"testing"
)

// Rows of "Table A: Account A Calls API Owned by Account A" and "Table B: Account B Calls API
// Owned by Account A" ("How API Gateway resource policies affect authorization workflow"),
// columns: IAM user policy (or Lambda or Amazon Cognito user pools authorizer), API Gateway
// resource policy, resulting behavior. "Neither Allow nor Deny" is ImplicitDeny.
var (
	tableA = [][3]Decision{
		{Allow, Allow, Allow},
		{Allow, ImplicitDeny, Allow},
		{Allow, Deny, Deny},
		{ImplicitDeny, Allow, Allow},
		{ImplicitDeny, ImplicitDeny, ImplicitDeny},
		{ImplicitDeny, Deny, Deny},
		{Deny, Allow, Deny},
		{Deny, ImplicitDeny, Deny},
		{Deny, Deny, Deny},
	}
	tableB = [][3]Decision{
		{Allow, Allow, Allow},
		{Allow, ImplicitDeny, ImplicitDeny},
		{Allow, Deny, Deny},
		{ImplicitDeny, Allow, ImplicitDeny},
		{ImplicitDeny, ImplicitDeny, ImplicitDeny},
		{ImplicitDeny, Deny, Deny},
		{Deny, Allow, Deny},
		{Deny, ImplicitDeny, Deny},
		{Deny, Deny, Deny},
	}
)

func TestCombineTables(t *testing.T) {
	for name, table := range map[string][][3]Decision{"A": tableA, "B": tableB} {
		for _, row := range table {
			if got := Combine(row[0], row[1], name == "B"); got != row[2] {
				t.Errorf("Table %s: authorizer %v, resource policy %v: got %v, want %v", name, row[0], row[1], got, row[2])
			}
		}
	}
}

func TestDecideWorkflows(t *testing.T) {
	all := []Decision{Allow, ImplicitDeny, Deny}
	// Resource policy only: "An implicit denial or any explicit denial results in denying".
	for _, rp := range all {
		for _, az := range all { // an authorizer outcome is ignored without an authorizer
			want := ImplicitDeny
			if rp == Allow {
				want = Allow
			} else if rp == Deny {
				want = Deny
			}
			if got := Decide(Outcomes{Auth: AuthNone, HasResourcePolicy: true, Resource: rp, Authorizer: az}); got != want {
				t.Errorf("NONE, resource %v: %v, want %v", rp, got, want)
			}
		}
	}
	// Lambda authorizer and IAM in the owner's account: Table A.
	for _, row := range tableA {
		for _, auth := range []AuthType{AuthLambda, AuthIAM} {
			o := Outcomes{Auth: auth, HasResourcePolicy: true, Authorizer: row[0], Resource: row[1]}
			if got := Decide(o); got != row[2] {
				t.Errorf("%v %+v: %v, want %v", auth, o, got, row[2])
			}
		}
		// Lambda authorizers are always in the owner's account: CrossAccount is ignored.
		o := Outcomes{Auth: AuthLambda, HasResourcePolicy: true, Authorizer: row[0], Resource: row[1], CrossAccount: true}
		if got := Decide(o); got != row[2] {
			t.Errorf("%+v: %v, want %v", o, got, row[2])
		}
	}
	// IAM from another account: Table B.
	for _, row := range tableB {
		o := Outcomes{Auth: AuthIAM, HasResourcePolicy: true, Authorizer: row[0], Resource: row[1], CrossAccount: true}
		if got := Decide(o); got != row[2] {
			t.Errorf("%+v: %v, want %v", o, got, row[2])
		}
	}
	// Cognito: "the resource policy is evaluated independently, and an explicit allow is
	// required. A deny or 'neither allow or deny' results in a deny."
	for _, rp := range all {
		want := rp
		if got := Decide(Outcomes{Auth: AuthCognito, HasResourcePolicy: true, Resource: rp, Authorizer: Allow}); got != want {
			t.Errorf("Cognito, resource %v: %v, want %v", rp, got, want)
		}
	}
}

func TestDecideWithoutResourcePolicy(t *testing.T) {
	tests := []struct {
		o    Outcomes
		want Decision
	}{
		{Outcomes{Auth: AuthNone}, Allow},
		{Outcomes{Auth: AuthCognito}, Allow},
		{Outcomes{Auth: AuthLambda, Authorizer: Allow}, Allow},
		{Outcomes{Auth: AuthLambda, Authorizer: ImplicitDeny}, ImplicitDeny},
		{Outcomes{Auth: AuthLambda, Authorizer: Deny}, Deny},
		{Outcomes{Auth: AuthIAM, Authorizer: Allow}, Allow},
		{Outcomes{Auth: AuthIAM, Authorizer: ImplicitDeny}, ImplicitDeny},
		// Cross-account IAM access needs a resource policy that grants it (Table B).
		{Outcomes{Auth: AuthIAM, Authorizer: Allow, CrossAccount: true}, ImplicitDeny},
		// Resource is ignored when there is no resource policy.
		{Outcomes{Auth: AuthIAM, Authorizer: Allow, Resource: Deny}, Allow},
	}
	for _, tt := range tests {
		if got := Decide(tt.o); got != tt.want {
			t.Errorf("Decide(%+v) = %v, want %v", tt.o, got, tt.want)
		}
	}
}

func TestDeniedBeforeAuthorizer(t *testing.T) {
	// The flow document's example: a Deny unless the call comes through vpce-1a2b3c4d stops
	// other callers before the Lambda authorizer runs; an Allow-less policy does not.
	p, _, err := Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*",
		"Action":"execute-api:Invoke","Resource":["arn:aws:execute-api:us-east-1:111111111111:a123456789/*"],
		"Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if !DeniedBeforeAuthorizer(p.Evaluate(req("prod", "GET", "/"))) {
		t.Error("public call not denied before the authorizer")
	}
	through := p.Evaluate(req("prod", "GET", "/", key("aws:SourceVpce", "vpce-1a2b3c4d")))
	if DeniedBeforeAuthorizer(through) {
		t.Error("call through the endpoint denied")
	}
	// After the authorizer allows, Table A: the resource policy's silence does not deny.
	if got := Decide(Outcomes{Auth: AuthLambda, HasResourcePolicy: true, Resource: through, Authorizer: Allow}); got != Allow {
		t.Errorf("final = %v", got)
	}
}

func TestStrings(t *testing.T) {
	got := fmt.Sprint(Allow, Deny, ImplicitDeny, AuthNone, AuthIAM, AuthLambda, AuthCognito)
	if got != "Allow Deny ImplicitDeny NONE AWS_IAM CUSTOM COGNITO_USER_POOLS" {
		t.Error(got)
	}
}
