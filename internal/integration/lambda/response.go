package lambda

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/mapping/params"
)

// Parsing a function's output.
//
// REST (localstack test_aws_proxy_response_payload_format_validation and
// test_lambda_aws_proxy_response_format, both recorded on AWS): every field is optional — {}
// and {"headers": {…}} answer 200 with an empty body — but any other key is malformed
// ({"statusCode": 200, "wrongValue": …} → 502); statusCode may be a number or a numeric string
// ("201" → 201, "test" → 502); header values may be booleans ("header-bool": true is sent as
// "true"); multiValueHeaders must hold lists ("value1" → 502); a bare string is malformed.
// These fit one model, the coercions of AWS's Java decoder, which genkan applies throughout:
// a string field takes strings, numbers and booleans (as their JSON text) and null, never an
// object or array; a number field takes numbers (truncated) and numeric strings.
//
// What the recordings do not pin down follows aws-sam-cli's emulator (local_apigw_service.py,
// written from trials against AWS): REST also accepts "base64Encoded" (preferred over
// isBase64Encoded) and "cookies" (ignored); isBase64Encoded may be "true"/"True"/"false"/
// "False"; HTTP APIs ignore unknown keys and, in payload 1.0, require statusCode; payload 2.0
// infers the response when the output is valid JSON without a statusCode (developer guide:
// status 200, content-type application/json, body the output — a JSON string's value, any other
// JSON as it was sent), takes cookies as Set-Cookie headers and ignores multiValueHeaders.
// Statuses outside 200-599 are malformed: a final 1xx cannot be sent.

type response struct {
	status  int
	headers []header
	cookies []string
	body    string
	base64  bool
}

type header struct {
	name   string // as the function spelled it; names match case-insensitively
	values []string
}

var errMalformed = errors.New("malformed Lambda proxy response")

func malformedf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errMalformed, fmt.Sprintf(format, args...))
}

var restKeys = map[string]bool{"statusCode": true, "headers": true, "multiValueHeaders": true,
	"body": true, "isBase64Encoded": true, "base64Encoded": true, "cookies": true}

// parse parses a function's output into the response API Gateway sends.
func (p *Proxy) parse(out []byte) (*response, error) {
	if r, ok := p.parseFast(out); ok {
		return r, nil
	}
	return p.parseGeneral(out)
}

// parseGeneral is parse for every output, through encoding/json: the one place that decides
// what is malformed.
func (p *Proxy) parseGeneral(out []byte) (*response, error) {
	out = bytes.TrimSpace(out)
	if !json.Valid(out) {
		return nil, malformedf("output is not JSON: %.256q", out)
	}
	var fields map[string]json.RawMessage
	if out[0] == '{' {
		if err := json.Unmarshal(out, &fields); err != nil {
			return nil, malformedf("%v", err)
		}
	}
	if p.format == formatHTTPv2 {
		if _, ok := fields["statusCode"]; !ok {
			return inferred(out), nil
		}
	}
	if fields == nil {
		return nil, malformedf("output is not a JSON object: %.256s", out)
	}
	if p.format == formatREST {
		for k := range fields {
			if !restKeys[k] {
				return nil, malformedf("unexpected key %q", k)
			}
		}
	}
	r := &response{status: http.StatusOK}
	if raw := fields["statusCode"]; !isNull(raw) {
		n, err := parseStatus(raw)
		if err != nil {
			return nil, err
		}
		r.status = n
	} else if p.format == formatHTTPv1 {
		return nil, malformedf("statusCode is missing")
	}
	var err error
	if r.body, _, err = scalar(fields["body"]); err != nil {
		return nil, malformedf("body: %v", err)
	}
	b64 := fields["isBase64Encoded"]
	if p.format == formatREST && !isNull(fields["base64Encoded"]) {
		b64 = fields["base64Encoded"]
	}
	if r.base64, err = parseBool(b64); err != nil {
		return nil, err
	}
	single, err := headerValues(fields["headers"])
	if err != nil {
		return nil, err
	}
	var multi []header
	if p.format != formatHTTPv2 {
		if multi, err = multiHeaderValues(fields["multiValueHeaders"]); err != nil {
			return nil, err
		}
	} else if r.cookies, err = cookieValues(fields["cookies"]); err != nil {
		return nil, err
	}
	r.headers = mergeHeaders(nil, multi, single)
	return r, nil
}

// inferred is payload 2.0's response for an output without statusCode.
func inferred(out []byte) *response {
	r := &response{status: http.StatusOK, body: string(out)}
	if out[0] == '"' {
		_ = json.Unmarshal(out, &r.body) // valid JSON, checked by the caller
	}
	return r
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

var errNotScalar = errors.New("an object or array where a string is expected")

// scalar decodes a value of a string field; null (or absence) is reported by null.
func scalar(raw json.RawMessage) (s string, null bool, err error) {
	if isNull(raw) {
		return "", true, nil
	}
	switch raw[0] {
	case '"':
		err = json.Unmarshal(raw, &s)
		return s, false, err
	case '{', '[':
		return "", false, errNotScalar
	}
	return string(raw), false, nil // a number, true or false, as written
}

func parseStatus(raw json.RawMessage) (int, error) {
	var s string
	switch c := raw[0]; {
	case c == '"':
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, malformedf("statusCode: %v", err)
		}
		s = strings.TrimSpace(s)
	case c == '-' || c >= '0' && c <= '9':
		s = string(raw)
	default:
		return 0, malformedf("statusCode %s is not a number", raw)
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return 0, malformedf("statusCode %s is not a number", raw)
		}
		n = int(math.Max(math.Min(math.Trunc(f), 1e6), -1e6))
	}
	if n < 200 || n > 599 {
		return 0, malformedf("statusCode %d is not a final HTTP status", n)
	}
	return n, nil
}

func parseBool(raw json.RawMessage) (bool, error) {
	if isNull(raw) {
		return false, nil
	}
	switch string(raw) {
	case "true", `"true"`, `"True"`:
		return true, nil
	case "false", `"false"`, `"False"`:
		return false, nil
	}
	return false, malformedf("isBase64Encoded %s is not a boolean", raw)
}

// object decodes a JSON object keeping its keys in order.
func object(raw json.RawMessage) ([]string, []json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, nil, errors.New("not an object")
	}
	var keys []string
	var vals []json.RawMessage
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, err
		}
		keys, vals = append(keys, t.(string)), append(vals, v)
	}
	return keys, vals, nil
}

func headerValues(raw json.RawMessage) ([]header, error) {
	if isNull(raw) {
		return nil, nil
	}
	keys, vals, err := object(raw)
	if err != nil {
		return nil, malformedf("headers: %v", err)
	}
	hs := make([]header, 0, len(keys))
	for i, k := range keys {
		v, null, err := scalar(vals[i])
		if err != nil {
			return nil, malformedf("headers.%s: %v", k, err)
		}
		if !null {
			hs = append(hs, header{k, []string{v}})
		}
	}
	return hs, nil
}

func multiHeaderValues(raw json.RawMessage) ([]header, error) {
	if isNull(raw) {
		return nil, nil
	}
	keys, vals, err := object(raw)
	if err != nil {
		return nil, malformedf("multiValueHeaders: %v", err)
	}
	hs := make([]header, 0, len(keys))
	for i, k := range keys {
		vs, err := stringList(vals[i])
		if err != nil {
			return nil, malformedf("multiValueHeaders.%s: %v", k, err)
		}
		if len(vs) > 0 {
			hs = append(hs, header{k, vs})
		}
	}
	return hs, nil
}

// stringList decodes a list of scalars; null is an empty list, anything but a list an error.
func stringList(raw json.RawMessage) ([]string, error) {
	if isNull(raw) {
		return nil, nil
	}
	var items []json.RawMessage
	if raw[0] != '[' || json.Unmarshal(raw, &items) != nil {
		return nil, errors.New("not a list")
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		v, null, err := scalar(it)
		if err != nil {
			return nil, err
		}
		if !null {
			out = append(out, v)
		}
	}
	return out, nil
}

// cookieValues reads payload 2.0's cookies; like aws-sam-cli, a value that is not a list is
// ignored rather than failing the response.
func cookieValues(raw json.RawMessage) ([]string, error) {
	if isNull(raw) || raw[0] != '[' {
		return nil, nil
	}
	vs, err := stringList(raw)
	if err != nil {
		return nil, malformedf("cookies: %v", err)
	}
	return vs, nil
}

// mergeHeaders merges multiValueHeaders and headers as the developer guide describes ("API
// Gateway merges them into a single list. If the same key-value pair is specified in both, only
// the values from multiValueHeaders will appear"), names matching case-insensitively and the
// first spelling kept: the recording shows {"tesT-Multi": ["value-multi"]} with {"test-multi":
// "value-solo"} sent as tesT-Multi: value-multi, value-solo.
// The result is appended to dst[:0], which must not share storage with multi or single.
func mergeHeaders(dst, multi, single []header) []header {
	if len(multi) == 0 {
		return single
	}
	out := append(dst[:0], multi...)
	for _, h := range single {
		i := indexFold(out, h.name)
		switch {
		case i < 0:
			out = append(out, h)
		case !contains(out[i].values, h.values[0]):
			out[i].values = append(out[i].values[:len(out[i].values):len(out[i].values)], h.values[0])
		}
	}
	return out
}

func indexFold(hs []header, name string) int {
	for i := range hs {
		if strings.EqualFold(hs[i].name, name) {
			return i
		}
	}
	return -1
}

func contains(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

// responseBody decodes a base64 body when API Gateway would. REST APIs decode only when the
// request's first Accept type is a binaryMediaType, and otherwise send the base64 text as it is
// (the AWS recording of invoke-api-b64-encoded-true, an API without binaryMediaTypes, answered
// "dGVzdC1kYXRh"; ministackorg/ministack#767 measured the Accept rule). HTTP APIs have no
// binaryMediaTypes and always decode.
func (p *Proxy) responseBody(r *http.Request, resp *response) ([]byte, error) {
	if !resp.base64 || p.format == formatREST && !matchMediaType(p.binary, firstAccept(r)) {
		return []byte(resp.body), nil
	}
	b, err := base64.StdEncoding.DecodeString(resp.body)
	if err != nil {
		if b, err = base64.RawStdEncoding.DecodeString(resp.body); err != nil {
			return nil, malformedf("body is not base64: %v", err)
		}
	}
	return b, nil
}

// Headers API Gateway writes itself; a function's value arrives under RemappedPrefix, as AWS
// does with a backend's x-amzn-RequestId on HTTP_PROXY (localstack header-remapping recording).
func gatewayOwned(canonical string) bool {
	switch canonical {
	case "X-Amzn-Requestid", "Apigw-Requestid", "X-Amz-Apigw-Id":
		return true
	}
	return false
}

// responseName is the name a function's header is sent under, "" when it is not sent: the rule
// params.SetResponseHeader applies to every integration but HTTP and AWS (Connection,
// Content-Length, Date and Server remapped, Transfer-Encoding dropped), in the function's own
// spelling otherwise (the recording shows "test-header" and "tesT-Multi" sent as written).
func responseName(name string, scratch http.Header) string {
	canonical := http.CanonicalHeaderKey(name)
	if gatewayOwned(canonical) {
		return params.RemappedPrefix + canonical
	}
	if canonical == "Content-Type" {
		// net/http looks for the canonical key only: under "content-type" it would sniff the
		// body and send a second, different Content-Type.
		return canonical
	}
	clear(scratch)
	params.SetResponseHeader(scratch, canonical, "", params.RemapCommon)
	for k := range scratch {
		if k == canonical {
			return name
		}
		return k
	}
	return ""
}

// sentName is how write sends a function's header: under name, or not at all when name is
// "", and whether the header is the response's Content-Type or trace id.
type sentName struct {
	name            string
	isType, isTrace bool
}

// nameCache remembers sentName per header name a function answers with. Functions repeat the
// same few names, and the rule costs a canonicalisation and a trial of SetResponseHeader, with
// their allocations, where a lookup costs none. It stops growing at maxCachedNames, for
// functions that make names up.
type nameCache struct {
	m sync.Map // name → sentName
	n atomic.Int32
}

const maxCachedNames = 256

func (nc *nameCache) lookup(name string, scratch http.Header) sentName {
	if v, ok := nc.m.Load(name); ok {
		return v.(sentName)
	}
	s := sentName{name: responseName(name, scratch)}
	switch http.CanonicalHeaderKey(s.name) {
	case "Content-Type":
		s.isType = true
	case "X-Amzn-Trace-Id":
		s.isTrace = true
	}
	if nc.n.Load() < maxCachedNames {
		nc.n.Add(1)
		nc.m.Store(name, s)
	}
	return s
}

// write sends the response. Nothing has been written when it is called, so every check that
// can fail comes first.
func (p *Proxy) write(w http.ResponseWriter, call *gateway.Call, resp *response, body []byte) error {
	dst := w.Header()
	scratch := make(http.Header, 1)
	hasType, hasTrace := false, false
	for _, h := range resp.headers {
		sent := p.names.lookup(h.name, scratch)
		name := sent.name
		if name == "" {
			continue
		}
		for k := range dst {
			if k != name && strings.EqualFold(k, name) {
				delete(dst, k)
			}
		}
		dst[name] = appendValues(dst[name], h.values)
		hasType = hasType || sent.isType
		hasTrace = hasTrace || sent.isTrace
	}
	if len(resp.cookies) > 0 {
		dst["Set-Cookie"] = appendValues(dst["Set-Cookie"], resp.cookies)
	}
	if !hasType {
		// AWS's default for a proxy response without Content-Type (recorded: invoke-api-no-body
		// answered Content-Type: application/json).
		dst["Content-Type"] = []string{"application/json"}
	}
	if p.format == formatREST && !hasTrace {
		// REST responses from a Lambda proxy carry the request's trace header (both recordings).
		dst["X-Amzn-Trace-Id"] = []string{call.Ctx.TraceID}
	}
	allowed := resp.status != http.StatusNoContent && resp.status != http.StatusNotModified
	if allowed {
		dst["Content-Length"] = []string{strconv.Itoa(len(body))}
	} else {
		delete(dst, "Content-Length")
	}
	w.WriteHeader(resp.status)
	if !allowed || len(body) == 0 || call.Req.Method == http.MethodHead {
		return nil
	}
	_, err := w.Write(body)
	return err
}

// appendValues is append(dst, vs...) that, when dst is empty, takes vs itself, capped so that
// a later append copies rather than writes into storage the response shares.
func appendValues(dst, vs []string) []string {
	if len(dst) == 0 {
		return vs[:len(vs):len(vs)]
	}
	return append(dst, vs...)
}
