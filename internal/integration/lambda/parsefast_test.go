package lambda

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

// Outputs the parsers are compared on: every output of TestParse, TestRESTResponsesMatchAWS,
// TestResponseHeaderRemapping, TestHTTPAPIResponses and the benchmark, and shapes around them.
var outputSeeds = []string{
	`{"statusCode": 200}`, `{"statusCode": 200, "headers": {"test-header": "value", "header-bool": true}}`,
	`{"statusCode": 200, "headers": null}`, `{"statusCode": 200, "wrongValue": "value"}`, ``,
	`{"statusCode": 200, "body": "dGVzdC1kYXRh", "isBase64Encoded": true}`, `{"statusCode": 200, "body": "dGVzdC1kYXRh"}`,
	`{"statusCode": 200, "multiValueHeaders": {"test-multi": ["value1", "value2"]}}`,
	`{"statusCode": 200, "multiValueHeaders": {"test-multi": ["value-multi"]}, "headers": {"test-multi": "value-solo"}}`,
	`{"statusCode": 200, "multiValueHeaders": {"tesT-Multi": ["value-multi"]}, "headers": {"test-multi": "value-solo"}}`,
	`{"statusCode": 200, "multiValueHeaders": {"test-multi-invalid": "value1"}}`, `{"statusCode": "test"}`,
	`{"statusCode": "201"}`, `"justAString"`, `{"headers": {"test-header": "value"}}`, `{}`,
	`{"statusCode": 200, "headers": {"content-type": "application/json"}, "body": "plain words"}`,
	`{"statusCode": 204.0}`, `{"statusCode": " 301 "}`, `{"statusCode": true}`, `{"statusCode": 100}`, `{"statusCode": 600}`,
	`{"statusCode": null, "body": 42}`, `{"body": {"a": 1}}`, `{"body": false}`, `{"headers": {"a": 1.5, "b": null, "c": "x"}}`,
	`{"headers": {"a": ["x"]}}`, `{"headers": "x"}`, `{"multiValueHeaders": {"a": ["x", null, 2]}, "headers": {"A": "x", "b": "y"}}`,
	`{"isBase64Encoded": "True"}`, `{"isBase64Encoded": 1}`, `{"cookies": ["a=1"]}`, `{"base64Encoded": true, "isBase64Encoded": false}`,
	`[]`, `null`, `{"statusCode": 200} trailing`, `{"statusCode": 200, "extra": 1}`, `{"body": "x"}`, `"Hello from Lambda!"`,
	`{ "message": "Hello from Lambda!" }`, `42`, `{"body": "x", "headers": {"a": "b"}}`,
	`{"statusCode": 201, "body": "x", "cookies": ["a=1", "b=2"], "headers": {"a": "b"}, "multiValueHeaders": {"m": ["1"]}}`,
	`{"statusCode": 200, "cookies": "a=1"}`, `not json`, `{"message":"hi"}`,
	`{"statusCode": 201, "headers": {"content-type": "text/plain"}, "body": "ok", "cookies": ["a=1; Path=/", "b=2"]}`,
	`{"statusCode": 202, "body": "ok", "multiValueHeaders": {"X-A": ["1", "2"]}, "unknown": true}`,
	`{"statusCode": 200, "body": "abc", "headers": {"content-length": "99", "Date": "yesterday", "Server": "fn", "Transfer-Encoding": "chunked", "x-amzn-RequestId": "fn-id", "Content-Type": "text/plain", "WWW-Authenticate": "Basic"}}`,
	`{"statusCode": 200, "headers": {"Content-Type": "image/png"}, "isBase64Encoded": true, "body": "iVBORw=="}`,
	`{"statusCode":"x"}`, `{"errorMessage":"boom","errorType":"Error"}`, benchRESTOutput, benchV2Output,
	// Shapes around the common one.
	` {"statusCode":200,"headers":{},"multiValueHeaders":{},"cookies":[],"body":""} `, "\u00a0{\"statusCode\":200}\u00a0",
	`{"statusCode":200,"body":"caf\u00e9 \ud83d\ude00 \ud800 \udc00x \/ \"q\" \\ \b\f\n\r\t","headers":{"k\u0041":"v\u2028"}}`,
	"{\"statusCode\":200,\"body\":\"\xff\xfe raw \xe2\x82 é \xed\xa0\x80\"}", "{\"statusCode\":200,\"body\":\"\x01\"}",
	`{"statusCode":200,"body":"\'"}`, `{"statusCode":200,"body":"\u12"}`, `{"statusCode":200,"status\u0043ode":201}`,
	`{"statusCode":200,"statusCode":201}`, `{"statusCode":0200}`, `{"statusCode":2e2}`, `{"statusCode":-200}`, `{"statusCode":"0201"}`,
	`{"statusCode":200,"headers":{"a":"1","a":"2"}}`, `{"statusCode":200,"multiValueHeaders":{"a":null,"b":[],"c":[null]}}`,
	`{"statusCode":200,"cookies":[null,"a",1,true]}`, `{"statusCode":200,"cookies":[{}]}`, `{"statusCode":200,"cookies":{"a":[1,{"b":null}]}}`,
	`{"statusCode":200,"x":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`,
	`{"statusCode":200,"headers":{"a":-0.5e+10,"b":true,"c":false}}`, `{"statusCode":200,"headers":{"a":1.}}`, `{"statusCode":200,`,
	`{"statusCode":200,"isBase64Encoded":"true","base64Encoded":null}`, `{"statusCode":200,"base64Encoded":"False","isBase64Encoded":true}`,
	`{"statusCode":200,"isBase64Encoded":tru}`, `{"statusCode":599,"body":null}`, `{"statusCode":200}{}`, `{"statusCode":200,}`,
	`{"statusCode":200,"headers":{"a":"b"}`, `{"statusCode":200,"multiValueHeaders":{"a":["b"]}`, `{"statusCode":200,"cookies":["a"}`,
	`{"statusCode":200,"x":{"a":[1}}`, `{"statusCode":200,"x":[1,]}`, `{"statusCode":200,"x":{"a":1,}}`, `{"statusCode":200,"headers":{"a":"b",}}`,
}

// checkOutput holds parseFast to parseGeneral: whatever the fast path accepts, the general one
// accepts with the same response.
func checkOutput(t *testing.T, f format, out []byte) {
	t.Helper()
	p := &Proxy{format: f}
	want, wantErr := p.parseGeneral(out)
	got, ok := p.parseFast(out)
	if ok && wantErr != nil {
		t.Fatalf("format %d %q: fast path answered %+v, general path %v", f, out, got, wantErr)
	}
	if ok && !reflect.DeepEqual(got, want) {
		t.Fatalf("format %d %q:\nfast    %#v\ngeneral %#v", f, out, got, want)
	}
	r, err := p.parse(out)
	if (err == nil) != (wantErr == nil) || err != nil && !errors.Is(err, errMalformed) || !reflect.DeepEqual(r, want) {
		t.Fatalf("format %d %q: parse %+v %v, general %+v %v", f, out, r, err, want, wantErr)
	}
}

func TestParseFastMatchesGeneral(t *testing.T) {
	for _, out := range outputSeeds {
		for _, f := range []format{formatREST, formatHTTPv1, formatHTTPv2} {
			checkOutput(t, f, []byte(out))
		}
	}
}

// The fast path must take the outputs functions usually return, or it saves nothing.
func TestParseFastTakesCommonShapes(t *testing.T) {
	cases := []struct {
		f   format
		out string
	}{
		{formatREST, benchRESTOutput}, {formatHTTPv1, benchRESTOutput}, {formatHTTPv2, benchV2Output},
		{formatREST, `{"statusCode": 200, "headers": {"test-header": "value", "header-bool": true}}`},
		{formatREST, `{"statusCode":"201","body":"caf\u00e9 \ud83d\ude00","isBase64Encoded":false,"multiValueHeaders":null}`},
		{formatREST, `{}`}, {formatHTTPv2, `{"message":"hi","n":[1,{"a":null}]}`},
		{formatHTTPv2, `{"statusCode":200,"cookies":"a=1","unknown":{"x":[true,false,null,-1.5e3]}}`},
		{formatHTTPv1, `{"statusCode":200,"cookies":["a"],"base64Encoded":true,"isBase64Encoded":"True"}`},
		{formatREST, "{\"statusCode\":200,\"body\":\"\xff raw\"}"},
	}
	for _, tc := range cases {
		if _, ok := (&Proxy{format: tc.f}).parseFast([]byte(tc.out)); !ok {
			t.Errorf("format %d: the fast path refused %s", tc.f, tc.out)
		}
		checkOutput(t, tc.f, []byte(tc.out))
	}
}

// TestParseGenerated compares the parsers on generated outputs; FuzzParse explores further.
func TestParseGenerated(t *testing.T) {
	n := 5000
	if testing.Short() {
		n = 500
	}
	fast := 0
	for i := range n {
		rng := rand.New(rand.NewPCG(uint64(i), 0x51ed270b27a3c8f1))
		data := make([]byte, 100+rng.IntN(400))
		for j := range data {
			data[j] = byte(rng.Uint32())
		}
		g := &gen{data: data}
		f, out := format(g.n(3)), g.output()
		checkOutput(t, f, out)
		if _, ok := (&Proxy{format: f}).parseFast(out); ok {
			fast++
		}
	}
	// The generator mostly writes valid outputs: most must have been compared, not deferred.
	t.Logf("the fast path took %d of %d generated outputs", fast, n)
	if fast < n/4 {
		t.Errorf("the fast path took %d of %d generated outputs", fast, n)
	}
}

func FuzzParse(f *testing.F) {
	for i, out := range outputSeeds {
		f.Add(uint8(i%3), []byte(out))
	}
	f.Fuzz(func(t *testing.T, fm uint8, out []byte) {
		checkOutput(t, format(fm%3), out)
	})
}

// output is a function's output: mostly the proxy response shape with values of the right
// kinds and now and then of wrong ones, members repeated or unknown, odd whitespace, and
// rarely not an object or not JSON at all.
func (g *gen) output() []byte {
	var b bytes.Buffer
	ws := func() { b.WriteString(g.pick("", "", "", " ", "\n\t", "\r\n  ")) }
	ws()
	if g.n(16) == 0 {
		b.WriteString(g.pick(`"str"`, `42`, `[]`, `null`, ``, `tru`, `{"a"`, g.jsonString()))
		return b.Bytes()
	}
	// Two outputs in three are well formed, so that most reach the comparison.
	g.clean = g.n(3) > 0
	keys := []string{"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded", "cookies",
		"statusCode", "headers", "body", "base64Encoded", "unknown", `status\u0043ode`, ""}
	if g.clean {
		keys = []string{"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded", "cookies"}
		rand.New(rand.NewPCG(uint64(g.n(1<<16)), 0)).Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	}
	b.WriteByte('{')
	for i := range g.n(len(keys)) {
		if i > 0 {
			b.WriteByte(',')
		}
		ws()
		key := keys[i]
		if !g.clean {
			key = g.pick(keys...)
		}
		fmt.Fprintf(&b, `"%s"`, key)
		ws()
		b.WriteByte(':')
		ws()
		switch key {
		case "statusCode":
			if g.clean {
				b.WriteString(g.pick("200", "201", `"201"`, "599", "302", `"0404"`))
				break
			}
			b.WriteString(g.pick("200", "201", `"201"`, `" 301 "`, "204.0", "2e2", "-1", "100", "600", "599", "null", "true", `"x"`, "99999999999", `"0404"`))
		case "headers":
			g.jsonObject(&b, func() { g.scalar(&b, 12) })
		case "multiValueHeaders":
			g.jsonObject(&b, func() {
				if g.n(8) == 0 {
					g.scalar(&b, 12)
					return
				}
				g.jsonList(&b)
			})
		case "body":
			g.scalar(&b, 6)
		case "isBase64Encoded", "base64Encoded":
			if g.clean {
				b.WriteString(g.pick("true", "false", `"True"`, `"false"`, "null"))
				break
			}
			b.WriteString(g.pick("true", "false", `"True"`, `"false"`, "null", "1", `"yes"`))
		case "cookies":
			if g.n(4) == 0 {
				g.scalar(&b, 12)
			} else {
				g.jsonList(&b)
			}
		default:
			g.anyJSON(&b, 0)
		}
		ws()
	}
	b.WriteByte('}')
	ws()
	if !g.clean && g.n(8) == 0 {
		b.WriteString(g.pick("x", "}", ",", "\u00a0", "{}"))
	}
	out := b.Bytes()
	if !g.clean && g.n(8) == 0 && len(out) > 0 {
		out = out[:g.n(len(out))] // truncated
	}
	return out
}

var jsonStringPieces = []string{"a", "value", "é", "😀", `\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`, `\u00e9`, `\u2028`,
	`\ud83d\ude00`, `\uD83D\uDE00`, `\ud800`, `\udc00`, `\ud800\u0041`, `\u0000`, "\xff", "\xe2\x82", "\xed\xa0\x80",
	"<&>", "a=1; Path=/", "\x7f", "\x01", `\'`, `\x`, `\u12`}

// jsonString is a JSON string literal of escapes, raw text and, now and then, what JSON
// forbids or what encoding/json replaces.
func (g *gen) jsonString() string {
	var b bytes.Buffer
	b.WriteByte('"')
	choices := jsonStringPieces
	if g.clean {
		choices = choices[:len(choices)-4] // the invalid ones are last
	}
	for range g.n(6) {
		b.WriteString(g.pick(choices...))
	}
	if g.clean || g.n(40) > 0 {
		b.WriteByte('"')
	}
	return b.String()
}

// scalar writes a value of a string field: mostly scalars, with 1 in wrongEvery a list or an
// object.
func (g *gen) scalar(b *bytes.Buffer, wrongEvery int) {
	switch g.n(wrongEvery) {
	case 0:
		if g.clean {
			b.WriteString(g.pick("null", "7"))
			return
		}
		b.WriteString(g.pick("[]", `{"a":1}`, `["x"]`))
	case 1:
		if g.clean {
			b.WriteString(g.pick("0", "1.5", "-2e-3", "true", "false", "null"))
			return
		}
		b.WriteString(g.pick("0", "1.5", "-2e-3", "true", "false", "null", "01", "1.", "-"))
	default:
		b.WriteString(g.jsonString())
	}
}

func (g *gen) jsonObject(b *bytes.Buffer, value func()) {
	if g.n(6) == 0 && !g.clean {
		b.WriteString(g.pick("null", `"x"`, "[]", "1"))
		return
	}
	b.WriteByte('{')
	for i := range g.n(5) {
		if i > 0 {
			b.WriteString(g.pick(",", ", ", ",\n"))
		}
		b.WriteString(g.jsonString())
		b.WriteString(g.pick(":", " : "))
		value()
	}
	b.WriteByte('}')
}

func (g *gen) jsonList(b *bytes.Buffer) {
	if g.n(8) == 0 {
		b.WriteString("null")
		return
	}
	b.WriteByte('[')
	for i := range g.n(4) {
		if i > 0 {
			b.WriteString(g.pick(",", " , "))
		}
		g.scalar(b, 16)
	}
	b.WriteByte(']')
}

func (g *gen) anyJSON(b *bytes.Buffer, depth int) {
	switch k := g.n(6); {
	case k == 0 && depth < 4:
		b.WriteByte('[')
		for i := range g.n(3) {
			if i > 0 {
				b.WriteByte(',')
			}
			g.anyJSON(b, depth+1)
		}
		b.WriteByte(']')
	case k == 1 && depth < 4:
		g.jsonObject(b, func() { g.anyJSON(b, depth+1) })
	default:
		g.scalar(b, 1<<30)
	}
}
