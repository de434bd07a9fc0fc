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
}

type awsMethod struct {
	HTTPMethod        string          `json:"httpMethod"`
	RequestParameters map[string]bool `json:"requestParameters"`
	Integration       struct {
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

// TestMatchesAWSImports compares the routes imported from a fixture with the methods AWS
// created from the same file.
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
				for key, raw := range snap.Recorded {
					if !strings.HasPrefix(key, "method-") || strings.HasPrefix(key, "method-response") {
						continue
					}
					var m awsMethod
					if err := json.Unmarshal(raw, &m); err != nil {
						t.Fatalf("%s: %v", key, err)
					}
					aws = append(aws, describeAWS(m))
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
			api, _, err := Import(doc, Options{File: path})
			if err != nil {
				t.Fatal(err)
			}
			var ours []string
			for _, r := range api.Routes {
				ours = append(ours, describeRoute(r))
			}
			sort.Strings(aws)
			sort.Strings(ours)
			if strings.Join(aws, "\n") != strings.Join(ours, "\n") {
				t.Errorf("AWS:\n%s\ngenkan:\n%s", strings.Join(aws, "\n"), strings.Join(ours, "\n"))
			}
		})
	}
}

func describeAWS(m awsMethod) string {
	in := m.Integration
	var responses []string
	for _, r := range in.Responses {
		responses = append(responses, fmt.Sprintf("%s/%s/%v", r.StatusCode, r.SelectionPattern, r.ResponseParameters))
	}
	sort.Strings(responses)
	return fmt.Sprintf("%s params=%v %s %s passthrough=%s content=%s map=%v responses=%v",
		m.HTTPMethod, m.RequestParameters, in.Type, in.HTTPMethod, in.PassthroughBehavior, in.ContentHandling, in.RequestParameters, responses)
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
