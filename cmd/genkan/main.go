// Command genkan is an API gateway and serverless function runtime that speaks Amazon API
// Gateway's formats: it serves genkan YAML, OpenAPI exports and (later) SAM templates.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
