'use strict';
// genkan's Node.js runtime: loads the handler named by _HANDLER from LAMBDA_TASK_ROOT and
// serves invocations through the Lambda Runtime API at AWS_LAMBDA_RUNTIME_API, with Node's
// standard library only. It follows what the AWS runtime (aws-lambda-nodejs-runtime-interface-
// client) does where a function can tell: handler resolution (CommonJS, .mjs/.cjs, "type":
// "module"), async and callback handlers, the context object, error shapes and error types,
// and console lines "<time>\t<requestId>\t<LEVEL>\t<message>".

const net = require('net');
const fs = require('fs');
const path = require('path');
const util = require('util');
const { pathToFileURL } = require('url');

const api = process.env.AWS_LAMBDA_RUNTIME_API || '';
const sep = api.lastIndexOf(':');
const host = api.slice(0, sep);
const port = Number(api.slice(sep + 1));
const base = '/2018-06-01/runtime';

let currentRequestId;

// request is a minimal keep-alive HTTP/1.1 client for the Runtime API over one net.Socket: the
// http module costs about three times as much CPU per invocation. One request is in flight at a
// time (requests queue); it frames response bodies by Content-Length, chunked encoding (with
// trailers) or the end of the connection, reconnects lazily after the server closes the
// connection between requests, and rejects when the connection fails while a request is pending.
// It resolves with { status, headers (lower-case names), body: Buffer, trailers }.
const MAX_HEAD = 4 << 20; // header section (error causes may be sent as headers) or trailers
const MAX_LINE = 64 << 10; // one chunk-size line

let conn = null; // the open connection, if any
let queue = Promise.resolve();

function request(method, p, body, headers) {
  const send = () => {
    let b;
    if (body !== undefined && body !== null) b = Buffer.isBuffer(body) ? body : Buffer.from(String(body), 'utf8');
    let head = `${method} ${p} HTTP/1.1\r\nHost: ${api}\r\n`;
    if (b !== undefined) head += `Content-Type: application/json\r\nContent-Length: ${b.length}\r\n`;
    if (headers) {
      for (const k of Object.keys(headers)) {
        if (headers[k] === undefined) continue;
        head += `${k.replace(/[^!#$%&'*+\-.^_`|~0-9A-Za-z]/g, '')}: ${String(headers[k]).replace(/[\0\r\n]/g, '')}\r\n`;
      }
    }
    const h = Buffer.from(head + '\r\n', 'utf8');
    const msg = b === undefined || b.length === 0 ? h : Buffer.concat([h, b], h.length + b.length);
    return exchange(msg, method).catch((err) => {
      // The server closed a reused connection before answering a single byte (an idle close
      // racing this request): it never saw the request, so send it once on a new connection.
      if (err.retryable) return exchange(msg, method);
      throw err;
    });
  };
  const r = queue.then(send, send);
  queue = r.catch(() => {});
  return r;
}

function exchange(msg, method) {
  return new Promise((resolve, reject) => {
    const c = conn || connect();
    if (c.pending) throw new Error('genkan bootstrap: overlapping Runtime API requests');
    c.pending = { resolve, reject, method, reused: c.used, got: false };
    c.used = true;
    startResponse(c);
    c.sock.write(msg);
  });
}

function connect() {
  const sock = net.connect({ host, port });
  sock.setNoDelay(true);
  const c = { sock, buf: EMPTY, pending: null, used: false, closing: false };
  conn = c;
  sock.on('data', (d) => {
    if (!c.pending) {
      drop(c); // nothing asked for this
      return;
    }
    c.pending.got = true;
    c.buf = c.buf.length ? Buffer.concat([c.buf, d]) : d;
    try {
      parse(c);
    } catch (err) {
      fail(c, err);
    }
  });
  sock.on('error', (err) => {
    const q = c.pending;
    err.retryable = q ? q.reused && !q.got : false;
    fail(c, err);
  });
  sock.on('close', () => {
    const q = c.pending;
    if (q && q.state === EOF) {
      c.pending = null;
      drop(c);
      q.resolve(result(q));
      return;
    }
    const err = new Error('genkan bootstrap: Runtime API connection closed');
    err.retryable = q ? q.reused && !q.got : false;
    fail(c, err);
  });
  return c;
}

const EMPTY = Buffer.alloc(0);
const HEAD = 0, BODY = 1, SIZE = 2, DATA = 3, CRLF = 4, TRAILER = 5, EOF = 6;

function drop(c) {
  if (conn === c) conn = null;
  c.buf = EMPTY;
  c.sock.destroy();
}

function fail(c, err) {
  const q = c.pending;
  c.pending = null;
  drop(c);
  if (q) q.reject(err);
}

function startResponse(c) {
  const q = c.pending;
  q.state = HEAD;
  q.scan = 0;
  q.status = 0;
  q.headers = {};
  q.trailers = {};
  q.chunks = [];
  q.size = 0;
  q.left = 0;
}

function result(q) {
  const body = q.chunks.length === 1 ? q.chunks[0] : Buffer.concat(q.chunks, q.size);
  return { status: q.status, headers: q.headers, body, trailers: q.trailers };
}

function addHeader(into, line) {
  const i = line.indexOf(':');
  if (i <= 0) throw new Error(`genkan bootstrap: malformed Runtime API header line ${JSON.stringify(line.slice(0, 100))}`);
  const k = line.slice(0, i).trim().toLowerCase();
  const v = line.slice(i + 1).trim();
  if (k === 'set-cookie') (into[k] = into[k] || []).push(v);
  else into[k] = k in into ? `${into[k]}, ${v}` : v;
}

function parseHead(c, q, text) {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0]);
  if (!m) throw new Error(`genkan bootstrap: malformed Runtime API status line ${JSON.stringify(lines[0].slice(0, 100))}`);
  const status = Number(m[2]);
  const headers = {};
  for (let i = 1; i < lines.length; i++) addHeader(headers, lines[i]);
  if (status >= 100 && status < 200 && status !== 101) return false; // interim response: read on
  q.status = status;
  q.headers = headers;
  const connection = (headers.connection || '').toLowerCase();
  if (/(^|,)\s*close\s*(,|$)/.test(connection) || (m[1] === '0' && !/(^|,)\s*keep-alive\s*(,|$)/.test(connection))) {
    c.closing = true;
  }
  const te = (headers['transfer-encoding'] || '').toLowerCase();
  if (q.method === 'HEAD' || status === 204 || status === 304 || status < 200) {
    q.state = -1;
  } else if (te && /(^|,)\s*chunked\s*$/.test(te)) {
    q.state = SIZE;
  } else if (te) {
    q.state = EOF;
  } else if (headers['content-length'] !== undefined) {
    const cl = headers['content-length'].split(',')[0].trim();
    if (!/^\d+$/.test(cl)) throw new Error(`genkan bootstrap: bad Runtime API Content-Length ${JSON.stringify(cl)}`);
    q.left = Number(cl);
    q.state = q.left > 0 ? BODY : -1;
  } else {
    q.state = EOF;
  }
  return true;
}

function take(c, q, n) {
  const d = n >= c.buf.length ? c.buf : c.buf.subarray(0, n);
  c.buf = n >= c.buf.length ? EMPTY : c.buf.subarray(n);
  if (d.length) {
    q.chunks.push(d);
    q.size += d.length;
  }
  return d.length;
}

function parse(c) {
  for (;;) {
    const q = c.pending;
    if (!q) return;
    switch (q.state) {
      case HEAD: {
        const end = c.buf.indexOf('\r\n\r\n', q.scan);
        if (end < 0) {
          if (c.buf.length > MAX_HEAD) throw new Error('genkan bootstrap: Runtime API response header section too large');
          q.scan = Math.max(0, c.buf.length - 3);
          return;
        }
        const text = c.buf.toString('utf8', 0, end);
        c.buf = c.buf.subarray(end + 4);
        q.scan = 0;
        parseHead(c, q, text);
        break;
      }
      case BODY:
        q.left -= take(c, q, q.left);
        if (q.left > 0) return;
        q.state = -1;
        break;
      case SIZE: {
        const end = c.buf.indexOf('\r\n');
        if (end < 0) {
          if (c.buf.length > MAX_LINE) throw new Error('genkan bootstrap: Runtime API chunk-size line too long');
          return;
        }
        const s = c.buf.toString('latin1', 0, end).split(';')[0].trim();
        if (!/^[0-9a-fA-F]{1,12}$/.test(s)) throw new Error(`genkan bootstrap: bad Runtime API chunk size ${JSON.stringify(s.slice(0, 20))}`);
        c.buf = c.buf.subarray(end + 2);
        q.left = parseInt(s, 16);
        q.state = q.left > 0 ? DATA : TRAILER;
        break;
      }
      case DATA:
        q.left -= take(c, q, q.left);
        if (q.left > 0) return;
        q.state = CRLF;
        break;
      case CRLF:
        if (c.buf.length < 2) return;
        if (c.buf[0] !== 13 || c.buf[1] !== 10) throw new Error('genkan bootstrap: malformed Runtime API chunk');
        c.buf = c.buf.subarray(2);
        q.state = SIZE;
        break;
      case TRAILER: {
        if (c.buf.length >= 2 && c.buf[0] === 13 && c.buf[1] === 10) {
          c.buf = c.buf.subarray(2);
          q.state = -1;
          break;
        }
        const end = c.buf.indexOf('\r\n\r\n', q.scan);
        if (end < 0) {
          if (c.buf.length > MAX_HEAD) throw new Error('genkan bootstrap: Runtime API response trailers too large');
          q.scan = Math.max(0, c.buf.length - 3);
          return;
        }
        for (const line of c.buf.toString('utf8', 0, end).split('\r\n')) addHeader(q.trailers, line);
        c.buf = c.buf.subarray(end + 4);
        q.scan = 0;
        q.state = -1;
        break;
      }
      case EOF:
        take(c, q, c.buf.length);
        return;
      default: {
        // the response is complete
        c.pending = null;
        if (c.closing || c.buf.length) drop(c); // leftover bytes: nothing asked for them
        q.resolve(result(q));
        return;
      }
    }
  }
}

function patchConsole() {
  const write = (level) => (...args) => {
    const id = currentRequestId === undefined ? 'undefined' : currentRequestId;
    process.stdout.write(`${new Date().toISOString()}\t${id}\t${level}\t${util.format(...args)}\n`);
  };
  console.log = write('INFO');
  console.info = write('INFO');
  console.warn = write('WARN');
  console.error = write('ERROR');
  console.debug = write('DEBUG');
  console.fatal = write('FATAL');
  const trace = write('TRACE');
  console.trace = (...args) => {
    const e = { name: 'Trace', message: util.format(...args) };
    Error.captureStackTrace(e, console.trace);
    trace(e.stack);
  };
}

class LambdaError extends Error {
  constructor(name, message) {
    super(message);
    this.name = name;
  }
}

function toLambdaError(err) {
  if (err instanceof Error || (err && typeof err === 'object' && 'message' in err)) {
    return {
      errorType: err.name || 'Error',
      errorMessage: String(err.message),
      trace: String(err.stack || '').split('\n'),
    };
  }
  return { errorType: typeof err, errorMessage: String(err), trace: [] };
}

function isESM(file) {
  if (file.endsWith('.mjs')) return true;
  if (file.endsWith('.cjs')) return false;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        return JSON.parse(fs.readFileSync(pkg, 'utf8')).type === 'module';
      } catch (e) {
        return false;
      }
    }
    if (path.dirname(dir) === dir) return false;
  }
}

async function loadModule(stem, moduleName) {
  let file;
  for (const ext of ['.js', '.mjs', '.cjs']) {
    if (fs.existsSync(stem + ext)) {
      file = stem + ext;
      break;
    }
  }
  try {
    if (file && isESM(file)) return await import(pathToFileURL(file).href);
    return require(file || stem);
  } catch (e) {
    if (e instanceof SyntaxError) throw new LambdaError('Runtime.UserCodeSyntaxError', `${e.name}: ${e.message}`);
    if (e && (e.code === 'MODULE_NOT_FOUND' || e.code === 'ERR_MODULE_NOT_FOUND')) {
      if (!file) throw new LambdaError('Runtime.ImportModuleError', `Error: Cannot find module '${moduleName}'`);
      throw new LambdaError('Runtime.ImportModuleError', `Error: ${e.message}`);
    }
    throw e;
  }
}

async function loadHandler() {
  const root = process.env.LAMBDA_TASK_ROOT || process.cwd();
  const full = process.env._HANDLER || '';
  const dir = path.dirname(full);
  const m = /^([^.]*)\.(.*)$/.exec(path.basename(full));
  if (!m) throw new LambdaError('Runtime.MalformedHandlerName', `Bad handler ${full}`);
  const mod = await loadModule(path.resolve(root, dir, m[1]), m[1]);
  let fn = mod;
  for (const key of m[2].split('.')) fn = fn == null ? undefined : fn[key];
  if (typeof fn !== 'function') throw new LambdaError('Runtime.HandlerNotFound', `${full} is undefined or not exported`);
  return fn;
}

function parseJSONHeader(v) {
  if (!v) return undefined;
  try {
    return JSON.parse(v);
  } catch (e) {
    return undefined;
  }
}

function makeContext(id, headers) {
  const deadline = Number(headers['lambda-runtime-deadline-ms']);
  const env = process.env;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: id,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: parseJSONHeader(headers['lambda-runtime-cognito-identity']),
    clientContext: parseJSONHeader(headers['lambda-runtime-client-context']),
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
  };
}

// run calls the handler the way the AWS runtime does: a returned promise settles the
// invocation, else the callback does. (genkan answers when the callback is called rather
// than when the event loop empties.)
function run(handler, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (err, data) => {
      if (settled) return;
      settled = true;
      if (err !== undefined && err !== null) reject(err);
      else resolve(data);
    };
    context.done = callback;
    context.succeed = (data) => callback(null, data);
    context.fail = (err) => callback(err === undefined || err === null ? 'handled' : err);
    try {
      const r = handler(event, context, callback);
      if (r && typeof r.then === 'function') {
        r.then((v) => callback(null, v), (e) => callback(e === undefined || e === null ? new Error('Promise rejected') : e));
      } else if (handler.length < 3) {
        // Neither a promise nor a callback: Lambda answers with null once the event loop is
        // empty; genkan answers right away with what the handler returned.
        callback(null, r);
      }
    } catch (e) {
      callback(e);
    }
  });
}

// postError logs the error first, as the AWS runtime does, so that the line belongs to the
// invocation, then posts it.
async function postError(p, err, kind) {
  const e = toLambdaError(err);
  const body = JSON.stringify(e);
  console.error(kind, body);
  try {
    await request('POST', p, body, { 'Lambda-Runtime-Function-Error-Type': e.errorType });
  } catch (x) {
    // the runtime API is gone: genkan is stopping this instance
  }
  return e;
}

async function fatal(kind, err) {
  const p = currentRequestId !== undefined ? `${base}/invocation/${currentRequestId}/error` : `${base}/init/error`;
  await postError(p, err, kind);
  process.exit(129);
}

async function main() {
  patchConsole();
  process.on('uncaughtException', (err) => fatal('Uncaught Exception', err));
  process.on('unhandledRejection', (reason) => fatal('Unhandled Promise Rejection', reason));
  let handler;
  try {
    handler = await loadHandler();
  } catch (err) {
    await postError(`${base}/init/error`, err, 'Uncaught Exception');
    process.exit(129);
  }
  for (;;) {
    currentRequestId = undefined;
    const next = await request('GET', `${base}/invocation/next`);
    if (next.status !== 200) process.exit(1);
    const id = next.headers['lambda-runtime-aws-request-id'];
    currentRequestId = id;
    if (next.headers['lambda-runtime-trace-id']) process.env._X_AMZN_TRACE_ID = next.headers['lambda-runtime-trace-id'];
    let result;
    try {
      const event = JSON.parse(next.body.toString('utf8'));
      result = await run(handler, event, makeContext(id, next.headers));
    } catch (err) {
      await postError(`${base}/invocation/${id}/error`, err, 'Invoke Error');
      continue;
    }
    let body;
    try {
      body = JSON.stringify(result === undefined ? null : result);
    } catch (err) {
      await postError(`${base}/invocation/${id}/error`, new LambdaError('Runtime.MarshalError', `Unable to stringify response body: ${err.message}`), 'Invoke Error');
      continue;
    }
    await request('POST', `${base}/invocation/${id}/response`, body);
  }
}

main();
