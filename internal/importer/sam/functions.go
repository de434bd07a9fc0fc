package sam

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/importer/doctree"
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
	"Auth":                 mapped,
	"RequestModel":         "request validation is not supported yet; requests are not validated",
	"ResponseTransferMode": "response streaming is not supported yet; responses are buffered",
	"Stage":                noEffect,
}

var httpAPIEventProps = propRules{
	"Path": mapped, "Method": mapped, "ApiId": mapped, "PayloadFormatVersion": mapped, "TimeoutInMillis": mapped,
	"Auth":          mapped,
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
		evs, _ := r.props.Get("Events")
		for _, ev := range pairsOrNil(evs.Val) {
			t, _ := ev.Val.Get("Type")
			props, _ := ev.Val.Get("Properties")
			var implicit, idProp string
			switch textOrEmpty(t.Val) {
			case "Api":
				implicit, idProp = implicitRestAPI, "RestApiId"
			case "HttpApi":
				implicit, idProp = implicitHTTPAPI, "ApiId"
			default:
				continue
			}
			if _, named := props.Val.Get(idProp); !named && !seen[implicit] {
				seen[implicit] = true
				out = append(out, implicit)
			}
		}
	}
	return out
}

func pairsOrNil(n *node) []pair {
	if n == nil || n.Kind != doctree.Map {
		return nil
	}
	return n.Pairs
}

func textOrEmpty(n *node) string {
	if n == nil || n.Kind != doctree.Scalar {
		return ""
	}
	return n.Text
}

// functionName is the name genkan serves a function under: its FunctionName, else its
// logical id, which is also how `sam local` names functions.
func (im *importer) functionName(r *resource, depth int) (string, error) {
	if name, ok := im.funcNames[r.id]; ok {
		return name, nil
	}
	p, ok := r.props.Get("FunctionName")
	if !ok {
		im.funcNames[r.id] = r.id
		return r.id, nil
	}
	if im.evaluating[r.id] {
		return "", cannot(p.Val.Pos, "FunctionName", "circular reference through %s", r.id)
	}
	im.evaluating[r.id] = true
	defer delete(im.evaluating, r.id)
	name, err := im.evalString(p.Val, p.Val.Pos, "FunctionName", depth+1)
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
			p, _ := r.props.Get("FunctionName")
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
	if evs, ok := props.Get("Events"); ok {
		im.functionEvents(r, fn.Name, evs)
	}
	if !im.packageType(r, props) {
		return false
	}
	if p, ok := props.Get("InlineCode"); ok {
		src, ok := im.str(p, r.id+".InlineCode", mustHave)
		if !ok {
			return false
		}
		fn.InlineCode = src
		return im.commonFunctionProps(r, props, fn)
	}
	p, ok := props.Get("CodeUri")
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
	p, ok := r.props.Get("Code")
	if path, fromCDK := im.cdkAssetPath(r); fromCDK {
		fn.Code = path
	} else if !ok {
		im.fail(r.pos, "%s needs Code", r.id)
		return false
	} else if p.Val.Kind == doctree.Map && tokenOf(p.Val) == dictToken {
		before := len(im.problems)
		for _, c := range p.Val.Pairs {
			switch c.Key {
			case "ZipFile":
				src, ok := im.str(c, r.id+".Code.ZipFile", mustHave)
				if !ok {
					return false
				}
				fn.InlineCode = src
				return im.commonFunctionProps(r, r.props, fn)
			case "S3Bucket", "S3Key", "S3ObjectVersion":
				im.fail(c.KeyPos, "%s: Code in S3 is not supported; genkan runs local code, so set Code to the directory of the function's code", r.id)
			case "ImageUri":
				im.fail(c.KeyPos, "%s: container image functions are not supported yet", r.id)
			default:
				im.warn(c.KeyPos, "%s: Code has no field %s; ignored", r.id, c.Key)
			}
		}
		if len(im.problems) == before {
			im.fail(p.Val.Pos, "%s: Code must be the path of the function's code", r.id)
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
	md, _ := r.node.Get("Metadata")
	path, _ := md.Val.Get("aws:asset:path")
	prop, _ := md.Val.Get("aws:asset:property")
	if textOrEmpty(path.Val) == "" || textOrEmpty(prop.Val) != "Code" {
		return "", false
	}
	return absPath(im.localPath(path.Val.Text)), true
}

func (im *importer) packageType(r *resource, props *node) bool {
	p, ok := props.Get("PackageType")
	if !ok {
		return true
	}
	if s, _ := im.str(p, r.id+".PackageType", mustHave); s == "Image" {
		im.fail(p.Val.Pos, "%s: container image functions (PackageType Image) are not supported yet; genkan runs Zip functions from local code", r.id)
		return false
	}
	return true
}

// codePath maps CodeUri (or a CloudFormation Code path) to an absolute directory. S3
// locations are what `sam package` writes; they cannot run locally.
func (im *importer) codePath(r *resource, p pair, prop string, fn *apimodel.Function) bool {
	if p.Val.Kind == doctree.Map && tokenOf(p.Val) == dictToken {
		im.fail(p.Val.Pos, "%s: %s points at S3; genkan runs local code, so set %s to the directory of the function's code (or serve the template sam build writes)", r.id, prop, prop)
		return false
	}
	s, ok := im.str(p, r.id+"."+prop, mustHave)
	if !ok {
		return false
	}
	if strings.HasPrefix(s, "s3://") {
		im.fail(p.Val.Pos, "%s: %s %s is in S3; genkan runs local code, so set %s to the directory of the function's code (or serve the template sam build writes)", r.id, prop, s, prop)
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
		p, has := props.Get(req.prop)
		if !has {
			im.fail(r.pos, "%s needs %s", r.id, req.prop)
			ok = false
			continue
		}
		if *req.dst, has = im.str(p, r.id+"."+req.prop, mustHave); !has {
			ok = false
		}
	}
	if p, has := props.Get("Timeout"); has {
		if s, valid := im.integer(p, r.id+".Timeout", mustHave); valid {
			if s < 1 || s > int(apimodel.MaxFunctionTimeout/time.Second) {
				im.fail(p.Val.Pos, "%s: Timeout %d is outside the 1-900 seconds Lambda allows", r.id, s)
			}
			fn.Timeout = time.Duration(s) * time.Second
		}
	}
	if p, has := props.Get("MemorySize"); has {
		if m, valid := im.integer(p, r.id+".MemorySize", mustHave); valid {
			if m < 128 || m > 10240 {
				im.fail(p.Val.Pos, "%s: MemorySize %d is outside the 128-10240 MB Lambda allows", r.id, m)
			}
			fn.MemoryMB = m
		}
	}
	if p, has := props.Get("Environment"); has {
		if env, valid := im.object(p, r.id+".Environment", mayDrop); valid {
			for _, e := range env.Pairs {
				if e.Key != "Variables" {
					im.warn(e.KeyPos, "%s: Environment has no field %s; ignored", r.id, e.Key)
					continue
				}
				fn.Environment = im.strMap(e, r.id+" environment variable", mayDrop)
			}
		}
	}
	if p, has := props.Get("ReservedConcurrentExecutions"); has {
		if n, valid := im.integer(p, r.id+".ReservedConcurrentExecutions", mayDrop); valid {
			if n == 0 {
				im.warn(p.Val.Pos, "%s: ReservedConcurrentExecutions 0 stops AWS from running the function at all; genkan runs it without a cap", r.id)
			}
			fn.ReservedConcurrency = max(n, 0)
		}
	}
	if p, has := props.Get("ProvisionedConcurrencyConfig"); has {
		if pc, valid := im.object(p, r.id+".ProvisionedConcurrencyConfig", mayDrop); valid {
			if n, has := pc.Get("ProvisionedConcurrentExecutions"); has {
				fn.MinWarm, _ = im.integer(n, r.id+".ProvisionedConcurrentExecutions", mayDrop)
			}
		}
	}
	if p, has := props.Get("Architectures"); has {
		for _, a := range im.strList(p, r.id+".Architectures", mayDrop) {
			if a != "x86_64" {
				im.warn(p.Val.Pos, "%s: Architectures %s is not emulated; genkan runs functions on the host's architecture", r.id, a)
			}
		}
	}
	im.goBuild(r, fn)
	if p, has := props.Get("ImageConfig"); has {
		im.warn(p.KeyPos, "%s: ImageConfig applies to container images only; ignored", r.id)
	}
	return ok
}

func (im *importer) functionEvents(r *resource, fnName string, evs pair) {
	if evs.Val.Kind != doctree.Map {
		im.fail(evs.Val.Pos, "%s: Events must be an object of events, got %s", r.id, evs.Val.Describe())
		return
	}
	for _, ev := range evs.Val.Pairs {
		if ev.Val.Kind != doctree.Map {
			im.fail(ev.Val.Pos, "%s: event %s must be an object with a Type, got %s", r.id, ev.Key, ev.Val.Describe())
			continue
		}
		t, _ := ev.Val.Get("Type")
		for _, f := range ev.Val.Pairs {
			if f.Key != "Type" && f.Key != "Properties" && f.Key != "Condition" {
				im.warn(f.KeyPos, "%s: event %s has no field %s; ignored", r.id, ev.Key, f.Key)
			}
		}
		switch textOrEmpty(t.Val) {
		case "Api", "HttpApi":
			im.apiEvent(r, fnName, ev, t.Val.Text)
		case "":
			im.fail(ev.KeyPos, "%s: event %s needs a Type", r.id, ev.Key)
		default:
			im.warn(t.Val.Pos, "%s: %s events are not emulated, so nothing triggers event %s; the function still answers its API routes and the Invoke API", r.id, t.Val.Text, ev.Key)
		}
	}
}

func (im *importer) apiEvent(r *resource, fnName string, ev pair, typ string) {
	what := r.id + " event " + ev.Key
	props := &node{Kind: doctree.Map, Pos: ev.KeyPos}
	if p, ok := ev.Val.Get("Properties"); ok {
		if props, ok = im.object(p, what+" Properties", mustHave); !ok {
			return
		}
	}
	e := &apiEvent{fnID: r.id, fnName: fnName, name: ev.Key, typ: typ, pos: ev.KeyPos, props: props, pathPos: ev.KeyPos, methPos: ev.KeyPos}
	rules, idProp, implicit, apiType := apiEventProps, "RestApiId", implicitRestAPI, typeSAMApi
	if typ == "HttpApi" {
		rules, idProp, implicit, apiType = httpAPIEventProps, "ApiId", implicitHTTPAPI, typeSAMHttpApi
	}
	im.checkProps(&resource{id: what, typ: typ + " event"}, props, rules)
	api := implicit
	if p, ok := props.Get(idProp); ok {
		target, found := im.refTarget(p.Val)
		res := im.resources[target]
		switch {
		case !found:
			im.fail(p.Val.Pos, "%s: %s must name an %s of this template (a logical id or a Ref), got %s", what, idProp, apiType, p.Val.Describe())
			return
		case res == nil || res.typ != apiType:
			im.fail(p.Val.Pos, "%s: %s names %s, which is not an %s of this template", what, idProp, target, apiType)
			return
		case res.skipped:
			im.warn(p.Val.Pos, "%s: %s is not created (its condition %s is false), so the event adds no route", what, target, res.condition)
			return
		}
		api = target
	}
	path, hasPath := props.Get("Path")
	method, hasMethod := props.Get("Method")
	switch {
	case typ == "HttpApi" && !hasPath && !hasMethod:
		e.path, e.method = apimodel.DefaultRouteKey, anyMethod
	case !hasPath || !hasMethod:
		missing := "Path"
		if hasPath {
			missing = "Method"
		}
		im.fail(ev.KeyPos, "%s is missing %s", what, missing)
		return
	default:
		var ok1, ok2 bool
		e.path, ok1 = im.str(path, what+" Path", mustHave)
		e.method, ok2 = im.str(method, what+" Method", mustHave)
		if !ok1 || !ok2 {
			return
		}
		e.pathPos, e.methPos = path.Val.Pos, method.Val.Pos
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
	md, _ := r.node.Get("Metadata")
	method, _ := md.Val.Get("BuildMethod")
	if textOrEmpty(method.Val) != "go1.x" {
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
	im.warn(method.KeyPos, "%s: BuildMethod go1.x: genkan builds the function from its Go source itself (runtime \"go\"), as sam build would", r.id)
	fn.Runtime = "go"
}

// refTarget returns the logical id a property names: a Ref, or the logical id written out.
func (im *importer) refTarget(n *node) (string, bool) {
	if fn, arg, ok := call(n); ok {
		if fn == "Ref" && arg.Kind == doctree.Scalar && !arg.IsNull() {
			return arg.Text, true
		}
		return "", false
	}
	if n.Kind == doctree.Scalar && !n.IsNull() {
		return n.Text, true
	}
	return "", false
}
