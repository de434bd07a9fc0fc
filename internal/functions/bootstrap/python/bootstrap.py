# genkan's Python runtime: imports the handler named by _HANDLER from LAMBDA_TASK_ROOT and
# serves invocations through the Lambda Runtime API at AWS_LAMBDA_RUNTIME_API, with the
# standard library only. It follows what the AWS runtime (awslambdaric) does where a function
# can tell: handler resolution, the context object, error shapes and error types, and the
# root logger's "[LEVEL]\t<time>\t<requestId>\t<message>" lines.
import decimal
import http.client
import importlib
import json
import logging
import os
import sys
import time
import traceback

API = os.environ.get("AWS_LAMBDA_RUNTIME_API", "")
HOST, _, PORT = API.rpartition(":")
BASE = "/2018-06-01/runtime"

_conn = None
_request_id = None


def request(method, path, body=None, headers=None):
    """One call to the Runtime API on a kept-alive connection (no proxies, unlike urllib)."""
    global _conn
    for attempt in (0, 1):
        if _conn is None:
            _conn = http.client.HTTPConnection(HOST, int(PORT))
        try:
            _conn.request(method, path, body=body, headers=headers or {})
            resp = _conn.getresponse()
            return resp.status, resp.headers, resp.read()
        except (http.client.HTTPException, OSError):
            _conn.close()
            _conn = None
            if attempt:
                raise


class _RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _request_id or ""
        return True


class _Formatter(logging.Formatter):
    converter = time.gmtime

    def formatTime(self, record, datefmt=None):
        return time.strftime("%Y-%m-%dT%H:%M:%S", self.converter(record.created)) + ".%03dZ" % record.msecs


def _setup_logging():
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(_Formatter("[%(levelname)s]\t%(asctime)s\t%(aws_request_id)s\t%(message)s"))
    handler.addFilter(_RequestIdFilter())
    logging.getLogger().addHandler(handler)


class FaultError(Exception):
    def __init__(self, error_type, message):
        super().__init__(message)
        self.error_type = error_type


def _error_body(exc, error_type=None):
    tb = traceback.format_list(traceback.extract_tb(exc.__traceback__)) if exc.__traceback__ else []
    body = {
        "errorMessage": str(exc),
        "errorType": error_type or getattr(exc, "error_type", None) or type(exc).__name__,
        "requestId": _request_id or "",
        "stackTrace": tb,
    }
    return body


def _log_error(body):
    lines = ["[ERROR] %s: %s" % (body["errorType"], body["errorMessage"])]
    if body["stackTrace"]:
        lines.append("Traceback (most recent call last):")
        lines.extend(s.rstrip("\n") for s in body["stackTrace"])
    sys.stdout.write("\n".join(lines) + "\n")


def _post_error(path, body):
    try:
        request("POST", path, json.dumps(body).encode(), {
            "Content-Type": "application/json",
            "Lambda-Runtime-Function-Error-Type": body["errorType"],
        })
    except Exception:
        pass  # the runtime API is gone: genkan is stopping this instance


def load_handler():
    handler = os.environ.get("_HANDLER", "")
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultError("Runtime.MalformedHandlerName", "Bad handler '%s': %s" % (handler, e))
    modname = modname.replace("/", ".")
    try:
        module = importlib.import_module(modname)
    except ImportError as e:
        raise FaultError("Runtime.ImportModuleError", "Unable to import module '%s': %s" % (modname, e))
    except SyntaxError as e:
        raise FaultError("Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s" % (modname, e))
    fn = getattr(module, fname, None)
    if fn is None:
        raise FaultError("Runtime.HandlerNotFound", "Handler '%s' missing on module '%s'" % (fname, modname))
    return fn


class CognitoIdentity:
    def __init__(self, d):
        self.cognito_identity_id = d.get("cognitoIdentityId")
        self.cognito_identity_pool_id = d.get("cognitoIdentityPoolId")


class ClientContext:
    def __init__(self, d):
        self.client = d.get("client")
        self.custom = d.get("custom")
        self.env = d.get("env")


def _json_header(headers, name):
    v = headers.get(name)
    if not v:
        return None
    try:
        return json.loads(v)
    except ValueError:
        return None


class LambdaContext:
    def __init__(self, request_id, headers):
        env = os.environ
        self.aws_request_id = request_id
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn")
        self._deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms") or 0)
        identity = _json_header(headers, "Lambda-Runtime-Cognito-Identity")
        self.identity = CognitoIdentity(identity) if identity else None
        client_context = _json_header(headers, "Lambda-Runtime-Client-Context")
        self.client_context = ClientContext(client_context) if client_context else None

    def get_remaining_time_in_millis(self):
        return max(self._deadline_ms - int(time.time() * 1000), 0)


def _default(o):
    if isinstance(o, decimal.Decimal):
        return int(o) if o == o.to_integral_value() else float(o)
    raise TypeError("Object of type %s is not JSON serializable" % type(o).__name__)


def main():
    global _request_id
    _setup_logging()
    task_root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    sys.path.insert(0, task_root)
    try:
        handler = load_handler()
    except Exception as e:
        body = _error_body(e)
        _log_error(body)
        _post_error(BASE + "/init/error", body)
        sys.exit(1)
    while True:
        _request_id = None
        status, headers, body = request("GET", BASE + "/invocation/next")
        if status != 200:
            sys.exit(1)
        _request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        trace = headers.get("Lambda-Runtime-Trace-Id")
        if trace:
            os.environ["_X_AMZN_TRACE_ID"] = trace
        try:
            event = json.loads(body) if body else None
        except ValueError as e:
            err = _error_body(e, "Runtime.UnmarshalError")
            err["errorMessage"] = "Unable to unmarshal input: %s" % e
            _post_error(BASE + "/invocation/%s/error" % _request_id, err)
            continue
        try:
            result = handler(event, LambdaContext(_request_id, headers))
        except Exception as e:
            err = _error_body(e)
            _log_error(err)
            _post_error(BASE + "/invocation/%s/error" % _request_id, err)
            continue
        try:
            out = json.dumps(result, default=_default).encode()
        except (TypeError, ValueError) as e:
            err = _error_body(e, "Runtime.MarshalError")
            err["errorMessage"] = "Unable to marshal response: %s" % e
            err["stackTrace"] = []
            _log_error(err)
            _post_error(BASE + "/invocation/%s/error" % _request_id, err)
            continue
        request("POST", BASE + "/invocation/%s/response" % _request_id, out, {"Content-Type": "application/json"})


if __name__ == "__main__":
    main()
