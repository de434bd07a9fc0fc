package openapi

import (
	"strings"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/importer/doctree"
)

const extensionPrefix = "x-amazon-apigateway-"

// notYet says, for each API Gateway extension genkan does not map, what a user loses; the
// warning is the only trace the extension leaves, so it should say what behaves differently.
var notYet = map[string]string{
	"x-amazon-apigateway-request-validator":        "request validation is not supported yet; requests are not validated",
	"x-amazon-apigateway-request-validators":       "request validation is not supported yet; requests are not validated",
	"x-amazon-apigateway-minimum-compression-size": "response compression is not supported yet; responses are not compressed",
	"x-amazon-apigateway-documentation":            "documentation parts are not imported; they do not change how requests are served",
	"x-amazon-apigateway-tag-value":                "tags are not imported; they do not change how requests are served",
}

// misplaced says where AWS reads the extensions that genkan maps, for one found elsewhere.
var misplaced = map[string]string{
	"x-amazon-apigateway-integration":            "AWS reads it only on an operation",
	"x-amazon-apigateway-any-method":             "AWS reads it only in a path item",
	"x-amazon-apigateway-integrations":           "AWS reads it only under components, and only for HTTP APIs",
	"x-amazon-apigateway-gateway-responses":      "AWS reads it only at the top level",
	"x-amazon-apigateway-binary-media-types":     "AWS reads it only at the top level",
	"x-amazon-apigateway-importexport-version":   "AWS reads it only at the top level",
	"x-amazon-apigateway-endpoint-configuration": "AWS reads it at the top level of Swagger 2.0 documents and in the server objects of OpenAPI 3",
	"x-amazon-apigateway-authorizer":             "AWS reads it only in a security scheme",
	"x-amazon-apigateway-authtype":               "AWS reads it only in a security scheme",
	"x-amazon-apigateway-auth":                   "AWS reads it only on an operation",
	"x-amazon-apigateway-api-key-source":         "AWS reads it only at the top level",
	"x-amazon-apigateway-policy":                 "AWS reads it only at the top level",
	"x-amazon-apigateway-cors":                   "AWS reads it only at the top level",
}

// walkExtensions reports every x-amazon-apigateway-* key that was not mapped. It walks the
// raw document rather than a list of known places, so that an extension anywhere (a typo'd
// name, a misplaced block, a new AWS feature) is reported rather than silently dropped.
func (im *importer) walkExtensions() {
	if p, ok := im.root.Get("components"); ok && im.protocol == apimodel.ProtocolHTTP {
		if ip, ok := p.Val.Get("x-amazon-apigateway-integrations"); ok {
			// The integrations are mapped where operations $ref them; unreferenced ones are
			// as inert in AWS as they are here.
			im.use(ip)
		}
	}
	seen := map[*node]bool{}
	im.walk(im.root, seen)
	for _, n := range im.external {
		im.walk(n, seen)
	}
}

func (im *importer) walk(n *node, seen map[*node]bool) {
	if n == nil || seen[n] {
		return
	}
	seen[n] = true
	switch n.Kind {
	case doctree.Seq:
		for _, item := range n.Items {
			im.walk(item, seen)
		}
	case doctree.Map:
		for _, p := range n.Pairs {
			if strings.HasPrefix(strings.ToLower(p.Key), extensionPrefix) && !im.used[p.KeyPos] {
				im.warn(p.KeyPos, "%s", unmappedExtension(p.Key, im.protocol))
				// What is inside an extension that is not mapped is reported with it.
				continue
			}
			im.walk(p.Val, seen)
		}
	}
}

func unmappedExtension(key string, protocol apimodel.Protocol) string {
	if why, ok := notYet[key]; ok {
		return key + ": " + why
	}
	if where, ok := misplaced[key]; ok {
		if key == "x-amazon-apigateway-integrations" && protocol != apimodel.ProtocolHTTP {
			return key + ": reusable integrations are an HTTP API feature; this document is imported as a REST API, so they are ignored"
		}
		return key + " is ignored here: " + where
	}
	if strings.ToLower(key) != key {
		return key + " is not an API Gateway extension (AWS's extension names are lower-case); ignored"
	}
	return key + " is not an API Gateway extension genkan knows; ignored"
}
