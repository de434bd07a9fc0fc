'use strict';
// genkan's Node.js runtime: loads the handler named by _HANDLER from LAMBDA_TASK_ROOT and
// serves invocations through the Lambda Runtime API at AWS_LAMBDA_RUNTIME_API, with Node's
// standard library only. It follows what the AWS runtime (aws-lambda-nodejs-runtime-interface-
// client) does where a function can tell: handler resolution (CommonJS, .mjs/.cjs, "type":
// "module"), async and callback handlers, the context object, error shapes and error types,
// and console lines "<time>\t<requestId>\t<LEVEL>\t<message>".

const fs = require('fs');
const path = require('path');
const util = require('util');
const { pathToFileURL } = require('url');

const { send, requestText } = require('./client.js');

const base = '/2018-06-01/runtime';
const RESOLVED = Promise.resolve();

let currentRequestId;

const NEXT = requestText('GET', `${base}/invocation/next`);

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

// errorRequest logs an error first, as the AWS runtime does, so that the line belongs to the
// invocation, and returns the request that posts it.
function errorRequest(p, err, kind) {
  const e = toLambdaError(err);
  const body = JSON.stringify(e);
  console.error(kind, body);
  return requestText('POST', p, body, { 'Lambda-Runtime-Function-Error-Type': e.errorType });
}

async function postError(p, err, kind) {
  const req = errorRequest(p, err, kind);
  try {
    await new Promise((resolve, reject) => send([req], (e) => (e ? reject(e) : resolve())));
  } catch (x) {
    // the runtime API is gone: genkan is stopping this instance
  }
}

async function fatal(kind, err) {
  const p = currentRequestId !== undefined ? `${base}/invocation/${currentRequestId}/error` : `${base}/init/error`;
  await postError(p, err, kind);
  process.exit(129);
}

// Invoker runs the invocations. The environment's Lambda variables are read once: they are
// the execution environment's, fixed for its life (a process.env read is a call into C++).
class Invoker {
  constructor(handler) {
    const env = process.env;
    this.handler = handler;
    this.functionName = env.AWS_LAMBDA_FUNCTION_NAME;
    this.functionVersion = env.AWS_LAMBDA_FUNCTION_VERSION;
    this.memoryLimitInMB = env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE;
    this.logGroupName = env.AWS_LAMBDA_LOG_GROUP_NAME;
    this.logStreamName = env.AWS_LAMBDA_LOG_STREAM_NAME;
    this.onNext = (err, res) => this.next(err, res);
  }

  next(err, res) {
    if (err) {
      fatal('Uncaught Exception', err);
      return;
    }
    if (res.status !== 200) process.exit(1);
    const id = res.requestId;
    currentRequestId = id;
    if (res.traceId) process.env._X_AMZN_TRACE_ID = res.traceId;
    let event;
    try {
      event = JSON.parse(res.body);
    } catch (e) {
      this.respond(id, true, e);
      return;
    }
    this.run(id, event, res);
  }

  // run calls the handler the way the AWS runtime does: a returned promise settles the
  // invocation, else the callback does. (genkan answers when the callback is called rather
  // than when the event loop empties.) An answer through the callback leaves a microtask
  // later, so that what the handler does right after calling it (a log line) still belongs to
  // the invocation; after a promise settles, nothing of the handler's is left to run.
  run(id, event, res) {
    let settled = false;
    const settle = (failed, value) => {
      if (settled) return;
      settled = true;
      this.respond(id, failed, value);
    };
    let called = false;
    const callback = (err, data) => {
      if (called) return;
      called = true;
      const failed = err !== undefined && err !== null;
      RESOLVED.then(() => settle(failed, failed ? err : data));
    };
    const deadline = Number(res.deadlineMs);
    const context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: this.functionName,
      functionVersion: this.functionVersion,
      invokedFunctionArn: res.functionArn,
      memoryLimitInMB: this.memoryLimitInMB,
      awsRequestId: id,
      logGroupName: this.logGroupName,
      logStreamName: this.logStreamName,
      identity: parseJSONHeader(res.cognitoIdentity),
      clientContext: parseJSONHeader(res.clientContext),
      getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
      done: callback,
      succeed: (data) => callback(null, data),
      fail: (err) => callback(err === undefined || err === null ? 'handled' : err),
    };
    const handler = this.handler;
    try {
      const r = handler(event, context, callback);
      if (r && typeof r.then === 'function') {
        r.then((v) => settle(false, v), (e) => settle(true, e === undefined || e === null ? new Error('Promise rejected') : e));
      } else if (handler.length < 3) {
        // Neither a promise nor a callback: Lambda answers with null once the event loop is
        // empty; genkan answers right away with what the handler returned.
        callback(null, r);
      }
    } catch (e) {
      callback(e);
    }
  }

  // respond posts the invocation's result or error and, in the same write, asks for the next.
  respond(id, failed, value) {
    let req;
    if (failed) {
      req = errorRequest(`${base}/invocation/${id}/error`, value, 'Invoke Error');
    } else {
      let body;
      try {
        body = JSON.stringify(value === undefined ? null : value);
      } catch (err) {
        this.respond(id, true, new LambdaError('Runtime.MarshalError', `Unable to stringify response body: ${err.message}`));
        return;
      }
      req = requestText('POST', `${base}/invocation/${id}/response`, body);
    }
    currentRequestId = undefined;
    send([req, NEXT], this.onNext);
  }
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
  const invoker = new Invoker(handler);
  send([NEXT], invoker.onNext);
}

main();
