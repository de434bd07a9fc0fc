package sam

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/importer/doctree"
)

// What genkan answers for CloudFormation's pseudo parameters and for values that only exist
// once a stack is deployed. They match apimodel's defaults so that ARNs built here name the
// same account and region the gateway reports.
const (
	region    = apimodel.DefaultRegion
	accountID = apimodel.DefaultAccountID
	partition = "aws"
	urlSuffix = "amazonaws.com"
)

// functionARN is the ARN of a function genkan runs, as Fn::GetAtt Function.Arn gives it.
func functionARN(name string) string {
	return "arn:" + partition + ":lambda:" + region + ":" + accountID + ":function:" + name
}

// invocationURI is the integration URI API Gateway uses to call a function.
func invocationURI(name string) string {
	return "arn:" + partition + ":apigateway:" + region + ":lambda:path/2015-03-31/functions/" + functionARN(name) + "/invocations"
}

func (im *importer) ref(name string, pos apimodel.Position, expr string, depth int) (*node, error) {
	switch name {
	case "AWS::Region":
		return strNode(region, pos), nil
	case "AWS::AccountId":
		return strNode(accountID, pos), nil
	case "AWS::Partition":
		return strNode(partition, pos), nil
	case "AWS::URLSuffix":
		return strNode(urlSuffix, pos), nil
	case "AWS::StackName":
		return strNode(im.stack, pos), nil
	case "AWS::StackId":
		return strNode("arn:"+partition+":cloudformation:"+region+":"+accountID+":stack/"+im.stack+"/00000000-0000-0000-0000-000000000000", pos), nil
	case "AWS::NoValue":
		return nil, nil
	case "AWS::NotificationARNs":
		return &node{Kind: doctree.Seq, Pos: pos}, nil
	}
	if p, ok := im.params[name]; ok {
		return im.paramValue(p, pos, expr)
	}
	if id, ok := im.apiIDs[name]; ok {
		return strNode(id, pos), nil
	}
	if r, ok := im.resources[name]; ok {
		return im.refResource(r, pos, expr, depth)
	}
	if stage, ok := im.generatedStages[name]; ok {
		return strNode(stage, pos), nil
	}
	return nil, cannot(pos, expr, "the template has no parameter or resource named %s", name)
}

func (im *importer) paramValue(p *param, pos apimodel.Position, expr string) (*node, error) {
	if strings.HasPrefix(p.typ, "AWS::SSM::Parameter::Value<") {
		return nil, cannot(pos, expr, "parameter %s is read from SSM Parameter Store when the stack is deployed", p.name)
	}
	if p.def == nil {
		return nil, cannot(pos, expr, "parameter %s has no Default, and genkan has no parameter overrides", p.name)
	}
	if p.def.Kind != doctree.Scalar {
		c := *p.def
		c.Pos = pos
		return &c, nil
	}
	if strings.HasPrefix(p.typ, "List<") || p.typ == "CommaDelimitedList" {
		out := &node{Kind: doctree.Seq, Pos: pos}
		for _, s := range strings.Split(p.def.Text, ",") {
			if p.typ != "CommaDelimitedList" {
				s = strings.TrimSpace(s)
			}
			out.Items = append(out.Items, strNode(s, pos))
		}
		return out, nil
	}
	c := *p.def
	c.Pos = pos
	if p.typ != "Number" {
		c.Type = doctree.Str
	}
	return &c, nil
}

// physicalRefTypes are resources whose Ref is an id that API Gateway generates; genkan
// invents a stable one from the logical id so that references between them can be followed.
var physicalRefTypes = map[string]bool{
	"AWS::ApiGateway::Resource": true, "AWS::ApiGateway::Deployment": true, "AWS::ApiGateway::Authorizer": true,
	"AWS::ApiGateway::Model": true, "AWS::ApiGateway::RequestValidator": true, "AWS::ApiGateway::ApiKey": true,
	"AWS::ApiGateway::UsagePlan": true, "AWS::ApiGatewayV2::Integration": true, "AWS::ApiGatewayV2::Route": true,
	"AWS::ApiGatewayV2::Deployment": true, "AWS::ApiGatewayV2::Authorizer": true, "AWS::ApiGatewayV2::Model": true,
	"AWS::ApiGatewayV2::RouteResponse": true, "AWS::ApiGatewayV2::IntegrationResponse": true,
}

func (im *importer) refResource(r *resource, pos apimodel.Position, expr string, depth int) (*node, error) {
	if r.skipped {
		return nil, cannot(pos, expr, "resource %s is not created: its condition %s is false", r.id, r.condition)
	}
	switch r.typ {
	case typeFunction, typeLambda:
		name, err := im.functionName(r, depth)
		if err != nil {
			return nil, err
		}
		return strNode(name, pos), nil
	case "AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage":
		return im.propRef(r, "StageName", pos, expr, depth)
	case "AWS::ApiGateway::DomainName", "AWS::ApiGatewayV2::DomainName":
		return im.propRef(r, "DomainName", pos, expr, depth)
	case typeUserPool:
		return strNode(im.userPoolID(r, pos, expr), pos), nil
	}
	if physicalRefTypes[r.typ] {
		return strNode(im.physical[r.id], pos), nil
	}
	// The physical id of anything else (a table's name, a queue's URL) is CloudFormation's to
	// choose. The logical id is what SAM CLI substitutes too, and it keeps names recognisable.
	if !im.refWarned[r.id] {
		im.refWarned[r.id] = true
		im.warn(pos, "%s stands for the physical id of %s (%s), which CloudFormation chooses when it creates it; genkan uses the logical id %q", expr, r.id, r.typ, r.id)
	}
	return strNode(r.id, pos), nil
}

const typeUserPool = "AWS::Cognito::UserPool"

// userPoolID stands in for the id CloudFormation's user pool gets ({region}_{random}), so that
// ARNs and issuers built from it have the shape Cognito authorizers need. Tokens are checked
// against the stand-in's issuer, which only a local Cognito emulator answering for it can
// satisfy; the warning says so once.
func (im *importer) userPoolID(r *resource, pos apimodel.Position, expr string) string {
	id := region + "_" + r.id
	if !im.refWarned[r.id] {
		im.refWarned[r.id] = true
		im.warn(pos, "%s stands for user pool %s, which CloudFormation creates; genkan uses the id %q (issuer https://cognito-idp.%s.%s/%s), so only tokens issued for that id are accepted", expr, r.id, id, region, urlSuffix, id)
	}
	return id
}

func userPoolARN(id string) string {
	return "arn:" + partition + ":cognito-idp:" + region + ":" + accountID + ":userpool/" + id
}

// propRef answers a Ref with one of the resource's own properties.
func (im *importer) propRef(r *resource, prop string, pos apimodel.Position, expr string, depth int) (*node, error) {
	p, ok := r.props.Get(prop)
	if !ok {
		return nil, cannot(pos, expr, "%s has no %s", r.id, prop)
	}
	if im.evaluating[r.id] {
		return nil, cannot(pos, expr, "circular reference through %s", r.id)
	}
	im.evaluating[r.id] = true
	defer delete(im.evaluating, r.id)
	s, err := im.evalString(p.Val, pos, expr, depth+1)
	if err != nil {
		return nil, err
	}
	return strNode(s, pos), nil
}

func (im *importer) getAtt(id, attr string, pos apimodel.Position, expr string, depth int) (*node, error) {
	if apiID, ok := im.apiIDs[id]; ok {
		switch attr {
		case "RootResourceId":
			return strNode(rootResourceID(apiID), pos), nil
		case "RestApiId", "ApiId":
			return strNode(apiID, pos), nil
		case "ApiEndpoint":
			return strNode("https://"+apiID+".execute-api."+region+"."+urlSuffix, pos), nil
		}
	}
	r, ok := im.resources[id]
	if !ok {
		return nil, cannot(pos, expr, "the template has no resource named %s", id)
	}
	if r.skipped {
		return nil, cannot(pos, expr, "resource %s is not created: its condition %s is false", r.id, r.condition)
	}
	switch {
	case (r.typ == typeFunction || r.typ == typeLambda) && attr == "Arn":
		name, err := im.functionName(r, depth)
		if err != nil {
			return nil, err
		}
		return strNode(functionARN(name), pos), nil
	case r.typ == typeUserPool && (attr == "Arn" || attr == "ProviderName" || attr == "ProviderURL"):
		pool := im.userPoolID(r, pos, expr)
		provider := "cognito-idp." + region + "." + urlSuffix + "/" + pool
		switch attr {
		case "Arn":
			return strNode(userPoolARN(pool), pos), nil
		case "ProviderURL":
			return strNode("https://"+provider, pos), nil
		}
		return strNode(provider, pos), nil
	case r.typ == "AWS::Serverless::Application" && strings.HasPrefix(attr, "Outputs."):
		return nil, cannot(pos, expr, "%s is a nested application, which genkan does not deploy", id)
	}
	return nil, cannot(pos, expr, "%s of %s (%s) is known only once CloudFormation creates it", attr, id, r.typ)
}

// rootResourceID is the id genkan gives an API's root resource ("/").
func rootResourceID(apiID string) string { return apiID + "root" }

// conditionNamed evaluates a condition of the Conditions section, once.
func (im *importer) conditionNamed(name string, pos apimodel.Position, depth int) (bool, error) {
	if st, ok := im.condDone[name]; ok {
		return st.value, st.err
	}
	def, ok := im.conditions[name]
	if !ok {
		return false, cannot(pos, "Condition "+name, "the template has no condition named %s", name)
	}
	if im.evaluating["condition "+name] {
		return false, cannot(pos, "Condition "+name, "condition %s refers to itself", name)
	}
	im.evaluating["condition "+name] = true
	v, err := im.evalCondition(def, depth+1)
	delete(im.evaluating, "condition "+name)
	im.condDone[name] = condResult{v, err}
	return v, err
}

type condResult struct {
	value bool
	err   error
}

func (im *importer) evalCondition(n *node, depth int) (bool, error) {
	if depth > maxEvalDepth {
		return false, cannot(n.Pos, "condition", "conditions nest deeper than %d levels", maxEvalDepth)
	}
	if n.Tag == "!Condition" || (n.Kind == doctree.Map && len(n.Pairs) == 1 && n.Pairs[0].Key == "Condition") {
		arg := n
		if n.Tag == "" {
			arg = n.Pairs[0].Val
		}
		if arg.Kind != doctree.Scalar || arg.IsNull() {
			return false, cannot(n.Pos, "Condition", "Condition takes a condition name, got %s", arg.Describe())
		}
		return im.conditionNamed(arg.Text, n.Pos, depth)
	}
	fn, arg, ok := call(n)
	expr := describeCall(fn, arg)
	switch {
	case !ok:
		return false, cannot(n.Pos, "condition", "a condition is Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition, got %s", n.Describe())
	case fn == "Fn::Equals":
		items, err := args(arg, n.Pos, expr, 2, 2)
		if err != nil {
			return false, err
		}
		a, err := im.eval(items[0], depth+1)
		if err != nil {
			return false, err
		}
		b, err := im.eval(items[1], depth+1)
		if err != nil {
			return false, err
		}
		return compactJSON(a) == compactJSON(b) || (a != nil && b != nil && a.Kind == doctree.Scalar && b.Kind == doctree.Scalar && a.Text == b.Text), nil
	case fn == "Fn::Not":
		items, err := args(arg, n.Pos, expr, 1, 1)
		if err != nil {
			return false, err
		}
		v, err := im.evalCondition(items[0], depth+1)
		return !v, err
	case fn == "Fn::And" || fn == "Fn::Or":
		items, err := args(arg, n.Pos, expr, 2, 10)
		if err != nil {
			return false, err
		}
		for _, item := range items {
			v, err := im.evalCondition(item, depth+1)
			if err != nil {
				return false, err
			}
			if v == (fn == "Fn::Or") {
				return v, nil
			}
		}
		return fn == "Fn::And", nil
	}
	return false, cannot(n.Pos, expr, "%s is not a condition function", fn)
}

// errNotInclude marks an Fn::Transform that is some other macro than AWS::Include.
var errNotInclude = errors.New("not AWS::Include")

// maxIncludeBytes keeps a Location such as /dev/zero from exhausting memory.
const maxIncludeBytes = 64 << 20

// include reads the local file of an AWS::Include transform; CloudFormation inserts its
// content in place, intrinsics and all.
func (im *importer) include(arg *node, pos apimodel.Position) (*node, error) {
	name, _ := arg.Get("Name")
	if name.Val == nil || name.Val.Kind != doctree.Scalar || name.Val.Text != "AWS::Include" {
		return nil, errNotInclude
	}
	const expr = "Fn::Transform AWS::Include"
	params, _ := arg.Get("Parameters")
	loc, ok := params.Val.Get("Location")
	if !ok {
		return nil, cannot(pos, expr, "AWS::Include needs Parameters.Location")
	}
	path, err := im.evalString(loc.Val, loc.Val.Pos, expr, 0)
	if err != nil {
		return nil, err
	}
	if strings.Contains(path, "://") {
		return nil, cannot(loc.Val.Pos, expr, "%s is not a local file; genkan reads only files next to the template", path)
	}
	file := im.localPath(path)
	if doc, ok := im.includes[file]; ok {
		return doc, nil
	}
	data, rerr := readLimited(file)
	if rerr != nil {
		return nil, cannot(loc.Val.Pos, expr, "%v", rerr)
	}
	doc, ws, perr := parseDoc(data, file)
	im.warnings = append(im.warnings, ws...)
	if perr != nil {
		return nil, cannot(loc.Val.Pos, expr, "%v", perr)
	}
	im.includes[file] = doc
	return doc, nil
}

// localPath resolves a path written in the template against the template's directory, the
// way SAM does for CodeUri, DefinitionUri and AWS::Include locations.
func (im *importer) localPath(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(im.dir, p)
}

func readLimited(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", file)
	}
	if st.Size() > maxIncludeBytes {
		return nil, fmt.Errorf("%s is larger than %d MB", file, maxIncludeBytes>>20)
	}
	return os.ReadFile(file)
}
