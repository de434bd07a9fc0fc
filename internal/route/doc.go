// Package route reproduces Amazon API Gateway's request routing: the REST API
// (v1) resource tree and HTTP API (v2) route keys. It is pure: no net/http, no
// I/O, stdlib only. A Builder collects routes; Build freezes them into an
// immutable Table that is safe for concurrent use, and Table.Match is the hot
// path (no allocations beyond growing the caller's Params, plus one string for
// an HTTP API path that contains a percent-escape).
//
// The rules below were checked against recorded AWS behaviour, not guessed.
// Where the evidence is a measurement someone published, the source is named so
// the rule can be re-checked when it is challenged.
//
// # Path normalisation (both kinds)
//
// Leading slashes collapse and trailing slashes are ignored before matching;
// inner empty segments are kept. LocalStack's snapshot test
// test_lambda_aws_proxy_integration (recorded against AWS 2024-08-02, in
// shared/fixtures/localstack/snapshots/test_apigateway_lambda.snapshot.json)
// shows "/stage//proxy-value" routed with path "/proxy-value",
// "/stage//hardcoded" routed to the literal resource "/hardcoded",
// "/stage/proxy-value/" giving proxy "proxy-value", and
// "/stage/proxy-value//double-slash" giving proxy "proxy-value//double-slash".
// A trailing slash on a literal resource is ignored too: aws/chalice#65 (REST,
// "/dev/trailing-slash/" served by "/trailing-slash"),
// aws-powertools/powertools-lambda-python#1552 (REST and HTTP both route
// "/hello/" to "/hello"), LocalStack's resource_router.py ("trailing slashes
// are ignored in APIGW", rstrip of every trailing slash). An empty inner
// segment ("/a//b") never matches a literal or a {param}, only a greedy
// variable, which keeps it verbatim.
//
// # REST APIs: matching on the raw path
//
// REST APIs do not percent-decode the path: $context.path, the proxy event's
// "path" and pathParameters carry the escapes the client sent. Sources:
// dherault/serverless-offline#265 and #271 ("AWS leaves the path exactly as it
// is given", pathParameters.id "test%7Cid"), aws/aws-sam-cli#771 and #3524
// (a production event for "/resource/{ID}" requested as "/resource/my-id%2F100"
// carries ID "my-id%2F100": an encoded slash stays inside one {param} segment
// and is not a separator), aws/chalice#688, localstack/localstack#7728, and the
// snapshot above ("test%2Balias@gmail.com" kept in {proxy+}). Reports of
// decoded values (":" and "@") in those threads are characters clients send
// unescaped. So literal segments are compared byte for byte with the raw
// segment, and parameter values are raw substrings of the request path:
// "/%61dmin" is not "/admin", "/admin;x" is the literal "admin;x", and
// "/public/..%2fadmin" is the two segments "public" and "..%2fadmin". Nothing
// resolves "." or "..": clients remove dot segments before sending, and an
// escaped one is an ordinary segment to API Gateway.
//
// Resolution is on the resource+method pair, depth first: at each level a
// literal child is tried before the {param} child, which is tried before the
// greedy child, and a resource is accepted only if it declares the request
// method or ANY (an explicit method beats ANY on the same resource). If it
// does not, matching backtracks to the next candidate. Measured on real API
// Gateway in floci-io/floci#3399 (us-west-2): with "/users/{userId}" GET and
// "/users/me" PATCH, GET /users/me is served by "/users/{userId}" and POST
// /users/me is 403; with "/things/real" GET and "/things/{proxy+}", POST
// /things/real is served by the greedy resource. And in
// ministackorg/ministack#1423 (eu-central-1): with "/{proxy+}" ANY and
// "/jobs/{operation_type}" GET, POST /jobs/reboot and GET /jobs (a resource
// with no methods) are served by "/{proxy+}". A request that reaches no
// resource+method pair is a miss (the caller answers 403 Missing
// Authentication Token).
//
// A greedy variable matches one or more segments, never zero: "/{proxy+}" does
// not serve "/" and "/pets/{proxy+}" does not serve "/pets"
// (aws/serverless-java-container#17, answered by AWS: "{proxy+} ... will only
// handle calls to sub-resources"). REST rejects two variable children of one
// resource, including a {param} beside a {proxy+}: "A sibling ({slug}) of this
// resource already has a variable path part -- only one is allowed"
// (serverless-nextjs/serverless-next.js#938, #206).
//
// # HTTP APIs: matching on the decoded path
//
// HTTP APIs percent-decode the path before anything else sees it. The AWS
// developer guide ("Create routes for HTTP APIs") says "API Gateway decodes
// URL-encoded request parameters before passing them to your backend
// integration"; honojs/hono#2156 shows rawPath "/RSC/%40id%2Fassets%2Frsf0.js"
// delivered as "/RSC/@id/assets/rsf0.js", and middleapi/standard-server#93
// cites live captures (hotsock/voker#8): HTTP APIs decode rawPath, REST APIs
// do not. Routing on anything but that one decoded form would let "/%61dmin"
// reach $default while the backend sees "/admin", so the decoded path is what
// is matched: "%2F" becomes a separator, "+" stays "+", and the decoding is
// done once ("%252F" is the literal text "%2F"). A malformed escape ("%zz")
// is a miss. Parameter values are substrings of the decoded path.
//
// Route selection follows the documented priorities: a full match for route
// and method, then a route ending in a greedy variable, then $default
// (docs "Routing API requests", with the example table GET /pets/dog/{id},
// GET /pets/{proxy+}, ANY /{proxy+}, $default). Within each tier the order
// is the REST one: literal before {param} left to right, and explicit method
// before ANY on the same path. A path that matches but whose method does not
// falls through to the greedy tier and then to $default.
//
// # Methods
//
// Methods are case-sensitive: only GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS
// and ANY may be declared (HTTP APIs reject a lower-case method at
// CreateRoute), and ANY stands for exactly those seven (LocalStack's
// ApiGatewayMethodRule). A request method outside them ("get", "ANY",
// "PROPFIND") matches no declared route; on an HTTP API it can still reach
// $default. HEAD does not fall back to GET.
//
// # Templates
//
// REST literals use the characters CreateResource accepts, [A-Za-z0-9._:-]
// (the pathPart pattern ^(\{[\w.:-]+\+?\}|[a-zA-Z0-9.:_-]+)$ quoted in
// aws/aws-lambda-dotnet#1911). HTTP literals may use any unreserved or
// sub-delimiter character, ":" and "@", but never "%", "{" or "}". Variable
// names are [A-Za-z0-9_.:-]+. "." and ".." segments are refused: no client
// can send them unescaped, so such a route could only be reached by tricks.
// Two different variable names at one tree position are refused for both
// kinds, which makes a variable's name a property of the tree node.
package route
