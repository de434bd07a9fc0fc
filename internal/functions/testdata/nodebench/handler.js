'use strict';
// The handler of the Node benchmarks (bench_node_test.go): bench/functions/hello-node's, a
// fixed 100-byte body in an API Gateway proxy response.
const body = '{"message":"hello from the genkan bench function, a fixed body of one hundred bytes.............."}\n';
const headers = { 'Content-Type': 'application/json' };

exports.hello = async () => ({ statusCode: 200, headers, body });
