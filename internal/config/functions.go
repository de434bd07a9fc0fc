package config

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/genkanhq/genkan/internal/apimodel"
)

var (
	// functionName is Lambda's rule for function names (the name part of an ARN).
	functionName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	// templatedFunctionName allows ${stageVariables.x} in a route's function name, as AWS
	// users write it in integration URIs to pick a function per stage.
	templatedFunctionName = regexp.MustCompile(`^([A-Za-z0-9_-]|\$\{stageVariables\.[A-Za-z0-9_]+\})+$`)
	// lambdaEnvName is Lambda's rule for environment variable keys.
	lambdaEnvName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]+$`)
	handlerText   = regexp.MustCompile(`^\S{1,128}$`)
)

// Lambda's memory range in MB.
const (
	minFunctionMemory = 128
	maxFunctionMemory = 10240
)

// funcDecl is one entry of `functions`. The code path is checked by load, which owns the
// file system, so that the decoder stays a pure function of the YAML.
type funcDecl struct {
	fn      *apimodel.Function
	code    string // as written, after ${env:} expansion; "" when missing or broken
	codePos apimodel.Position
}

// funcRef is a route's `function:` shorthand. It is completed in finish, once every file
// is merged: the ARN needs the merged settings, the payload format the protocol of the API
// the route ends up in (an openapi entry may take it from the document), and the name may
// be declared in another file, such as a SAM template.
type funcRef struct {
	label  string // the key that held the name, for messages
	name   string
	pos    apimodel.Position
	check  bool              // false when the name is templated or already reported
	pfvPos apimodel.Position // of an explicit payloadFormatVersion
}

func (d *decoder) functions(n ast.Node) []*funcDecl {
	es, _ := d.entries("functions", n)
	var out []*funcDecl
	for _, e := range es {
		if !functionName.MatchString(e.key) {
			d.errorf(e.keyNode, "function name %s must be 1-64 letters, digits, '-' or '_'", quote(e.key))
			continue
		}
		out = append(out, d.function(e))
	}
	return out
}

// function decodes one function. A broken one is still returned so that routes naming it
// do not add "not declared" to the problems it already has.
func (d *decoder) function(owner entry) *funcDecl {
	fn := &apimodel.Function{
		Name: owner.key, Pos: d.pos(owner.keyNode),
		Timeout: apimodel.DefaultFunctionTimeout, MemoryMB: apimodel.DefaultFunctionMemory,
	}
	decl := &funcDecl{fn: fn}
	// read holds the keys whose values were usable, so that checks between keys do not
	// repeat a problem already reported on one of them.
	read := map[string]bool{}
	count := func(label string, set *int) func(entry) {
		return func(e entry) {
			v, ok := d.integer(label, e.val, 0, false)
			if ok && v > math.MaxInt32 {
				d.errorf(d.value(e.val), "%s: %d is out of range", label, v)
				return
			}
			if ok {
				*set, read[label] = int(v), true
			}
		}
	}
	seen, _ := d.object("in function "+quote(owner.key), "functions."+owner.key, owner.keyNode, owner.val, fields{
		"runtime": func(e entry) { fn.Runtime, _ = d.runtime(e.val) },
		"handler": func(e entry) { fn.Handler, read["handler"] = d.str("handler", e.val) },
		"code": func(e entry) {
			decl.codePos = d.valuePos(e)
			code, ok := d.text("code", e.val)
			if ok && code == "" {
				d.errorAt(decl.codePos, "code: needs the path of the function's code")
				return
			}
			decl.code = code
		},
		"timeout": func(e entry) {
			t, ok := d.duration("timeout", e.val)
			if ok && t > apimodel.MaxFunctionTimeout {
				d.errorf(d.value(e.val), "timeout: %s is more than Lambda's maximum of %.0fs", t, apimodel.MaxFunctionTimeout.Seconds())
				return
			}
			if ok {
				fn.Timeout = t
			}
		},
		"memory": func(e entry) {
			mb, ok := d.integer("memory", e.val, math.MinInt64, false)
			if ok && (mb < minFunctionMemory || mb > maxFunctionMemory) {
				d.errorf(d.value(e.val), "memory: %d is outside Lambda's %d-%d MB", mb, minFunctionMemory, maxFunctionMemory)
				return
			}
			if ok {
				fn.MemoryMB = int(mb)
			}
		},
		"environment": func(e entry) { fn.Environment = d.environment(e.val) },
		"concurrency": count("concurrency", &fn.ReservedConcurrency),
		"minWarm":     count("minWarm", &fn.MinWarm),
	}, "runtime", "code")
	d.handler(fn, seen, read["handler"], owner)
	if read["concurrency"] && read["minWarm"] && fn.MinWarm > fn.ReservedConcurrency {
		d.errorf(d.value(seen["minWarm"].val), "minWarm: %d is more than concurrency %d allows", fn.MinWarm, fn.ReservedConcurrency)
	}
	return decl
}

// runtime refuses identifiers Lambda does not know, with the nearest one suggested: a typo
// such as nodejs20.z would otherwise surface only when the function first runs.
func (d *decoder) runtime(n ast.Node) (string, bool) {
	s, ok := d.str("runtime", n)
	if !ok {
		return "", false
	}
	if s == goRuntime || slices.Contains(lambdaRuntimes, s) {
		return s, true
	}
	if hint := suggestFrom(s, slices.Values(append([]string{goRuntime}, lambdaRuntimes...))); hint != "" {
		d.errorf(d.value(n), "runtime: %s is not a Lambda runtime%s", quote(s), hint)
	} else {
		d.errorf(d.value(n), `runtime: %s is not a Lambda runtime (such as nodejs22.x, python3.13, java21 or provided.al2023) or "go"`, quote(s))
	}
	return "", false
}

// handler is checked once the whole function is read, because `runtime` may come after it.
func (d *decoder) handler(fn *apimodel.Function, seen map[string]entry, ok bool, owner entry) {
	e, given := seen["handler"]
	if fn.Runtime == "" || handlerOptional(fn.Runtime) && !given || given && !ok {
		return
	}
	shape, example, dotted := handlerShape(fn.Runtime)
	if !given {
		d.errorf(owner.keyNode, "missing key %q in function %s: runtime %s needs %s, such as %s", "handler", quote(fn.Name), fn.Runtime, shape, example)
		return
	}
	v := d.value(e.val)
	switch h := fn.Handler; {
	case !handlerText.MatchString(h):
		d.errorf(v, "handler: %s must be 1-128 characters without spaces", quote(h))
	case dotted && (!strings.Contains(h, ".") || strings.HasPrefix(h, ".") || strings.HasSuffix(h, ".")):
		d.errorf(v, "handler: %s must be %s, such as %s", quote(h), shape, example)
	}
}

// environment checks names here, where each key's position is known, because Lambda
// refuses the whole function over one bad name.
func (d *decoder) environment(n ast.Node) map[string]string {
	es, _ := d.entries("environment", n)
	if len(es) == 0 {
		return nil
	}
	out := make(map[string]string, len(es))
	for _, e := range es {
		if !lambdaEnvName.MatchString(e.key) {
			d.errorf(e.keyNode, "environment: %s is not a Lambda variable name (a letter, then letters, digits or '_')", quote(e.key))
			continue
		}
		if v, ok := d.text("environment."+e.key, e.val); ok {
			out[e.key] = v
		}
	}
	return out
}

// functionRoute decodes the `function:` shorthand: `function: NAME` or
// `function: { name: NAME, payloadFormatVersion: "1.0", timeout: 5s }`.
func (d *decoder) functionRoute(owner entry) *apimodel.Integration {
	in := &apimodel.Integration{Type: apimodel.IntegrationAWSProxy, Pos: d.valuePos(owner)}
	ref := &funcRef{label: "function", pos: d.valuePos(owner)}
	if _, long := d.value(owner.val).(*ast.MappingNode); long {
		in.Pos = d.pos(owner.keyNode)
		d.object("in function", "function", owner.keyNode, owner.val, fields{
			"name": func(e entry) { d.functionRef("name", e, ref) },
			"payloadFormatVersion": func(e entry) {
				var ok bool
				if in.PayloadFormatVersion, ok = d.payloadFormatVersion(e.val); ok {
					ref.pfvPos = d.valuePos(e)
				}
			},
			"timeout": func(e entry) { in.Timeout, _ = d.duration("timeout", e.val) },
		}, "name")
	} else {
		d.functionRef("function", owner, ref)
	}
	d.funcRefs[in] = ref
	return in
}

func (d *decoder) functionRef(label string, e entry, ref *funcRef) {
	ref.label, ref.pos = label, d.valuePos(e)
	name, ok := d.str(label, e.val)
	if !ok {
		return
	}
	ref.name = name
	templated := strings.Contains(name, "${stageVariables.")
	switch {
	case templated && templatedFunctionName.MatchString(name):
	case !templated && functionName.MatchString(name):
		ref.check = true
	default:
		d.errorAt(ref.pos, "%s: %s is not a function name (1-64 letters, digits, '-' or '_', and ${stageVariables.name})", label, quote(name))
	}
}

// checkCode makes a function's code path absolute, relative to the file that declares it
// as openapi references are, and checks that it is there in the form its runtime runs.
func (ld *load) checkCode(from string, f *funcDecl) {
	if f.code == "" {
		return
	}
	p := f.code
	if !filepath.IsAbs(p) {
		p = filepath.Join(filepath.Dir(from), p)
	}
	f.fn.Code = absPath(p)
	rt := f.fn.Runtime
	st, err := ld.stat(f.fn.Code)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		where := ""
		if !filepath.IsAbs(f.code) {
			// Relative to what is the usual question; the answer is the YAML file.
			where = " (looked for " + f.fn.Code + ")"
		}
		ld.problem(f.codePos, "code: %s does not exist%s", f.code, where)
	case err != nil:
		ld.problem(f.codePos, "code: %s: %v", f.code, unwrapPath(err))
	case st.IsDir() || rt == "":
	case !strings.HasPrefix(rt, "provided"):
		ld.problem(f.codePos, "code: %s is a file; runtime %s needs the function's directory", f.code, rt)
	case !st.Mode().IsRegular():
		ld.problem(f.codePos, "code: %s is neither a directory nor a regular file", f.code)
	case runtime.GOOS != "windows" && st.Mode().Perm()&0o111 == 0:
		ld.problem(f.codePos, "code: %s is not executable (chmod +x it, or give its directory)", f.code)
	}
}

// addFunction merges one function. Names are unique across all files because a route, and
// Lambda's Invoke API, address a function by name alone.
func (ld *load) addFunction(fn *apimodel.Function) {
	if prev, dup := ld.functions[fn.Name]; dup && fn.Name != "" {
		ld.problem(fn.Pos, "function %s is already declared at %s", quote(fn.Name), prev.Pos)
		return
	}
	ld.functions[fn.Name] = fn
	ld.cfg.Functions = append(ld.cfg.Functions, fn)
}

// resolveFunctionRefs completes the `function:` shorthands; see funcRef.
func (ld *load) resolveFunctionRefs() {
	s := ld.cfg.Settings.WithDefaults()
	for _, api := range ld.cfg.APIs {
		for _, r := range api.Routes {
			ref, ok := ld.funcRefs[r.Integration]
			if !ok {
				continue
			}
			in := r.Integration
			in.URI = fmt.Sprintf("arn:aws:apigateway:%s:lambda:path/2015-03-31/functions/arn:aws:lambda:%s:%s:function:%s/invocations",
				s.Region, s.Region, s.AccountID, ref.name)
			switch {
			case in.PayloadFormatVersion == "" && api.Protocol == apimodel.ProtocolHTTP:
				in.PayloadFormatVersion = "2.0"
			case in.PayloadFormatVersion == "":
				in.PayloadFormatVersion = "1.0"
			case in.PayloadFormatVersion != "1.0" && api.Protocol == apimodel.ProtocolREST:
				ld.problem(ref.pfvPos, "payloadFormatVersion: %s is for HTTP APIs; REST APIs send Lambda the 1.0 format", in.PayloadFormatVersion)
			}
			if _, declared := ld.functions[ref.name]; ref.check && !declared {
				ld.problem(ref.pos, "%s: %s is not declared in functions%s", ref.label, quote(ref.name), suggestFrom(ref.name, maps.Keys(ld.functions)))
			}
		}
	}
}
