'use strict';
// A prototype of proposal 1 in bench/README.md, not used by functions.sh: the Runtime API loop of
// genkan's Node bootstrap with a minimal keep-alive HTTP/1.1 client over one net.Socket instead
// of the http module. It serves ../hello-node/handler.js only (no context object, error
// handling or logging). Served as runtime provided.al2023 with this directory as code:
//   proto: { runtime: provided.al2023, code: bench/functions/proto-node-socket, concurrency: 2 }
const net = require('net');
const api = process.env.AWS_LAMBDA_RUNTIME_API;
const sep = api.lastIndexOf(':');
const host = api.slice(0, sep), port = Number(api.slice(sep + 1));
const base = '/2018-06-01/runtime';
const handler = require(require('path').join(__dirname, '..', 'hello-node', 'handler.js')).hello;

const sock = net.connect({ host, port });
sock.setNoDelay(true);
let buf = Buffer.alloc(0);
let waiter = null;
sock.on('data', (d) => {
  buf = buf.length ? Buffer.concat([buf, d]) : d;
  pump();
});
function pump() {
  if (!waiter) return;
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return;
  const head = buf.toString('latin1', 0, end);
  const lines = head.split('\r\n');
  const status = Number(lines[0].slice(9, 12));
  const headers = {};
  for (let i = 1; i < lines.length; i++) {
    const c = lines[i].indexOf(':');
    headers[lines[i].slice(0, c).toLowerCase()] = lines[i].slice(c + 1).trim();
  }
  const len = Number(headers['content-length'] || 0);
  if (buf.length < end + 4 + len) return;
  const body = buf.subarray(end + 4, end + 4 + len);
  buf = buf.subarray(end + 4 + len);
  const w = waiter;
  waiter = null;
  w({ status, headers, body });
}
function request(method, path, body) {
  return new Promise((resolve) => {
    waiter = resolve;
    let req = `${method} ${path} HTTP/1.1\r\nHost: ${api}\r\n`;
    if (body !== undefined) req += `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    else req += '\r\n';
    sock.write(req);
    pump();
  });
}
async function main() {
  for (;;) {
    const next = await request('GET', `${base}/invocation/next`);
    if (next.status !== 200) process.exit(1);
    const id = next.headers['lambda-runtime-aws-request-id'];
    const event = JSON.parse(next.body.toString('utf8'));
    const result = await handler(event, { awsRequestId: id });
    await request('POST', `${base}/invocation/${id}/response`, JSON.stringify(result));
  }
}
main();
