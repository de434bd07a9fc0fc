package sam

import (
	"regexp"
	"strings"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/importer/doctree"
)

// SAM's ResourcePolicy compiles into the API's x-amazon-apigateway-policy as SwaggerEditor
// writes it: per path, statements for the accounts, IP ranges and VPCs listed, over the
// methods of the path; then the custom statements as written.

var resourcePolicyKeys = map[string]bool{
	"AwsAccountWhitelist": true, "AwsAccountBlacklist": true, "IpRangeWhitelist": true, "IpRangeBlacklist": true,
	"SourceVpcWhitelist": true, "SourceVpcBlacklist": true, "IntrinsicVpcWhitelist": true, "IntrinsicVpcBlacklist": true,
	"IntrinsicVpceWhitelist": true, "IntrinsicVpceBlacklist": true, "CustomStatements": true,
}

// greedyParam is what SAM replaces with * in the paths of resource ARNs.
var greedyParam = regexp.MustCompile(`\{([a-zA-Z0-9._-]+|[a-zA-Z0-9._-]+\+|proxy\+)\}`)

type policyWriter struct {
	im    *importer
	doc   *node
	pos   apimodel.Position
	stmts *node // the policy's Statement list
}

// resourcePolicy adds a ResourcePolicy (resolved) to the definition's policy, for the given
// paths or, when nil, every path.
func (im *importer) resourcePolicy(doc, rp *node, pos apimodel.Position, paths []string, stage, what string) {
	if rp.Kind != doctree.Map {
		im.fail(rp.Pos, "%s must be an object (ResourcePolicyStatement), got %s", what, rp.Describe())
		return
	}
	for _, f := range rp.Pairs {
		if !resourcePolicyKeys[f.Key] {
			im.warn(f.KeyPos, "%s has no property %s; ignored", what, f.Key)
		}
	}
	w := &policyWriter{im: im, doc: doc, pos: pos}
	for _, item := range pathItems(doc) {
		if paths != nil && !contains(paths, item.Key) {
			continue
		}
		resources := resourceList(item, stage, pos)
		w.accounts(rp, "AwsAccountWhitelist", "Allow", resources, what)
		w.accounts(rp, "AwsAccountBlacklist", "Deny", resources, what)
		w.ips(rp, "IpRangeWhitelist", "NotIpAddress", resources, what)
		w.ips(rp, "IpRangeBlacklist", "IpAddress", resources, what)
		w.vpcs(rp, "Blacklist", "StringEquals", resources, what)
		w.vpcs(rp, "Whitelist", "StringNotEquals", resources, what)
	}
	if p, ok := rp.Get("CustomStatements"); ok {
		items := []*node{p.Val}
		if p.Val.Kind == doctree.Seq {
			items = p.Val.Items
		}
		for _, s := range items {
			w.append(s, true)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// resourceList is SwaggerEditor._get_method_path_uri_list: execute-api:/{stage}/{METHOD}{path}
// for each method of the path, * for ANY and for path parameters.
func resourceList(item pair, stage string, pos apimodel.Position) *node {
	list := &node{Kind: doctree.Seq, Pos: pos}
	for _, op := range item.Val.Pairs {
		if !opKeys[op.Key] {
			continue
		}
		method := strings.ToUpper(op.Key)
		if op.Key == anyMethod {
			method = "*"
		}
		list.Items = append(list.Items, strNode("execute-api:/"+stage+"/"+method+greedyParam.ReplaceAllString(item.Key, "*"), pos))
	}
	return list
}

// statements returns the policy's Statement list, creating the policy as SAM does.
func (w *policyWriter) statements() *node {
	if w.stmts != nil {
		return w.stmts
	}
	policy, ok := w.im.child(w.doc, "x-amazon-apigateway-policy", w.pos)
	if !ok {
		return nil
	}
	setPair(policy, "Version", w.pos, strNode("2012-10-17", w.pos))
	sp, ok := policy.Get("Statement")
	switch {
	case !ok:
		w.stmts = &node{Kind: doctree.Seq, Pos: w.pos}
		setPair(policy, "Statement", w.pos, w.stmts)
	case sp.Val.Kind == doctree.Seq:
		w.stmts = sp.Val
	default:
		w.stmts = &node{Kind: doctree.Seq, Pos: sp.Val.Pos, Items: []*node{sp.Val}}
		setPair(policy, "Statement", w.pos, w.stmts)
	}
	return w.stmts
}

// append adds a statement; unique ones only where SAM checks ("if s not in statement").
func (w *policyWriter) append(s *node, unique bool) {
	list := w.statements()
	if list == nil {
		return
	}
	if unique {
		for _, have := range list.Items {
			if compactJSON(have) == compactJSON(s) {
				return
			}
		}
	}
	list.Items = append(list.Items, s)
}

func (w *policyWriter) statement(effect string, resources *node, principal *node, condition *node) *node {
	pos := w.pos
	s := mapOf(pos,
		pair{Key: "Effect", KeyPos: pos, Val: strNode(effect, pos)},
		pair{Key: "Action", KeyPos: pos, Val: strNode("execute-api:Invoke", pos)},
		pair{Key: "Resource", KeyPos: pos, Val: resources},
		pair{Key: "Principal", KeyPos: pos, Val: principal})
	if condition != nil {
		s.Pairs = append(s.Pairs, pair{Key: "Condition", KeyPos: pos, Val: condition})
	}
	return s
}

// list reads a property SAM takes as one value or a list of them.
func (w *policyWriter) list(rp *node, key, what string) []*node {
	p, ok := rp.Get(key)
	if !ok || p.Val.IsNull() {
		return nil
	}
	if p.Val.Kind == doctree.Seq {
		return p.Val.Items
	}
	if p.Val.Kind == doctree.Map && !strings.HasPrefix(key, "Aws") {
		w.im.fail(p.Val.Pos, "%s.%s must be a list, got %s", what, key, p.Val.Describe())
		return nil
	}
	return []*node{p.Val}
}

func (w *policyWriter) accounts(rp *node, key, effect string, resources *node, what string) {
	accounts := w.list(rp, key, what)
	if len(accounts) == 0 {
		return
	}
	principal := mapOf(w.pos, pair{Key: "AWS", KeyPos: w.pos, Val: &node{Kind: doctree.Seq, Pos: w.pos, Items: accounts}})
	w.append(w.statement(effect, resources, principal, nil), false)
}

func (w *policyWriter) ips(rp *node, key, operator string, resources *node, what string) {
	ranges := w.list(rp, key, what)
	if len(ranges) == 0 {
		return
	}
	pos := w.pos
	condition := mapOf(pos, pair{Key: operator, KeyPos: pos, Val: mapOf(pos,
		pair{Key: "aws:SourceIp", KeyPos: pos, Val: &node{Kind: doctree.Seq, Pos: pos, Items: ranges}})})
	w.append(w.statement("Allow", resources, strNode("*", pos), nil), true)
	w.append(w.statement("Deny", resources, strNode("*", pos), condition), true)
}

// vpcs writes the SourceVpc and Intrinsic lists of one kind: a SourceVpc entry is a VPC
// (vpc-) or a VPC endpoint (vpce-) by its prefix.
func (w *policyWriter) vpcs(rp *node, kind, operator string, resources *node, what string) {
	pos := w.pos
	var vpc, vpce []*node
	for _, item := range w.list(rp, "SourceVpc"+kind, what) {
		switch s := textOrEmpty(item); {
		case strings.HasPrefix(s, "vpce-"):
			vpce = append(vpce, item)
		case strings.HasPrefix(s, "vpc-"):
			vpc = append(vpc, item)
		}
	}
	vpc = append(vpc, w.list(rp, "IntrinsicVpc"+kind, what)...)
	vpce = append(vpce, w.list(rp, "IntrinsicVpce"+kind, what)...)
	if len(vpc) == 0 && len(vpce) == 0 {
		return
	}
	cond := mapOf(pos)
	if len(vpc) > 0 {
		cond.Pairs = append(cond.Pairs, pair{Key: "aws:SourceVpc", KeyPos: pos, Val: &node{Kind: doctree.Seq, Pos: pos, Items: vpc}})
	}
	if len(vpce) > 0 {
		cond.Pairs = append(cond.Pairs, pair{Key: "aws:SourceVpce", KeyPos: pos, Val: &node{Kind: doctree.Seq, Pos: pos, Items: vpce}})
	}
	condition := mapOf(pos, pair{Key: operator, KeyPos: pos, Val: cond})
	w.append(w.statement("Allow", resources, strNode("*", pos), nil), true)
	w.append(w.statement("Deny", resources, strNode("*", pos), condition), true)
}
