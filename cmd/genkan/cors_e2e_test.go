package main

import (
	"path/filepath"
	"testing"
)

// restCORS is a REST API as the console's "Enable CORS" leaves it: an OPTIONS mock method
// answering the preflight with Access-Control-* response parameters, and the DEFAULT_4XX
// gateway response carrying the allow-origin header, so that even an API-key refusal is
// readable by the browser.
const restCORS = `openapi: 3.0.1
info: { title: cors, version: "1" }
x-amazon-apigateway-gateway-responses:
  DEFAULT_4XX:
    responseParameters:
      gatewayresponse.header.Access-Control-Allow-Origin: "'http://localhost:8080'"
paths:
  /items:
    get:
      security: [ { api_key: [] } ]
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: { application/json: '{"statusCode": 200}' }
        responses:
          default:
            statusCode: "200"
            responseParameters:
              method.response.header.Access-Control-Allow-Origin: "'http://localhost:8080'"
            responseTemplates: { application/json: '{"items":[]}' }
    options:
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: { application/json: '{"statusCode": 200}' }
        responses:
          default:
            statusCode: "200"
            responseParameters:
              method.response.header.Access-Control-Allow-Origin: "'http://localhost:8080'"
              method.response.header.Access-Control-Allow-Methods: "'OPTIONS,GET'"
              method.response.header.Access-Control-Allow-Headers: "'Content-Type,X-Amz-Date,Authorization,X-Api-Key'"
            responseTemplates: { application/json: '{}' }
components:
  securitySchemes:
    api_key: { type: apiKey, name: x-api-key, in: header }
`

func TestRESTCORSAsTheConsoleGeneratesIt(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "api.yaml"), restCORS)
	g := startGenkan(t, dir, "--stage", "dev", "api.yaml")
	pre := do(t, "OPTIONS", g.url("/dev/items"), nil,
		"Origin", "http://localhost:8080", "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "x-api-key")
	if pre.status != 200 || pre.header.Get("Access-Control-Allow-Origin") != "http://localhost:8080" ||
		pre.header.Get("Access-Control-Allow-Methods") != "OPTIONS,GET" || pre.header.Get("Access-Control-Allow-Headers") == "" {
		t.Errorf("preflight: %d %v %s", pre.status, pre.header, pre.body)
	}
	// The GET needs an API key: the refusal still carries the CORS header (DEFAULT_4XX).
	res := do(t, "GET", g.url("/dev/items"), nil, "Origin", "http://localhost:8080")
	if res.status != 403 || res.body != `{"message":"Forbidden"}` || res.header.Get("Access-Control-Allow-Origin") != "http://localhost:8080" {
		t.Errorf("refused GET: %d %v %s", res.status, res.header, res.body)
	}
}
