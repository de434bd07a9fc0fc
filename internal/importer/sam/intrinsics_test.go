package sam

import (
	"strings"
	"testing"
)

// intrinsicTemplate gives the expressions under test something to refer to.
const intrinsicTemplate = `
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Env:
    Type: String
    Default: prod
  Sizes:
    Type: CommaDelimitedList
    Default: "a,b,c"
  Port:
    Type: Number
    Default: 8080
  NoDefault:
    Type: String
  FromSSM:
    Type: AWS::SSM::Parameter::Value<String>
    Default: /my/param
Mappings:
  Regions:
    us-east-1:
      Ami: ami-123
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  Both: !And [!Condition IsProd, !Equals [a, a]]
  Either: !Or [!Condition IsDev, !Equals [!Ref Port, "8080"]]
  Unknown: !Equals [!Ref NoDefault, x]
  Loop: !Not [!Condition Loop]
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: !Sub ${AWS::StackName}-fn
      CodeUri: src/
      Handler: index.handler
      Runtime: nodejs20.x
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
  Table:
    Type: AWS::DynamoDB::Table
`

func testImporter(t *testing.T) *importer {
	t.Helper()
	im := newImporter(Options{File: "/tmp/shop/template.yaml"})
	root, _, err := parseDoc([]byte(intrinsicTemplate), im.opt.File)
	if err != nil {
		t.Fatal(err)
	}
	im.root = root
	if !im.sections() {
		t.Fatalf("sections: %v", im.problems)
	}
	im.assignIDs()
	return im
}

func TestIntrinsics(t *testing.T) {
	tests := []struct {
		name, expr string
		want       string // compact JSON of the result
		err        string // part of the error, when it cannot resolve
		warn       string // part of a warning it must leave
	}{
		{name: "ref parameter", expr: `!Ref Env`, want: `"prod"`},
		{name: "ref number parameter", expr: `{Ref: Port}`, want: `8080`},
		{name: "ref list parameter", expr: `!Ref Sizes`, want: `["a","b","c"]`},
		{name: "ref without default", expr: `!Ref NoDefault`, err: "parameter NoDefault has no Default"},
		{name: "ref ssm parameter", expr: `!Ref FromSSM`, err: "SSM Parameter Store"},
		{name: "ref region", expr: `!Ref AWS::Region`, want: `"us-east-1"`},
		{name: "ref account", expr: `!Ref "AWS::AccountId"`, want: `"123456789012"`},
		{name: "ref stack name", expr: `!Ref AWS::StackName`, want: `"shop"`},
		{name: "ref partition", expr: `!Ref AWS::Partition`, want: `"aws"`},
		{name: "ref function", expr: `!Ref Fn`, want: `"shop-fn"`},
		{name: "ref api", expr: `!Ref Api`, want: `"api"`},
		{name: "ref implicit stage", expr: `!Ref ApiProdStage`, want: `"Prod"`},
		{name: "ref other resource", expr: `!Ref Table`, want: `"Table"`, warn: "genkan uses the logical id"},
		{name: "ref unknown", expr: `!Ref Nope`, err: "no parameter or resource named Nope"},
		{name: "getatt function arn", expr: `!GetAtt Fn.Arn`, want: `"arn:aws:lambda:us-east-1:123456789012:function:shop-fn"`},
		{name: "getatt list form", expr: `{"Fn::GetAtt": [Fn, Arn]}`, want: `"arn:aws:lambda:us-east-1:123456789012:function:shop-fn"`},
		{name: "getatt root resource", expr: `!GetAtt Api.RootResourceId`, want: `"apiroot"`},
		{name: "getatt unknown attribute", expr: `!GetAtt Table.Arn`, err: "known only once CloudFormation creates it"},
		{name: "sub", expr: `!Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations"`,
			want: `"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:shop-fn/invocations"`},
		{name: "sub long form", expr: `{"Fn::Sub": "${Env}-x"}`, want: `"prod-x"`},
		{name: "sub variables", expr: `!Sub ["${a}/${Env}", {a: !Ref Port}]`, want: `"8080/prod"`},
		{name: "sub literal", expr: `!Sub "${!Literal}-${Env}"`, want: `"${Literal}-prod"`},
		{name: "sub unresolvable", expr: `!Sub "${NoDefault}"`, err: "NoDefault has no Default"},
		{name: "join", expr: `!Join ["-", [a, !Ref Env, 3]]`, want: `"a-prod-3"`},
		{name: "join split", expr: `!Join [":", !Split [",", "x,y"]]`, want: `"x:y"`},
		{name: "select", expr: `!Select [1, !Ref Sizes]`, want: `"b"`},
		{name: "select out of range", expr: `!Select [5, [a]]`, err: "outside the list"},
		{name: "if true", expr: `!If [IsProd, yes, no]`, want: `"yes"`},
		{name: "if false", expr: `!If [IsDev, yes, no]`, want: `"no"`},
		{name: "if and", expr: `!If [Both, yes, no]`, want: `"yes"`},
		{name: "if or", expr: `!If [Either, yes, no]`, want: `"yes"`},
		{name: "if unknown condition", expr: `!If [Unknown, first, second]`, want: `"first"`, warn: "takes the first branch"},
		{name: "if looping condition", expr: `!If [Loop, first, second]`, want: `"first"`, warn: "refers to itself"},
		{name: "novalue drops a key", expr: `{a: 1, b: !If [IsDev, 2, !Ref AWS::NoValue]}`, want: `{"a":1}`},
		{name: "novalue drops an item", expr: `[1, !Ref AWS::NoValue, 3]`, want: `[1,3]`},
		{name: "find in map", expr: `!FindInMap [Regions, !Ref AWS::Region, Ami]`, want: `"ami-123"`},
		{name: "find in map default", expr: `!FindInMap [Regions, eu-west-1, Ami, {DefaultValue: none}]`, want: `"none"`},
		{name: "find in map missing", expr: `!FindInMap [Regions, eu-west-1, Ami]`, err: "Mappings has no"},
		{name: "base64", expr: `!Base64 hi`, want: `"aGk="`},
		{name: "length", expr: `{"Fn::Length": [1, 2]}`, want: `2`},
		{name: "to json string", expr: `{"Fn::ToJsonString": {b: 1, a: [x]}}`, want: `"{\"b\":1,\"a\":[\"x\"]}"`},
		{name: "equals", expr: `!Equals [!Ref Env, prod]`, want: `true`},
		{name: "import value", expr: `!ImportValue shared-vpc`, err: "export of another stack"},
		{name: "unknown function", expr: `{"Fn::Nope": 1}`, err: "not a CloudFormation intrinsic"},
		{name: "nested", expr: `{k: [!Sub "${Env}", {x: !Ref Port}]}`, want: `{"k":["prod",{"x":8080}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			im := testImporter(t)
			n, _, err := parseDoc([]byte("v: "+tc.expr), "expr.yaml")
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			got, err := im.resolve(n.Pairs[0].Val)
			switch {
			case tc.err != "":
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("error = %v, want one containing %q", err, tc.err)
				}
			case err != nil:
				t.Errorf("error: %v", err)
			case compactJSON(got) != tc.want:
				t.Errorf("got %s, want %s", compactJSON(got), tc.want)
			}
			if tc.warn != "" && !hasWarning(im, tc.warn) {
				t.Errorf("no warning containing %q in %v", tc.warn, im.warnings)
			}
		})
	}
}

func hasWarning(im *importer, part string) bool {
	for _, w := range im.warnings {
		if strings.Contains(w.Message, part) {
			return true
		}
	}
	return false
}

func TestIntrinsicPositions(t *testing.T) {
	im := testImporter(t)
	n, _, err := parseDoc([]byte("a:\n  b: !Ref NoDefault\n"), "expr.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = im.resolve(n)
	u, ok := err.(*unresolved)
	if !ok {
		t.Fatalf("error %v is not *unresolved", err)
	}
	if u.pos.Line != 2 || u.pos.Column != 6 || u.expr != "Ref NoDefault" {
		t.Errorf("unresolved at %s as %q, want expr.yaml:2:6 as \"Ref NoDefault\"", u.pos, u.expr)
	}
}

func TestPartialKeepsUnresolvable(t *testing.T) {
	im := testImporter(t)
	n, _, err := parseDoc([]byte("a: !Ref Env\nb: !Ref NoDefault\nc: [!ImportValue x]\n"), "expr.yaml")
	if err != nil {
		t.Fatal(err)
	}
	why := map[*node]string{}
	out := im.partial(n, why, 0)
	if got, want := compactJSON(out), `{"a":"prod","b":"NoDefault","c":["x"]}`; got != want {
		// Unresolved intrinsics stay as they were: compactJSON prints their argument.
		t.Errorf("partial = %s, want %s", got, want)
	}
	if len(why) != 2 {
		t.Errorf("why has %d entries, want 2: %v", len(why), why)
	}
	if b, _ := out.Get("b"); b.Val.Tag != "!Ref" {
		t.Errorf("b lost its tag: %+v", b.Val)
	}
}
