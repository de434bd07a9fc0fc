'use strict';
// The Node function of bench/functions.sh, served both by genkan and by serverless-offline:
// every request gets the same 100-byte JSON body (newline included), as bench/backend's.
const body = '{"message":"hello from the genkan bench function, a fixed body of one hundred bytes.............."}\n';
if (body.length !== 100) throw new Error(`body is ${body.length} bytes, want 100`);
const headers = { 'Content-Type': 'application/json' };

exports.hello = async () => ({ statusCode: 200, headers, body });
