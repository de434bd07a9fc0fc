// Package sam imports AWS SAM and CloudFormation templates into apimodel, so that
// `genkan serve template.yaml` serves what `sam local start-api` would, without Docker.
//
// It reads a template the way SAM's transform and CloudFormation would: Globals are merged
// with SAM's rules, intrinsic functions are evaluated with genkan's stand-ins for what only
// a deployment knows (us-east-1, account 123456789012, logical ids for physical ones), and
// the API definitions SAM would hand to API Gateway are handed to importer/openapi. Anything
// the template says that genkan does not serve is reported with its position rather than
// dropped.
package sam

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/importer/doctree"
)

// Options tune one import.
type Options struct {
	// File is the template's path: it is used in positions, and CodeUri, DefinitionUri and
	// AWS::Include locations are relative to its directory.
	File string
	// Stage, when set, replaces the stage names the template declares.
	Stage string
}

const (
	typeFunction   = "AWS::Serverless::Function"
	typeSAMApi     = "AWS::Serverless::Api"
	typeSAMHttpApi = "AWS::Serverless::HttpApi"
	typeLambda     = "AWS::Lambda::Function"
	typeRestApi    = "AWS::ApiGateway::RestApi"
	typeV2Api      = "AWS::ApiGatewayV2::Api"

	samTransform = "AWS::Serverless-2016-10-31"

	// The logical ids SAM gives the APIs it creates for events that name none.
	implicitRestAPI = "ServerlessRestApi"
	implicitHTTPAPI = "ServerlessHttpApi"
)

type importer struct {
	opt   Options
	dir   string
	root  *node
	stack string
	isSAM bool

	params     map[string]*param
	mappings   *node
	conditions map[string]*node
	condDone   map[string]condResult
	resources  map[string]*resource
	order      []*resource
	globals    map[string]*node // Globals section by resource type

	apiIDs          map[string]string // served APIs, implicit ones included, by logical id
	physical        map[string]string // invented physical ids by logical id
	generatedStages map[string]string // SAM's generated stage resources, by logical id
	funcNames       map[string]string
	events          map[string][]*apiEvent // API events by the API's logical id
	includes        map[string]*node
	evaluating      map[string]bool
	refWarned       map[string]bool
	used            map[string]bool                // resources an API took as its part
	generatedPlans  map[string]*apimodel.UsagePlan // the usage plans SAM generates, by logical id
	ifWarned        map[apimodel.Position]bool
	evals           int

	warnings []apimodel.Warning
	problems apimodel.Problems
	cfg      apimodel.Config
}

type param struct {
	name string
	typ  string
	def  *node
}

type resource struct {
	id        string
	typ       string
	pos       apimodel.Position // of the logical id
	node      *node
	props     *node // never nil
	condition string
	skipped   bool // its condition is false, so CloudFormation does not create it
	implicit  bool // an API SAM creates for events that name none
}

func newImporter(opt Options) *importer {
	return &importer{
		opt:             opt,
		dir:             filepath.Dir(opt.File),
		params:          map[string]*param{},
		conditions:      map[string]*node{},
		condDone:        map[string]condResult{},
		resources:       map[string]*resource{},
		globals:         map[string]*node{},
		apiIDs:          map[string]string{},
		physical:        map[string]string{},
		generatedStages: map[string]string{},
		funcNames:       map[string]string{},
		events:          map[string][]*apiEvent{},
		includes:        map[string]*node{},
		evaluating:      map[string]bool{},
		refWarned:       map[string]bool{},
		used:            map[string]bool{},
		generatedPlans:  map[string]*apimodel.UsagePlan{},
		ifWarned:        map[apimodel.Position]bool{},
		stack:           stackName(opt.File),
	}
}

// Import converts a template: one apimodel.API per AWS::Serverless::Api / HttpApi,
// AWS::ApiGateway::RestApi and AWS::ApiGatewayV2::Api (and the implicit ServerlessRestApi /
// ServerlessHttpApi that SAM creates for events naming no API), one apimodel.Function per
// AWS::Serverless::Function and AWS::Lambda::Function. The error is an apimodel.Problems
// whose every entry has file:line:col.
func Import(data []byte, opt Options) (*apimodel.Config, error) {
	im := newImporter(opt)
	root, ws, err := parseDoc(data, opt.File)
	im.warnings = append(im.warnings, ws...)
	if err != nil {
		im.addError(err)
		return nil, im.problems.Err()
	}
	im.root = root
	im.run()
	if len(im.problems) > 0 {
		return nil, im.problems.Err()
	}
	sortWarnings(im.warnings)
	cfg := im.cfg
	cfg.Warnings = im.warnings
	if cfg.APIs == nil {
		cfg.APIs = []*apimodel.API{}
	}
	return &cfg, nil
}

func (im *importer) run() {
	if im.root.Kind != doctree.Map {
		im.fail(im.root.Pos, "a template is an object with a Resources section, got %s", im.root.Describe())
		return
	}
	if !im.sections() {
		return
	}
	im.assignIDs()
	im.functions()
	im.apis()
	im.otherResources()
	im.validate()
}

// sections reads the template's top level; false when what it found stops the import.
func (im *importer) sections() bool {
	var resources pair
	var globals *pair
	for _, p := range im.root.Pairs {
		switch p.Key {
		case "AWSTemplateFormatVersion":
			if p.Val.Kind != doctree.Scalar || p.Val.Text != "2010-09-09" {
				im.warn(p.Val.Pos, "AWSTemplateFormatVersion %s is not 2010-09-09, the only version CloudFormation has", p.Val.Describe())
			}
		case "Description", "Metadata", "Outputs", "Rules":
			// Documentation, console hints, stack outputs and parameter rules: none of them
			// changes what is served.
		case "Transform":
			im.transforms(p)
		case "Parameters":
			im.parameters(p)
		case "Mappings":
			if p.Val.Kind != doctree.Map {
				im.fail(p.Val.Pos, "Mappings must be an object, got %s", p.Val.Describe())
				continue
			}
			im.mappings = p.Val
		case "Conditions":
			if p.Val.Kind != doctree.Map {
				im.fail(p.Val.Pos, "Conditions must be an object, got %s", p.Val.Describe())
				continue
			}
			for _, c := range p.Val.Pairs {
				im.conditions[c.Key] = c.Val
			}
		case "Globals":
			g := p
			globals = &g
		case "Resources":
			resources = p
		case "Hooks":
			im.warn(p.KeyPos, "Hooks (CodeDeploy blue/green deployments) have no effect when genkan serves the template; ignored")
		default:
			im.warn(p.KeyPos, "%s is not a section of a CloudFormation template; ignored", p.Key)
		}
	}
	if resources.Val == nil {
		im.fail(im.root.Pos, "the template has no Resources section")
		return false
	}
	if resources.Val.Kind != doctree.Map || len(resources.Val.Pairs) == 0 {
		im.fail(resources.Val.Pos, "Resources must be an object with at least one resource")
		return false
	}
	im.readResources(resources.Val)
	if globals != nil {
		if !im.isSAM {
			im.fail(globals.KeyPos, "Globals is a SAM section; the template needs Transform: %s", samTransform)
		} else {
			im.readGlobals(*globals)
		}
	}
	return len(im.problems) == 0
}

func (im *importer) transforms(p pair) {
	items := []*node{p.Val}
	if p.Val.Kind == doctree.Seq {
		items = p.Val.Items
	}
	for _, t := range items {
		switch {
		case t.Kind == doctree.Scalar && t.Text == samTransform:
			im.isSAM = true
		case t.Kind == doctree.Scalar && t.Text == "AWS::LanguageExtensions":
			// Fn::Length, Fn::ToJsonString and FindInMap defaults are evaluated anyway.
		case t.Kind == doctree.Scalar:
			im.warn(t.Pos, "transform %s is a macro that runs only in CloudFormation; the template is read as written", t.Text)
		default:
			im.warn(t.Pos, "Transform %s is not a transform name; ignored", t.Describe())
		}
	}
}

func (im *importer) parameters(p pair) {
	if p.Val.Kind != doctree.Map {
		im.fail(p.Val.Pos, "Parameters must be an object, got %s", p.Val.Describe())
		return
	}
	for _, e := range p.Val.Pairs {
		prm := &param{name: e.Key}
		if t, ok := e.Val.Get("Type"); ok && t.Val.Kind == doctree.Scalar {
			prm.typ = t.Val.Text
		} else {
			im.fail(e.KeyPos, "parameter %s needs a Type", e.Key)
		}
		if d, ok := e.Val.Get("Default"); ok && !d.Val.IsNull() {
			prm.def = d.Val
		}
		im.params[e.Key] = prm
	}
}

// logicalID is CloudFormation's rule for logical ids.
var logicalID = regexp.MustCompile(`^[A-Za-z0-9]+$`)

// resourceAttributes are the keys a resource may have besides Type and Properties.
var resourceAttributes = map[string]bool{
	"Condition": true, "DependsOn": true, "Metadata": true, "DeletionPolicy": true,
	"UpdateReplacePolicy": true, "UpdatePolicy": true, "CreationPolicy": true, "IgnoreGlobals": true,
	"Version": true, "Connectors": true,
}

func (im *importer) readResources(res *node) {
	for _, p := range res.Pairs {
		if !logicalID.MatchString(p.Key) {
			im.fail(p.KeyPos, "logical id %q must be letters and digits only", p.Key)
			continue
		}
		r := &resource{id: p.Key, pos: p.KeyPos, node: p.Val, props: &node{Kind: doctree.Map, Pos: p.KeyPos}}
		if p.Val.Kind != doctree.Map {
			im.fail(p.Val.Pos, "resource %s must be an object with a Type, got %s", p.Key, p.Val.Describe())
			continue
		}
		for _, a := range p.Val.Pairs {
			switch {
			case a.Key == "Type":
				if a.Val.Kind != doctree.Scalar || a.Val.Tag != "" || a.Val.Text == "" {
					im.fail(a.Val.Pos, "the Type of %s must be a resource type name, got %s", p.Key, a.Val.Describe())
				}
				r.typ = a.Val.Text
			case a.Key == "Properties":
				switch {
				case a.Val.Kind == doctree.Map && a.Val.Tag == "":
					r.props = a.Val
				case !a.Val.IsNull():
					im.fail(a.Val.Pos, "the Properties of %s must be an object, got %s", p.Key, a.Val.Describe())
				}
			case a.Key == "Condition":
				if a.Val.Kind != doctree.Scalar || a.Val.Tag != "" {
					im.fail(a.Val.Pos, "the Condition of %s must be a condition name, got %s", p.Key, a.Val.Describe())
					continue
				}
				r.condition = a.Val.Text
			case !resourceAttributes[a.Key]:
				im.warn(a.KeyPos, "%s is not a resource attribute; CloudFormation rejects it, genkan ignores it", a.Key)
			}
		}
		if r.typ == "" {
			if _, has := p.Val.Get("Type"); !has {
				im.fail(p.KeyPos, "resource %s has no Type", p.Key)
			}
			continue
		}
		if strings.HasPrefix(r.typ, "AWS::Serverless::") && !im.isSAM {
			im.fail(r.pos, "%s is a SAM resource type; the template needs Transform: %s", r.typ, samTransform)
		}
		im.resources[r.id] = r
		im.order = append(im.order, r)
	}
	for _, r := range im.order {
		if r.condition == "" {
			continue
		}
		ok, err := im.conditionNamed(r.condition, r.pos, 0)
		switch {
		case err != nil:
			im.warn(r.pos, "%s: condition %s cannot be evaluated (%v); genkan creates the resource", r.id, r.condition, err)
		case !ok:
			r.skipped = true
			im.warn(r.pos, "%s is not created: its condition %s is false", r.id, r.condition)
		}
	}
}

// stackName stands in for AWS::StackName: the template's directory name when the file has
// SAM's default name template.yaml, else the file's name, as a stack name may be spelled.
func stackName(file string) string {
	base := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	if base == "template" || base == "." || base == "" {
		if abs, err := filepath.Abs(filepath.Dir(file)); err == nil {
			base = filepath.Base(abs)
		}
	}
	var b strings.Builder
	for _, r := range base {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9' && b.Len() > 0, r == '-' && b.Len() > 0:
			b.WriteRune(r)
		case b.Len() > 0:
			b.WriteByte('-')
		}
		if b.Len() == 128 {
			break
		}
	}
	if s := strings.Trim(b.String(), "-"); s != "" {
		return s
	}
	return "genkan"
}

// sanitizeID makes an API Gateway-like id from a logical id: lower-case letters and digits.
func sanitizeID(logical string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(logical) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
		if b.Len() == 63 {
			break
		}
	}
	if b.Len() == 0 {
		return "api"
	}
	return b.String()
}

// assignIDs gives every resource its stand-in physical id, every API its id and implicit
// APIs their place, before any intrinsic is evaluated: Refs to them resolve to these ids.
func (im *importer) assignIDs() {
	used := map[string]bool{}
	unique := func(logical string) string {
		id := sanitizeID(logical)
		base := id
		for n := 2; used[id]; n++ {
			suffix := strconv.Itoa(n)
			if len(base)+len(suffix) > 63 {
				base = base[:63-len(suffix)]
			}
			id = base + suffix
		}
		used[id] = true
		return id
	}
	for _, r := range im.order {
		im.physical[r.id] = unique(r.id)
		if r.skipped {
			continue
		}
		switch r.typ {
		case typeSAMApi, typeSAMHttpApi, typeRestApi, typeV2Api:
			im.apiIDs[r.id] = im.physical[r.id]
		}
	}
	for _, implicit := range im.implicitAPIs() {
		if _, taken := im.resources[implicit]; taken {
			// SAM warns about it too: the template's own resource takes the reserved name.
			im.warn(im.resources[implicit].pos, "%s is the logical id SAM reserves for the API it creates for events without an API; the template's resource takes its place", implicit)
			continue
		}
		im.apiIDs[implicit] = unique(implicit)
	}
	im.stageResources()
}
