package openapi

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// awsImports pairs fixtures with LocalStack tests whose snapshots recorded what real API
// Gateway made of importing them (each method, its request parameters and its integration).
var awsImports = map[string]string{
	"localstack/files/openapi.spec.tf.json":                 "test_import_and_validate_rest_api[openapi.spec.tf.json]",
	"localstack/files/swagger-mock-cors.json":               "test_import_and_validate_rest_api[swagger-mock-cors.json]",
	"localstack/files/openapi.spec.global-auth.json":        "test_import_with_global_api_key_authorizer",
	"localstack/files/openapi.spec.circular-ref.json":       "test_import_with_circular_models",
	"localstack/files/openapi-http-method-integration.json": "test_import_with_http_method_integration",
	"localstack/files/openapi.cognito-auth.json":            "test_import_with_cognito_auth_identity_source",
	"localstack/files/openapi-method-int.spec.yaml":         "test_import_with_integer_http_status_code",
	"localstack/files/petstore-authorizer.swagger.json":     "test_import_swagger_api",
}

type awsMethod struct {
	HTTPMethod          string          `json:"httpMethod"`
	RequestParameters   map[string]bool `json:"requestParameters"`
	AuthorizationType   string          `json:"authorizationType"`
	AuthorizerID        string          `json:"authorizerId"`
	AuthorizationScopes []string        `json:"authorizationScopes"`
	APIKeyRequired      bool            `json:"apiKeyRequired"`
	Integration         struct {
		Type                string            `json:"type"`
		HTTPMethod          string            `json:"httpMethod"`
		PassthroughBehavior string            `json:"passthroughBehavior"`
		ContentHandling     string            `json:"contentHandling"`
		RequestParameters   map[string]string `json:"requestParameters"`
		Responses           map[string]struct {
			StatusCode         string            `json:"statusCode"`
			SelectionPattern   string            `json:"selectionPattern"`
			ResponseParameters map[string]string `json:"responseParameters"`
		} `json:"integrationResponses"`
	} `json:"methodIntegration"`
}

type awsAuthorizer struct {
	ID             string `json:"id"`
	Type           string `json:"type"`
	IdentitySource string `json:"identitySource"`
	TTL            *int   `json:"authorizerResultTtlInSeconds"`
}

// placeholders are what LocalStack's tests substitute into fixtures before importing them,
// values that AWS then validates like any other.
var placeholders = strings.NewReplacer(
	"${authorizer_lambda_invocation_arn}", "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:111111111111:function:authorizer/invocations",
	"${cognito_pool_arn}", "arn:aws:cognito-idp:us-east-1:111111111111:userpool/us-east-1_ABC123",
	":account-id:", ":111111111111:",
)

// TestMatchesAWSImports compares the routes imported from a fixture with the methods AWS
// created from the same file, their authorization included.
func TestMatchesAWSImports(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(fixturesDir, "localstack/snapshots/test_apigateway_import.snapshot.json"))
	if err != nil {
		t.Fatalf("LocalStack snapshot (shared fixtures): %v", err)
	}
	var snapshots map[string]struct {
		Recorded map[string]json.RawMessage `json:"recorded-content"`
	}
	if err := json.Unmarshal(data, &snapshots); err != nil {
		t.Fatal(err)
	}
	for fixture, test := range awsImports {
		t.Run(fixture, func(t *testing.T) {
			var aws []string
			for name, snap := range snapshots {
				if !strings.HasSuffix(name, "::"+test) {
					continue
				}
				authorizers := recordedAuthorizers(t, snap.Recorded["get-authorizers"])
				for key, raw := range snap.Recorded {
					if !strings.HasPrefix(key, "method-") || strings.HasPrefix(key, "method-response") {
						continue
					}
					var m awsMethod
					if err := json.Unmarshal(raw, &m); err != nil {
						t.Fatalf("%s: %v", key, err)
					}
					aws = append(aws, describeAWS(m, authorizers))
				}
			}
			if len(aws) == 0 {
				t.Fatalf("no methods recorded for %s", test)
			}
			path := filepath.Join(fixturesDir, fixture)
			doc, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			api, _, err := Import([]byte(placeholders.Replace(string(doc))), Options{File: path})
			if err != nil {
				t.Fatal(err)
			}
			var ours []string
			for _, r := range api.Routes {
				ours = append(ours, describeRoute(r)+" "+describeAuth(api, r))
			}
			sort.Strings(aws)
			sort.Strings(ours)
			if strings.Join(aws, "\n") != strings.Join(ours, "\n") {
				t.Errorf("AWS:\n%s\ngenkan:\n%s", strings.Join(aws, "\n"), strings.Join(ours, "\n"))
			}
		})
	}
}

// recordedAuthorizers describes AWS's authorizers by id; LocalStack records them as a list or
// as a page of items, with their names masked.
func recordedAuthorizers(t *testing.T, raw json.RawMessage) map[string]string {
	t.Helper()
	out := map[string]string{}
	if len(raw) == 0 {
		return out
	}
	var list []awsAuthorizer
	if err := json.Unmarshal(raw, &list); err != nil {
		var page struct {
			Items []awsAuthorizer `json:"items"`
		}
		if err := json.Unmarshal(raw, &page); err != nil {
			t.Fatalf("get-authorizers: %v", err)
		}
		list = page.Items
	}
	for _, a := range list {
		out[a.ID] = describeAuthorizer(a.Type, a.IdentitySource, a.TTL)
	}
	return out
}

func describeAuthorizer(typ, source string, ttl *int) string {
	t := "-"
	if ttl != nil {
		t = fmt.Sprint(*ttl)
	}
	return fmt.Sprintf("%s(%s ttl=%s)", typ, source, t)
}

func describeAuth(api *apimodel.API, r *apimodel.Route) string {
	a := r.Auth
	if a == nil {
		a = &apimodel.RouteAuth{Type: apimodel.AuthNone}
	}
	authorizer := ""
	for _, az := range api.Authorizers {
		if az.Name == a.Authorizer {
			authorizer = describeAuthorizer(string(az.Type), strings.Join(az.IdentitySources, ", "), az.ResultTTLSeconds)
		}
	}
	return fmt.Sprintf("auth=%s%s scopes=%v key=%v", a.Type, authorizer, a.Scopes, a.APIKeyRequired)
}

func describeAWS(m awsMethod, authorizers map[string]string) string {
	in := m.Integration
	var responses []string
	for _, r := range in.Responses {
		responses = append(responses, fmt.Sprintf("%s/%s/%v", r.StatusCode, r.SelectionPattern, r.ResponseParameters))
	}
	sort.Strings(responses)
	auth := fmt.Sprintf("auth=%s%s scopes=%v key=%v", m.AuthorizationType, authorizers[m.AuthorizerID], m.AuthorizationScopes, m.APIKeyRequired)
	return fmt.Sprintf("%s params=%v %s %s passthrough=%s content=%s map=%v responses=%v %s",
		m.HTTPMethod, m.RequestParameters, in.Type, in.HTTPMethod, in.PassthroughBehavior, in.ContentHandling, in.RequestParameters, responses, auth)
}

func describeRoute(r *apimodel.Route) string {
	in := r.Integration
	var responses []string
	for _, x := range in.Responses {
		responses = append(responses, fmt.Sprintf("%s/%s/%v", x.StatusCode, x.SelectionPattern, x.ResponseParameters))
	}
	sort.Strings(responses)
	// AWS stores the defaults it applies on import; genkan leaves them to the gateway.
	passthrough := in.PassthroughBehavior
	if passthrough == "" {
		passthrough = "WHEN_NO_MATCH"
	}
	return fmt.Sprintf("%s params=%v %s %s passthrough=%s content=%s map=%v responses=%v",
		r.Method, r.RequestParameters, in.Type, in.HTTPMethod, passthrough, in.ContentHandling, in.RequestParameters, responses)
}

// TestImportsAWSExports imports the OpenAPI exports (with extensions) that real API Gateway
// produced from two fixtures, as LocalStack recorded them: an AWS export must import without
// warnings, serve the stage it was exported from, and give the routes the original gave.
func TestImportsAWSExports(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(fixturesDir, "localstack/snapshots/test_apigateway_extended.snapshot.json"))
	if err != nil {
		t.Fatalf("LocalStack snapshot (shared fixtures): %v", err)
	}
	var snapshots map[string]struct {
		Recorded map[string]struct {
			Body json.RawMessage `json:"body"`
		} `json:"recorded-content"`
	}
	if err := json.Unmarshal(data, &snapshots); err != nil {
		t.Fatal(err)
	}
	originals := map[string]string{"TEST_IMPORT_PETS": "localstack/files/pets.json", "TEST_IMPORT_PETSTORE_SWAGGER": "localstack/files/petstore-swagger.json"}
	tested := 0
	for name, snap := range snapshots {
		if !strings.Contains(name, "::test_export_") {
			continue
		}
		tested++
		t.Run(name[strings.LastIndex(name, "::")+2:], func(t *testing.T) {
			var original string
			for key, file := range originals {
				if strings.Contains(name, "["+key+"]") {
					original = file
				}
			}
			export := snap.Recorded["get-export-with-extensions"].Body
			if original == "" || len(export) == 0 {
				t.Fatalf("no export or original fixture for %s", name)
			}
			// Indented like the files AWS hands out, so positions mean something.
			var doc any
			if err := json.Unmarshal(export, &doc); err != nil {
				t.Fatal(err)
			}
			pretty, _ := json.MarshalIndent(doc, "", "  ")
			api, warnings, err := Import(pretty, Options{File: "export.json"})
			if err != nil {
				t.Fatal(err)
			}
			if len(warnings) > 0 {
				t.Errorf("warnings for an AWS export:\n%s", warningsText(warnings))
			}
			if api.Stages[0].Name != "local" {
				t.Errorf("stage %q, want the exported stage \"local\"", api.Stages[0].Name)
			}
			path := filepath.Join(fixturesDir, original)
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			orig, _, err := Import(src, Options{File: path})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := routeSummary(api), routeSummary(orig); got != want {
				t.Errorf("routes of the export:\n%s\nof the original:\n%s", got, want)
			}
			if strings.Join(api.BinaryMediaTypes, ",") != strings.Join(orig.BinaryMediaTypes, ",") {
				t.Errorf("binary media types %q, original %q", api.BinaryMediaTypes, orig.BinaryMediaTypes)
			}
		})
	}
	if tested == 0 {
		t.Fatal("no export snapshots found")
	}
}

func routeSummary(api *apimodel.API) string {
	var lines []string
	for _, r := range api.Routes {
		lines = append(lines, r.Path+" "+describeRoute(r))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
