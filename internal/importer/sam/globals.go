package sam

import "github.com/genkanhq/genkan/internal/importer/doctree"

// globalProps lists, per Globals section, the properties SAM lets a template set there
// (samtranslator/plugins/globals/globals.py).
var globalProps = map[string]map[string]bool{
	"Function": set("Handler", "Runtime", "CodeUri", "DeadLetterQueue", "Description", "MemorySize",
		"Timeout", "VpcConfig", "Environment", "Tags", "PropagateTags", "Tracing", "KmsKeyArn",
		"AutoPublishAlias", "AutoPublishAliasAllProperties", "Layers", "DeploymentPreference", "RolePath",
		"PermissionsBoundary", "ReservedConcurrentExecutions", "ProvisionedConcurrencyConfig",
		"AssumeRolePolicyDocument", "EventInvokeConfig", "FileSystemConfigs", "CodeSigningConfigArn",
		"Architectures", "SnapStart", "EphemeralStorage", "FunctionUrlConfig", "RuntimeManagementConfig",
		"LoggingConfig", "RecursiveLoop", "SourceKMSKeyArn"),
	// StageName and DefinitionBody are missing on purpose: SAM cannot merge them.
	"Api": set("Auth", "Name", "DefinitionUri", "CacheClusterEnabled", "CacheClusterSize", "MergeDefinitions",
		"Variables", "EndpointConfiguration", "MethodSettings", "BinaryMediaTypes", "MinimumCompressionSize",
		"Cors", "GatewayResponses", "AccessLogSetting", "CanarySetting", "TracingEnabled", "OpenApiVersion",
		"Domain", "AlwaysDeploy", "PropagateTags"),
	"HttpApi": set("Auth", "AccessLogSettings", "StageVariables", "Tags", "CorsConfiguration",
		"DefaultRouteSettings", "Domain", "RouteSettings", "FailOnWarnings", "PropagateTags"),
	"SimpleTable":  set("SSESpecification"),
	"StateMachine": set("PropagateTags"),
	"LayerVersion": set("PublishLambdaVersion"),
}

func set(keys ...string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// readGlobals checks the Globals section the way SAM does: an unknown section fails the
// transform. A property SAM does not list is only a warning, because SAM adds properties
// faster than genkan's list follows and the resource's own check reports what is unmapped.
func (im *importer) readGlobals(g pair) {
	if g.Val.Kind != doctree.Map {
		im.fail(g.Val.Pos, "Globals must be an object, got %s", g.Val.Describe())
		return
	}
	for _, sec := range g.Val.Pairs {
		allowed, ok := globalProps[sec.Key]
		if !ok {
			im.fail(sec.KeyPos, "Globals: %s is not a section SAM supports (Api, Function, HttpApi, LayerVersion, SimpleTable, StateMachine)", sec.Key)
			continue
		}
		if sec.Val.Kind != doctree.Map || sec.Val.Tag != "" {
			im.fail(sec.Val.Pos, "Globals %s must be an object, got %s", sec.Key, sec.Val.Describe())
			continue
		}
		for _, p := range sec.Val.Pairs {
			if !allowed[p.Key] {
				im.warn(p.KeyPos, "Globals %s: SAM does not take %s as a global property; genkan merges it all the same", sec.Key, p.Key)
			}
		}
		im.globals["AWS::Serverless::"+sec.Key] = sec.Val
	}
}

// withGlobals returns r's properties merged with the Globals of its type, minus those its
// IgnoreGlobals attribute names.
func (im *importer) withGlobals(r *resource) *node {
	g := im.globals[r.typ]
	if g == nil {
		return r.props
	}
	if ig, ok := r.node.Get("IgnoreGlobals"); ok {
		switch {
		case ig.Val.Kind == doctree.Scalar && ig.Val.Text == "*":
			return r.props
		case ig.Val.Kind == doctree.Seq:
			drop := map[string]bool{}
			for _, item := range ig.Val.Items {
				if _, present := g.Get(item.Text); !present {
					im.fail(item.Pos, "%s: IgnoreGlobals names %s, which Globals does not set", r.id, item.Describe())
				}
				drop[item.Text] = true
			}
			kept := &node{Kind: doctree.Map, Pos: g.Pos}
			for _, p := range g.Pairs {
				if !drop[p.Key] {
					kept.Pairs = append(kept.Pairs, p)
				}
			}
			g = kept
		default:
			im.fail(ig.Val.Pos, "%s: IgnoreGlobals is \"*\" or a list of property names, got %s", r.id, ig.Val.Describe())
		}
	}
	return mergeGlobals(g, r.props)
}

type mergeToken uint8

const (
	primitiveToken mergeToken = iota
	dictToken
	listToken
)

// tokenOf classifies a value as SAM's merge does: an intrinsic counts as a primitive,
// since CloudFormation turns it into one.
func tokenOf(n *node) mergeToken {
	if _, _, isCall := call(n); isCall {
		return primitiveToken
	}
	switch n.Kind {
	case doctree.Map:
		return dictToken
	case doctree.Seq:
		return listToken
	}
	return primitiveToken
}

// mergeGlobals applies SAM's rules: the resource's primitive wins, maps merge key by key,
// lists concatenate (global first), and on a type mismatch the resource's value wins.
func mergeGlobals(global, local *node) *node {
	tg, tl := tokenOf(global), tokenOf(local)
	switch {
	case tg != tl || tg == primitiveToken:
		return local
	case tg == listToken:
		items := make([]*node, 0, len(global.Items)+len(local.Items))
		items = append(append(items, global.Items...), local.Items...)
		return &node{Kind: doctree.Seq, Pos: local.Pos, Items: items}
	}
	out := &node{Kind: doctree.Map, Pos: local.Pos, Pairs: make([]pair, 0, len(global.Pairs)+len(local.Pairs))}
	out.Pairs = append(out.Pairs, global.Pairs...)
	for _, lp := range local.Pairs {
		merged := false
		for i, gp := range out.Pairs {
			if gp.Key == lp.Key {
				out.Pairs[i] = pair{Key: lp.Key, KeyPos: lp.KeyPos, Val: mergeGlobals(gp.Val, lp.Val)}
				merged = true
				break
			}
		}
		if !merged {
			out.Pairs = append(out.Pairs, lp)
		}
	}
	return out
}
