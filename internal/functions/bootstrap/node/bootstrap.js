'use strict';
// genkan's Node.js runtime: loads the handler named by _HANDLER from LAMBDA_TASK_ROOT and
// serves invocations through the Lambda Runtime API at AWS_LAMBDA_RUNTIME_API, with Node's
// standard library only. It follows what the AWS runtime (aws-lambda-nodejs-runtime-interface-
// client) does where a function can tell: handler resolution (CommonJS, .mjs/.cjs, "type":
// "module"), async and callback handlers, the context object, error shapes and error types,
// and console lines "<time>\t<requestId>\t<LEVEL>\t<message>".

const http = require('http');
const fs = require('fs');
const path = require('path');
const util = require('util');
const { pathToFileURL } = require('url');

const api = process.env.AWS_LAMBDA_RUNTIME_API || '';
const sep = api.lastIndexOf(':');
const host = api.slice(0, sep);
const port = Number(api.slice(sep + 1));
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const base = '/2018-06-01/runtime';

let currentRequestId;

function request(method, p, body, headers) {
  return new Promise((resolve, reject) => {
    const h = Object.assign({}, headers);
    if (body !== undefined) {
      h['Content-Type'] = 'application/json';
      h['Content-Length'] = Buffer.byteLength(body);
    }
    const req = http.request({ host, port, method, path: p, agent, headers: h }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
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
