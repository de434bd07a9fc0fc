package sam

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
	if g.val.kind != mapNode {
		im.fail(g.val.pos, "Globals must be an object, got %s", g.val.describe())
		return
	}
	for _, sec := range g.val.pairs {
		allowed, ok := globalProps[sec.key]
		if !ok {
			im.fail(sec.keyPos, "Globals: %s is not a section SAM supports (Api, Function, HttpApi, LayerVersion, SimpleTable, StateMachine)", sec.key)
			continue
		}
		if sec.val.kind != mapNode || sec.val.tag != "" {
			im.fail(sec.val.pos, "Globals %s must be an object, got %s", sec.key, sec.val.describe())
			continue
		}
		for _, p := range sec.val.pairs {
			if !allowed[p.key] {
				im.warn(p.keyPos, "Globals %s: SAM does not take %s as a global property; genkan merges it all the same", sec.key, p.key)
			}
		}
		im.globals["AWS::Serverless::"+sec.key] = sec.val
	}
}

// withGlobals returns r's properties merged with the Globals of its type, minus those its
// IgnoreGlobals attribute names.
func (im *importer) withGlobals(r *resource) *node {
	g := im.globals[r.typ]
	if g == nil {
		return r.props
	}
	if ig, ok := r.node.get("IgnoreGlobals"); ok {
		switch {
		case ig.val.kind == scalarNode && ig.val.text == "*":
			return r.props
		case ig.val.kind == seqNode:
			drop := map[string]bool{}
			for _, item := range ig.val.items {
				if _, present := g.get(item.text); !present {
					im.fail(item.pos, "%s: IgnoreGlobals names %s, which Globals does not set", r.id, item.describe())
				}
				drop[item.text] = true
			}
			kept := &node{kind: mapNode, pos: g.pos}
			for _, p := range g.pairs {
				if !drop[p.key] {
					kept.pairs = append(kept.pairs, p)
				}
			}
			g = kept
		default:
			im.fail(ig.val.pos, "%s: IgnoreGlobals is \"*\" or a list of property names, got %s", r.id, ig.val.describe())
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
	switch n.kind {
	case mapNode:
		return dictToken
	case seqNode:
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
		items := make([]*node, 0, len(global.items)+len(local.items))
		items = append(append(items, global.items...), local.items...)
		return &node{kind: seqNode, pos: local.pos, items: items}
	}
	out := &node{kind: mapNode, pos: local.pos, pairs: make([]pair, 0, len(global.pairs)+len(local.pairs))}
	out.pairs = append(out.pairs, global.pairs...)
	for _, lp := range local.pairs {
		merged := false
		for i, gp := range out.pairs {
			if gp.key == lp.key {
				out.pairs[i] = pair{key: lp.key, keyPos: lp.keyPos, val: mergeGlobals(gp.val, lp.val)}
				merged = true
				break
			}
		}
		if !merged {
			out.pairs = append(out.pairs, lp)
		}
	}
	return out
}
