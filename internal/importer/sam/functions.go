package sam

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
)

var samFunctionProps = propRules{
	"FunctionName": mapped, "Runtime": mapped, "Handler": mapped, "CodeUri": mapped, "InlineCode": mapped,
	"Timeout": mapped, "MemorySize": mapped, "Environment": mapped, "ReservedConcurrentExecutions": mapped,
	"ProvisionedConcurrencyConfig": mapped, "PackageType": mapped, "ImageUri": mapped, "ImageConfig": mapped,
	"Events": mapped, "Architectures": mapped,
	"Description": quiet, "Tags": quiet, "PropagateTags": quiet,
	"Layers":            "layers are not supported yet; the function runs without them",
	"FunctionUrlConfig": "function URLs are not served; call the function through its API routes or the Invoke API",
	"FileSystemConfigs": "EFS file systems are not mounted; the function sees the host's file system",
	"Role":              noEffect, "Policies": noEffect, "PermissionsBoundary": noEffect, "AssumeRolePolicyDocument": noEffect,
	"RolePath": noEffect, "KmsKeyArn": noEffect, "Tracing": noEffect, "CodeSigningConfigArn": noEffect,
	"DeploymentPreference": noEffect, "AutoPublishAlias": noEffect, "AutoPublishAliasAllProperties": noEffect,
	"AutoPublishCodeSha256": noEffect, "VersionDescription": noEffect, "VersionDeletionPolicy": noEffect,
	"LoggingConfig": noEffect, "RuntimeManagementConfig": noEffect, "SourceKMSKeyArn": noEffect,
	"RecursiveLoop": noEffect, "DeadLetterQueue": noEffect, "EventInvokeConfig": noEffect, "VpcConfig": noEffect,
	"EphemeralStorage": noEffect, "SnapStart": noEffect, "CapacityProviderConfig": noEffect,
	"FunctionScalingConfig": noEffect, "PublishToLatestPublished": noEffect,
	"DurableConfig": "durable functions are not supported yet; the function runs as an ordinary invocation",
}

var lambdaFunctionProps = propRules{
	"FunctionName": mapped, "Runtime": mapped, "Handler": mapped, "Code": mapped, "Timeout": mapped,
	"MemorySize": mapped, "Environment": mapped, "ReservedConcurrentExecutions": mapped, "PackageType": mapped,
	"ImageConfig": mapped, "Architectures": mapped,
	"Description": quiet, "Tags": quiet,
	"Layers":            "layers are not supported yet; the function runs without them",
	"FileSystemConfigs": "EFS file systems are not mounted; the function sees the host's file system",
	"Role":              noEffect, "KmsKeyArn": noEffect, "TracingConfig": noEffect, "VpcConfig": noEffect,
	"DeadLetterConfig": noEffect, "CodeSigningConfigArn": noEffect, "EphemeralStorage": noEffect,
	"SnapStart": noEffect, "LoggingConfig": noEffect, "RuntimeManagementConfig": noEffect, "RecursiveLoop": noEffect,
	"CapacityProviderConfig": noEffect, "FunctionScalingConfig": noEffect, "TenancyConfig": noEffect,
	"DurableConfig": "durable functions are not supported yet; the function runs as an ordinary invocation",
}

var apiEventProps = propRules{
	"Path": mapped, "Method": mapped, "RestApiId": mapped, "RequestParameters": mapped, "TimeoutInMillis": mapped,
	"Auth":                 "authorizers and API keys are not supported yet; requests are not authorized",
	"RequestModel":         "request validation is not supported yet; requests are not validated",
	"ResponseTransferMode": "response streaming is not supported yet; responses are buffered",
	"Stage":                noEffect,
}

var httpAPIEventProps = propRules{
	"Path": mapped, "Method": mapped, "ApiId": mapped, "PayloadFormatVersion": mapped, "TimeoutInMillis": mapped,
	"Auth":          "authorizers are not supported yet; requests are not authorized",
	"RouteSettings": "route settings (throttling, detailed metrics) are not supported yet",
	"Stage":         noEffect,
}

// anyMethod is how SAM and OpenAPI spell API Gateway's ANY.
const anyMethod = "x-amazon-apigateway-any-method"

// apiEvent is an Api or HttpApi event of a function: a route SAM adds to an API.
type apiEvent struct {
	fnID    string
	fnName  string
	name    string
	typ     string // Api or HttpApi
	pos     apimodel.Position
	props   *node
	path    string // "$default" for an HttpApi event without Path and Method
	method  string // lower case, or anyMethod
	pathPos apimodel.Position
	methPos apimodel.Position
}

// implicitAPIs lists the APIs SAM creates because some event names no API, in the order the
// events first need them.
func (im *importer) implicitAPIs() []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range im.order {
		if r.typ != typeFunction || r.skipped {
			continue
		}
		evs, _ := r.props.get("Events")
		for _, ev := range evs.val.pairsOrNil() {
			t, _ := ev.val.get("Type")
			props, _ := ev.val.get("Properties")
			var implicit, idProp string
			switch t.val.textOrEmpty() {
			case "Api":
				implicit, idProp = implicitRestAPI, "RestApiId"
			case "HttpApi":
				implicit, idProp = implicitHTTPAPI, "ApiId"
			default:
				continue
			}
			if _, named := props.val.get(idProp); !named && !seen[implicit] {
				seen[implicit] = true
				out = append(out, implicit)
			}
		}
	}
	return out
}

func (n *node) pairsOrNil() []pair {
	if n == nil || n.kind != mapNode {
		return nil
	}
	return n.pairs
}

func (n *node) textOrEmpty() string {
	if n == nil || n.kind != scalarNode {
		return ""
	}
	return n.text
}

// functionName is the name genkan serves a function under: its FunctionName, else its
// logical id, which is also how `sam local` names functions.
func (im *importer) functionName(r *resource, depth int) (string, error) {
	if name, ok := im.funcNames[r.id]; ok {
		return name, nil
	}
	p, ok := r.props.get("FunctionName")
	if !ok {
		im.funcNames[r.id] = r.id
		return r.id, nil
	}
	if im.evaluating[r.id] {
		return "", cannot(p.val.pos, "FunctionName", "circular reference through %s", r.id)
	}
	im.evaluating[r.id] = true
	defer delete(im.evaluating, r.id)
	name, err := im.evalString(p.val, p.val.pos, "FunctionName", depth+1)
	if err != nil {
		return "", err
	}
	im.funcNames[r.id] = name
	return name, nil
}

func (im *importer) functions() {
	names := map[string]*resource{}
	for _, r := range im.order {
		if r.skipped || (r.typ != typeFunction && r.typ != typeLambda) {
			continue
		}
		fn := &apimodel.Function{Pos: r.pos}
		name, err := im.functionName(r, 0)
		if err != nil {
			p, _ := r.props.get("FunctionName")
			im.value(p, r.id+".FunctionName", mustHave)
			continue
		}
		fn.Name = name
		if prev, dup := names[name]; dup {
			im.fail(r.pos, "function name %q is already used by %s at %s", name, prev.id, prev.pos)
		}
		names[name] = r
		var ok bool
		if r.typ == typeFunction {
			ok = im.samFunction(r, fn)
		} else {
			ok = im.lambdaFunction(r, fn)
		}
		if ok {
			im.cfg.Functions = append(im.cfg.Functions, fn)
		}
	}
}

func (im *importer) samFunction(r *resource, fn *apimodel.Function) bool {
	props := im.withGlobals(r)
	im.checkProps(r, props, samFunctionProps)
	if evs, ok := props.get("Events"); ok {
		im.functionEvents(r, fn.Name, evs)
	}
	if !im.packageType(r, props) {
		return false
	}
	if p, ok := props.get("InlineCode"); ok {
		src, ok := im.str(p, r.id+".InlineCode", mustHave)
		if !ok {
			return false
		}
		fn.InlineCode = src
		return im.commonFunctionProps(r, props, fn)
	}
	p, ok := props.get("CodeUri")
	if !ok {
		im.fail(r.pos, "%s needs CodeUri, the directory of the function's code", r.id)
		return false
	}
	if !im.codePath(r, p, "CodeUri", fn) {
		return false
	}
	return im.commonFunctionProps(r, props, fn)
}

func (im *importer) lambdaFunction(r *resource, fn *apimodel.Function) bool {
	im.checkProps(r, r.props, lambdaFunctionProps)
	if !im.packageType(r, r.props) {
		return false
	}
	p, ok := r.props.get("Code")
	if path, fromCDK := im.cdkAssetPath(r); fromCDK {
		fn.Code = path
	} else if !ok {
		im.fail(r.pos, "%s needs Code", r.id)
		return false
	} else if p.val.kind == mapNode && tokenOf(p.val) == dictToken {
		before := len(im.problems)
		for _, c := range p.val.pairs {
			switch c.key {
			case "ZipFile":
				src, ok := im.str(c, r.id+".Code.ZipFile", mustHave)
				if !ok {
					return false
				}
				fn.InlineCode = src
				return im.commonFunctionProps(r, r.props, fn)
			case "S3Bucket", "S3Key", "S3ObjectVersion":
				im.fail(c.keyPos, "%s: Code in S3 is not supported; genkan runs local code, so set Code to the directory of the function's code", r.id)
			case "ImageUri":
				im.fail(c.keyPos, "%s: container image functions are not supported yet", r.id)
			default:
				im.warn(c.keyPos, "%s: Code has no field %s; ignored", r.id, c.key)
			}
		}
		if len(im.problems) == before {
			im.fail(p.val.pos, "%s: Code must be the path of the function's code", r.id)
		}
		return false
	} else if !im.codePath(r, p, "Code", fn) {
		return false
	}
	return im.commonFunctionProps(r, r.props, fn)
}

// cdkAssetPath reads the asset path CDK records for a function's code, which SAM CLI uses to
// run CDK-synthesised templates.
func (im *importer) cdkAssetPath(r *resource) (string, bool) {
	md, _ := r.node.get("Metadata")
	path, _ := md.val.get("aws:asset:path")
	prop, _ := md.val.get("aws:asset:property")
	if path.val.textOrEmpty() == "" || prop.val.textOrEmpty() != "Code" {
		return "", false
	}
	return absPath(im.localPath(path.val.text)), true
}

func (im *importer) packageType(r *resource, props *node) bool {
	p, ok := props.get("PackageType")
	if !ok {
		return true
	}
	if s, _ := im.str(p, r.id+".PackageType", mustHave); s == "Image" {
		im.fail(p.val.pos, "%s: container image functions (PackageType Image) are not supported yet; genkan runs Zip functions from local code", r.id)
		return false
	}
	return true
}

// codePath maps CodeUri (or a CloudFormation Code path) to an absolute directory. S3
// locations are what `sam package` writes; they cannot run locally.
func (im *importer) codePath(r *resource, p pair, prop string, fn *apimodel.Function) bool {
	if p.val.kind == mapNode && tokenOf(p.val) == dictToken {
		im.fail(p.val.pos, "%s: %s points at S3; genkan runs local code, so set %s to the directory of the function's code (or serve the template sam build writes)", r.id, prop, prop)
		return false
	}
	s, ok := im.str(p, r.id+"."+prop, mustHave)
	if !ok {
		return false
	}
	if strings.HasPrefix(s, "s3://") {
		im.fail(p.val.pos, "%s: %s %s is in S3; genkan runs local code, so set %s to the directory of the function's code (or serve the template sam build writes)", r.id, prop, s, prop)
		return false
	}
	fn.Code = absPath(im.localPath(s))
	return true
}

func absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

func (im *importer) commonFunctionProps(r *resource, props *node, fn *apimodel.Function) bool {
	ok := true
	for _, req := range []struct {
		prop string
		dst  *string
	}{{"Runtime", &fn.Runtime}, {"Handler", &fn.Handler}} {
		p, has := props.get(req.prop)
		if !has {
			im.fail(r.pos, "%s needs %s", r.id, req.prop)
			ok = false
			continue
		}
		if *req.dst, has = im.str(p, r.id+"."+req.prop, mustHave); !has {
			ok = false
		}
	}
	if p, has := props.get("Timeout"); has {
		if s, valid := im.integer(p, r.id+".Timeout", mustHave); valid {
			if s < 1 || s > int(apimodel.MaxFunctionTimeout/time.Second) {
				im.fail(p.val.pos, "%s: Timeout %d is outside the 1-900 seconds Lambda allows", r.id, s)
			}
			fn.Timeout = time.Duration(s) * time.Second
		}
	}
	if p, has := props.get("MemorySize"); has {
		if m, valid := im.integer(p, r.id+".MemorySize", mustHave); valid {
			if m < 128 || m > 10240 {
				im.fail(p.val.pos, "%s: MemorySize %d is outside the 128-10240 MB Lambda allows", r.id, m)
			}
			fn.MemoryMB = m
		}
	}
	if p, has := props.get("Environment"); has {
		if env, valid := im.object(p, r.id+".Environment", mayDrop); valid {
			for _, e := range env.pairs {
				if e.key != "Variables" {
					im.warn(e.keyPos, "%s: Environment has no field %s; ignored", r.id, e.key)
					continue
				}
				fn.Environment = im.strMap(e, r.id+" environment variable", mayDrop)
			}
		}
	}
	if p, has := props.get("ReservedConcurrentExecutions"); has {
		if n, valid := im.integer(p, r.id+".ReservedConcurrentExecutions", mayDrop); valid {
			if n == 0 {
				im.warn(p.val.pos, "%s: ReservedConcurrentExecutions 0 stops AWS from running the function at all; genkan runs it without a cap", r.id)
			}
			fn.ReservedConcurrency = max(n, 0)
		}
	}
	if p, has := props.get("ProvisionedConcurrencyConfig"); has {
		if pc, valid := im.object(p, r.id+".ProvisionedConcurrencyConfig", mayDrop); valid {
			if n, has := pc.get("ProvisionedConcurrentExecutions"); has {
				fn.MinWarm, _ = im.integer(n, r.id+".ProvisionedConcurrentExecutions", mayDrop)
			}
		}
	}
	if p, has := props.get("Architectures"); has {
		for _, a := range im.strList(p, r.id+".Architectures", mayDrop) {
			if a != "x86_64" {
				im.warn(p.val.pos, "%s: Architectures %s is not emulated; genkan runs functions on the host's architecture", r.id, a)
			}
		}
	}
	im.goBuild(r, fn)
	if p, has := props.get("ImageConfig"); has {
		im.warn(p.keyPos, "%s: ImageConfig applies to container images only; ignored", r.id)
	}
	return ok
}

func (im *importer) functionEvents(r *resource, fnName string, evs pair) {
	if evs.val.kind != mapNode {
		im.fail(evs.val.pos, "%s: Events must be an object of events, got %s", r.id, evs.val.describe())
		return
	}
	for _, ev := range evs.val.pairs {
		if ev.val.kind != mapNode {
			im.fail(ev.val.pos, "%s: event %s must be an object with a Type, got %s", r.id, ev.key, ev.val.describe())
			continue
		}
		t, _ := ev.val.get("Type")
		for _, f := range ev.val.pairs {
			if f.key != "Type" && f.key != "Properties" && f.key != "Condition" {
				im.warn(f.keyPos, "%s: event %s has no field %s; ignored", r.id, ev.key, f.key)
			}
		}
		switch t.val.textOrEmpty() {
		case "Api", "HttpApi":
			im.apiEvent(r, fnName, ev, t.val.text)
		case "":
			im.fail(ev.keyPos, "%s: event %s needs a Type", r.id, ev.key)
		default:
			im.warn(t.val.pos, "%s: %s events are not emulated, so nothing triggers event %s; the function still answers its API routes and the Invoke API", r.id, t.val.text, ev.key)
		}
	}
}

func (im *importer) apiEvent(r *resource, fnName string, ev pair, typ string) {
	what := r.id + " event " + ev.key
	props := &node{kind: mapNode, pos: ev.keyPos}
	if p, ok := ev.val.get("Properties"); ok {
		if props, ok = im.object(p, what+" Properties", mustHave); !ok {
			return
		}
	}
	e := &apiEvent{fnID: r.id, fnName: fnName, name: ev.key, typ: typ, pos: ev.keyPos, props: props, pathPos: ev.keyPos, methPos: ev.keyPos}
	rules, idProp, implicit, apiType := apiEventProps, "RestApiId", implicitRestAPI, typeSAMApi
	if typ == "HttpApi" {
		rules, idProp, implicit, apiType = httpAPIEventProps, "ApiId", implicitHTTPAPI, typeSAMHttpApi
	}
	im.checkProps(&resource{id: what, typ: typ + " event"}, props, rules)
	api := implicit
	if p, ok := props.get(idProp); ok {
		target, found := im.refTarget(p.val)
		res := im.resources[target]
		switch {
		case !found:
			im.fail(p.val.pos, "%s: %s must name an %s of this template (a logical id or a Ref), got %s", what, idProp, apiType, p.val.describe())
			return
		case res == nil || res.typ != apiType:
			im.fail(p.val.pos, "%s: %s names %s, which is not an %s of this template", what, idProp, target, apiType)
			return
		case res.skipped:
			im.warn(p.val.pos, "%s: %s is not created (its condition %s is false), so the event adds no route", what, target, res.condition)
			return
		}
		api = target
	}
	path, hasPath := props.get("Path")
	method, hasMethod := props.get("Method")
	switch {
	case typ == "HttpApi" && !hasPath && !hasMethod:
		e.path, e.method = apimodel.DefaultRouteKey, anyMethod
	case !hasPath || !hasMethod:
		missing := "Path"
		if hasPath {
			missing = "Method"
		}
		im.fail(ev.keyPos, "%s is missing %s", what, missing)
		return
	default:
		var ok1, ok2 bool
		e.path, ok1 = im.str(path, what+" Path", mustHave)
		e.method, ok2 = im.str(method, what+" Method", mustHave)
		if !ok1 || !ok2 {
			return
		}
		e.pathPos, e.methPos = path.val.pos, method.val.pos
		e.method = strings.ToLower(e.method)
		if e.method == "any" {
			e.method = anyMethod
		}
		// API Gateway drops a trailing slash, and SAM's permissions follow it.
		if len(e.path) > 1 {
			e.path = strings.TrimSuffix(e.path, "/")
		}
	}
	im.events[api] = append(im.events[api], e)
}

// goBuild serves a Go function that `sam build` would compile (Metadata BuildMethod go1.x on
// a provided runtime) from its source, which genkan's "go" runtime builds itself. Code that
// already holds the bootstrap executable, as sam build's output does, runs as it is.
func (im *importer) goBuild(r *resource, fn *apimodel.Function) {
	md, _ := r.node.get("Metadata")
	method, _ := md.val.get("BuildMethod")
	if method.val.textOrEmpty() != "go1.x" {
		return
	}
	switch fn.Runtime {
	case "provided", "provided.al2", "provided.al2023":
	default:
		return
	}
	if st, err := os.Stat(filepath.Join(fn.Code, "bootstrap")); err == nil && st.Mode().IsRegular() {
		return
	}
	im.warn(method.keyPos, "%s: BuildMethod go1.x: genkan builds the function from its Go source itself (runtime \"go\"), as sam build would", r.id)
	fn.Runtime = "go"
}

// refTarget returns the logical id a property names: a Ref, or the logical id written out.
func (im *importer) refTarget(n *node) (string, bool) {
	if fn, arg, ok := call(n); ok {
		if fn == "Ref" && arg.kind == scalarNode && !arg.isNull() {
			return arg.text, true
		}
		return "", false
	}
	if n.kind == scalarNode && !n.isNull() {
		return n.text, true
	}
	return "", false
}
