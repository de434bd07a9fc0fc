'use strict';
// The Runtime API client of genkan's Node.js runtime (bootstrap.js): a minimal keep-alive
// HTTP/1.1 client over one net.Socket, with Node's standard library only (the http module cost
// about three times as much CPU per invocation).
//
// Every message is one socket write: an invocation's response and the next GET /next go
// together (pipelined), so that genkan reads both at once and, when an event is already
// waiting, answers both with one write; a warm invocation then costs the runtime one write and
// one read. Responses are read with `onread` into one buffer kept for the process (no Buffer
// per read, no stream machinery) and framed by Content-Length, chunked encoding (with
// trailers) or the end of the connection. Requests the server did not answer before closing a
// reused connection (an idle close, or the requests pipelined behind a "Connection: close"
// answer) are sent again on a new connection; a request made while the connection is busy (a
// fatal error during a long poll) goes on one of its own.

const net = require('net');

const api = process.env.AWS_LAMBDA_RUNTIME_API || '';
const sep = api.lastIndexOf(':');
const host = api.slice(0, sep);
const port = Number(api.slice(sep + 1));

const MAX_HEAD = 4 << 20; // header section (error causes may be sent as headers) or trailers
const MAX_LINE = 64 << 10; // one chunk-size line
const READ_BUF = Buffer.allocUnsafe(64 << 10); // shared: every read is consumed before the next
const EMPTY = Buffer.alloc(0);
const HEAD = 0, BODY = 1, SIZE = 2, DATA = 3, CRLF = 4, TRAILER = 5, EOF = 6, DONE = 7;

let conn = null; // the connection kept between requests

// One request written and awaiting its response; cb is null for a pipelined request whose
// response only has to be read past. (Only GET and POST are sent: no response is bodiless
// for being the answer to a HEAD.)
class Pending {
  constructor(req, cb) {
    this.req = req;
    this.cb = cb;
    this.got = false; // bytes of the response arrived
    this.retried = false;
  }
}

// send writes requests (strings, each a whole request) in one write and calls cb(err, res) with
// the Response to the last one.
function send(reqs, cb) {
  const list = new Array(reqs.length);
  for (let i = 0; i < reqs.length; i++) list[i] = new Pending(reqs[i], i === reqs.length - 1 ? cb : null);
  write(list);
}

function write(list) {
  let c = conn;
  if (c === null || c.dead) c = conn = new Conn(false);
  else if (c.waiting.length > 0) c = new Conn(true);
  let msg = list[0].req;
  for (let i = 1; i < list.length; i++) msg += list[i].req;
  for (let i = 0; i < list.length; i++) c.waiting.push(list[i]);
  c.sock.write(msg);
}

class Conn {
  constructor(temp) {
    this.temp = temp; // a side connection, closed once answered
    this.dead = false;
    this.waiting = [];
    this.answered = 0;
    this.closing = false; // the server announced it closes after the current response
    this.acc = EMPTY; // unconsumed bytes of a response that straddles reads
    this.accLen = 0;
    this.ready = null; // a response parse completed
    this.reset();
    this.sock = net.connect({ host, port, onread: { buffer: READ_BUF, callback: (n, buf) => this.onRead(n, buf) } });
    this.sock.setNoDelay(true);
    this.sock.on('error', (err) => this.fail(err));
    this.sock.on('close', () => this.onClose());
  }

  reset() {
    this.st = HEAD;
    this.scan = 0;
    this.res = null; // the response being read
    this.left = 0;
    this.body = null; // a Content-Length body that arrives in pieces
    this.bodyLen = 0;
    this.chunks = null; // a chunked or close-delimited body
    this.text = '';
  }

  onRead(n, buf) {
    if (this.dead) return;
    if (this.waiting.length === 0) {
      this.drop(); // nothing asked for these bytes
      return;
    }
    let b = buf, end = n, i = 0;
    if (this.accLen > 0) {
      this.append(buf, n);
      b = this.acc;
      end = this.accLen;
    }
    while (i < end) {
      this.waiting[0].got = true;
      try {
        i = this.parse(b, i, end);
      } catch (err) {
        this.fail(err);
        return;
      }
      const res = this.ready;
      if (res === null) break;
      this.ready = null;
      const p = this.waiting.shift();
      this.answered++;
      // The response said it is the last, or bytes follow that nothing asked for, or a side
      // connection is done: the requests behind it (never answered) go on a new connection.
      if (this.closing || (this.waiting.length === 0 && (i < end || this.temp))) {
        const rest = this.waiting;
        this.waiting = [];
        this.drop();
        if (rest.length > 0) write(rest);
        if (p.cb !== null) p.cb(null, res);
        return;
      }
      if (p.cb !== null) p.cb(null, res);
      if (this.dead) return;
    }
    if (b === this.acc) {
      this.acc.copy(this.acc, 0, i, end);
      this.accLen = end - i;
    } else if (i < end) {
      this.accLen = 0;
      this.append(buf.subarray(i, end), end - i);
    }
  }

  append(buf, n) {
    if (this.accLen + n > this.acc.length) {
      const grown = Buffer.allocUnsafe(Math.max(2 * this.acc.length, this.accLen + n, 4096));
      this.acc.copy(grown, 0, 0, this.accLen);
      this.acc = grown;
    }
    buf.copy(this.acc, this.accLen, 0, n);
    this.accLen += n;
  }

  onClose() {
    if (this.dead) return;
    if (this.st === EOF && this.waiting.length > 0) {
      const p = this.waiting.shift();
      this.finish();
      const res = this.ready;
      this.ready = null;
      const rest = this.waiting;
      this.waiting = [];
      this.drop();
      if (rest.length > 0) write(rest);
      if (p.cb !== null) p.cb(null, res);
      return;
    }
    this.fail(new Error('genkan bootstrap: Runtime API connection closed'));
  }

  drop() {
    this.dead = true;
    if (conn === this) conn = null;
    this.acc = EMPTY;
    this.accLen = 0;
    this.sock.destroy();
  }

  fail(err) {
    if (this.dead) return;
    const list = this.waiting;
    this.waiting = [];
    const reused = this.answered > 0;
    this.drop();
    if (list.length === 0) return;
    if (reused && !list[0].got && !list[0].retried) {
      // The server closed the connection before answering: it never saw these requests.
      for (const p of list) p.retried = true;
      write(list);
      return;
    }
    for (const p of list) if (p.cb !== null) p.cb(err, null);
  }

  // parse consumes response bytes b[i:end] and returns where it stopped: at the end, or right
  // after a complete response (in this.ready). b's bytes past end are not this response's.
  parse(b, i, end) {
    for (;;) {
      switch (this.st) {
        case HEAD: {
          const e = b.indexOf('\r\n\r\n', i + this.scan);
          if (e < 0 || e + 4 > end) {
            if (end - i > MAX_HEAD) throw new Error('genkan bootstrap: Runtime API response header section too large');
            this.scan = Math.max(0, end - i - 3);
            return i;
          }
          const text = b.toString('utf8', i, e);
          i = e + 4;
          this.scan = 0;
          this.head(text);
          break;
        }
        case BODY: {
          const k = Math.min(end - i, this.left);
          if (this.body === null && k === this.left) {
            this.text = b.toString('utf8', i, i + k);
          } else {
            if (this.body === null) this.body = Buffer.allocUnsafe(this.left);
            b.copy(this.body, this.bodyLen, i, i + k);
            this.bodyLen += k;
          }
          i += k;
          this.left -= k;
          if (this.left > 0) return i;
          if (this.body !== null) this.text = this.body.toString('utf8', 0, this.bodyLen);
          this.st = DONE;
          break;
        }
        case SIZE: {
          const e = b.indexOf('\r\n', i);
          if (e < 0 || e + 2 > end) {
            if (end - i > MAX_LINE) throw new Error('genkan bootstrap: Runtime API chunk-size line too long');
            return i;
          }
          const s = b.toString('latin1', i, e).split(';')[0].trim();
          if (!/^[0-9a-fA-F]{1,12}$/.test(s)) throw new Error(`genkan bootstrap: bad Runtime API chunk size ${JSON.stringify(s.slice(0, 20))}`);
          i = e + 2;
          this.left = parseInt(s, 16);
          this.st = this.left > 0 ? DATA : TRAILER;
          break;
        }
        case DATA: {
          const k = Math.min(end - i, this.left);
          this.keep(b, i, i + k);
          i += k;
          this.left -= k;
          if (this.left > 0) return i;
          this.st = CRLF;
          break;
        }
        case CRLF:
          if (end - i < 2) return i;
          if (b[i] !== 13 || b[i + 1] !== 10) throw new Error('genkan bootstrap: malformed Runtime API chunk');
          i += 2;
          this.st = SIZE;
          break;
        case TRAILER: {
          if (end - i >= 2 && b[i] === 13 && b[i + 1] === 10) {
            i += 2;
            this.st = DONE;
            break;
          }
          const e = b.indexOf('\r\n\r\n', i + this.scan);
          if (e < 0 || e + 4 > end) {
            if (end - i > MAX_HEAD) throw new Error('genkan bootstrap: Runtime API response trailers too large');
            this.scan = Math.max(0, end - i - 3);
            return i;
          }
          // Trailers are checked for form, not kept: nothing here reads them.
          const text = b.toString('utf8', i, e);
          for (let s = 0; s <= text.length;) {
            let eol = text.indexOf('\r\n', s);
            if (eol < 0) eol = text.length;
            const colon = text.indexOf(':', s);
            if (colon <= s || colon >= eol) malformedHeader(text.slice(s, eol));
            s = eol + 2;
          }
          i = e + 4;
          this.scan = 0;
          this.st = DONE;
          break;
        }
        case EOF:
          this.keep(b, i, end);
          return end;
        default: // DONE
          this.finish();
          return i;
      }
    }
  }

  keep(b, from, to) {
    if (to <= from) return;
    const c = Buffer.allocUnsafe(to - from);
    b.copy(c, 0, from, to);
    this.chunks.push(c);
  }

  finish() {
    if (this.chunks !== null) this.text = Buffer.concat(this.chunks).toString('utf8');
    this.res.body = this.text;
    this.ready = this.res;
    this.reset();
  }

  // head parses a status line and headers, and decides how the body is framed.
  head(text) {
    let eol = text.indexOf('\r\n');
    if (eol < 0) eol = text.length;
    const minor = text.charCodeAt(7);
    if (!text.startsWith('HTTP/1.') || (minor !== 48 && minor !== 49) || text.charCodeAt(8) !== 32 || !isDigit(text, 9) ||
      !isDigit(text, 10) || !isDigit(text, 11) || (eol > 12 && text.charCodeAt(12) !== 32)) {
      throw new Error(`genkan bootstrap: malformed Runtime API status line ${JSON.stringify(text.slice(0, Math.min(eol, 100)))}`);
    }
    const status = (text.charCodeAt(9) - 48) * 100 + (text.charCodeAt(10) - 48) * 10 + (text.charCodeAt(11) - 48);
    const res = new Response(status);
    for (let s = eol + 2; s < text.length;) {
      let e = text.indexOf('\r\n', s);
      if (e < 0) e = text.length;
      res.add(text, s, e);
      s = e + 2;
    }
    if (status >= 100 && status < 200 && status !== 101) return; // interim response: read on
    this.res = res;
    const connection = res.connection;
    if (connection !== undefined) {
      const v = connection.toLowerCase();
      if (/(^|,)\s*close\s*(,|$)/.test(v) || (minor === 48 && !/(^|,)\s*keep-alive\s*(,|$)/.test(v))) this.closing = true;
    } else if (minor === 48) {
      this.closing = true;
    }
    const te = res.transferEncoding;
    const cl = res.contentLength;
    if (status === 204 || status === 304 || status < 200) {
      this.st = DONE;
    } else if (te !== undefined && /(^|,)\s*chunked\s*$/i.test(te)) {
      this.chunks = [];
      this.st = SIZE;
    } else if (te !== undefined) {
      this.chunks = [];
      this.st = EOF;
    } else if (cl !== undefined) {
      const n = cl.indexOf(',') < 0 ? cl : cl.slice(0, cl.indexOf(',')).trim();
      if (!/^\d+$/.test(n)) throw new Error(`genkan bootstrap: bad Runtime API Content-Length ${JSON.stringify(n)}`);
      this.left = Number(n);
      this.st = this.left > 0 ? BODY : DONE;
    } else {
      this.chunks = [];
      this.st = EOF;
    }
  }
}

function isDigit(text, k) {
  const c = text.charCodeAt(k);
  return c >= 48 && c <= 57;
}

function malformedHeader(line) {
  throw new Error(`genkan bootstrap: malformed Runtime API header line ${JSON.stringify(line.slice(0, 100))}`);
}

// The headers a Response keeps, as genkan's Runtime API writes their names, and in lower case
// for a server that writes them otherwise. The rest are skipped.
const NAMES = ['Lambda-Runtime-Aws-Request-Id', 'Lambda-Runtime-Deadline-Ms', 'Lambda-Runtime-Invoked-Function-Arn',
  'Lambda-Runtime-Trace-Id', 'Lambda-Runtime-Client-Context', 'Lambda-Runtime-Cognito-Identity', 'Connection',
  'Transfer-Encoding', 'Content-Length'];
const LOWER = NAMES.map((n) => n.toLowerCase());

// Response is an answer of the Runtime API: the headers are fields of one shape rather than a
// dictionary of lower-cased names, which cost a string or two per header and line.
class Response {
  constructor(status) {
    this.status = status;
    this.requestId = undefined;
    this.deadlineMs = undefined;
    this.functionArn = undefined;
    this.traceId = undefined;
    this.clientContext = undefined;
    this.cognitoIdentity = undefined;
    this.connection = undefined;
    this.transferEncoding = undefined;
    this.contentLength = undefined;
    this.body = '';
  }

  // add takes the header line text[s:e]; a repeated header's values are joined with ", ".
  add(text, s, e) {
    const c = text.indexOf(':', s);
    if (c <= s || c >= e) malformedHeader(text.slice(s, e));
    let k = 0;
    for (; k < NAMES.length; k++) {
      if (NAMES[k].length === c - s && (text.startsWith(NAMES[k], s) || text.slice(s, c).toLowerCase() === LOWER[k])) break;
    }
    if (k === NAMES.length) return;
    let vs = c + 1, ve = e;
    while (vs < ve && (text.charCodeAt(vs) === 32 || text.charCodeAt(vs) === 9)) vs++;
    while (ve > vs && (text.charCodeAt(ve - 1) === 32 || text.charCodeAt(ve - 1) === 9)) ve--;
    const v = text.slice(vs, ve);
    switch (k) {
      case 0: this.requestId = join(this.requestId, v); break;
      case 1: this.deadlineMs = join(this.deadlineMs, v); break;
      case 2: this.functionArn = join(this.functionArn, v); break;
      case 3: this.traceId = join(this.traceId, v); break;
      case 4: this.clientContext = join(this.clientContext, v); break;
      case 5: this.cognitoIdentity = join(this.cognitoIdentity, v); break;
      case 6: this.connection = join(this.connection, v); break;
      case 7: this.transferEncoding = join(this.transferEncoding, v); break;
      default: this.contentLength = join(this.contentLength, v);
    }
  }
}

function join(cur, v) {
  return cur === undefined ? v : `${cur}, ${v}`;
}

const TOKEN = /[^!#$%&'*+\-.^_`|~0-9A-Za-z]/g;

// requestText is one whole request; body is a string or undefined.
function requestText(method, p, body, headers) {
  let head = method + ' ' + p + ' HTTP/1.1\r\nHost: ' + api + '\r\n';
  if (body !== undefined) head += 'Content-Type: application/json\r\nContent-Length: ' + Buffer.byteLength(body) + '\r\n';
  if (headers) {
    for (const k of Object.keys(headers)) {
      if (headers[k] === undefined) continue;
      head += `${k.replace(TOKEN, '')}: ${String(headers[k]).replace(/[\0\r\n]/g, '')}\r\n`;
    }
  }
  return body === undefined ? head + '\r\n' : head + '\r\n' + body;
}

module.exports = { send, requestText };
