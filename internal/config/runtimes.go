package config

import "strings"

// goRuntime is genkan's own runtime: a Go main package that genkan builds, so that a Go
// function can be served from source without a build step.
const goRuntime = "go"

// lambdaRuntimes is the Runtime enum of Lambda's API model (as generated into
// aws-sdk-go-v2's service/lambda/types), current and deprecated alike: a SAM template or an
// old project naming a deprecated runtime should still load locally. Identifiers that were
// only ever container images (dotnet5.0, dotnet7) are absent because the API never
// accepted them. docs/genkan.schema.json lists the same identifiers.
var lambdaRuntimes = []string{
	"nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x",
	"nodejs14.x", "nodejs16.x", "nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x", "nodejs26.x",
	"python2.7", "python3.6", "python3.7", "python3.8", "python3.9", "python3.10", "python3.11",
	"python3.12", "python3.13", "python3.14", "python3.15",
	"java8", "java8.al2", "java8.al2023", "java11", "java11.al2023", "java17", "java17.al2023", "java21", "java25",
	"dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet6", "dotnet8", "dotnet10",
	"go1.x",
	"ruby2.5", "ruby2.7", "ruby3.2", "ruby3.3", "ruby3.4", "ruby4.0",
	"provided", "provided.al2", "provided.al2023",
}

// handlerOptional reports whether a runtime finds its entry point without a handler: the
// OS-only runtimes run the bootstrap executable, and genkan builds "go" itself.
func handlerOptional(runtime string) bool {
	return runtime == goRuntime || strings.HasPrefix(runtime, "provided")
}

// handlerShape describes the handler a runtime expects, for messages. dotted is true when
// the handler must be file.export, which is checked because a bare "index" is a common
// mistake that Lambda only reports at the first invocation.
func handlerShape(runtime string) (shape, example string, dotted bool) {
	switch {
	case strings.HasPrefix(runtime, "nodejs"):
		return "file.export", "index.handler", true
	case strings.HasPrefix(runtime, "python"):
		return "module.function", "app.handler", true
	case strings.HasPrefix(runtime, "ruby"):
		return "file.method", "function.handler", true
	case strings.HasPrefix(runtime, "java"):
		return "package.Class::method", "example.Handler::handleRequest", false
	case strings.HasPrefix(runtime, "dotnet"):
		return "Assembly::Namespace.Class::Method", "App::App.Function::Handler", false
	case runtime == "go1.x":
		return "the executable's name", "main", false
	}
	return "", "", false
}
