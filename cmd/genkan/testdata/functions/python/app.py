# The Python test function of the end-to-end tests (see ../gofn/main.go for the protocol).
import json
import os
import time


def reply(body):
    # 201 rather than 200 tells a status taken from the function from a default.
    body.update(runtime="python", pid=os.getpid())
    return {
        "statusCode": 201,
        "headers": {"Content-Type": "application/json", "X-Runtime": "python"},
        "multiValueHeaders": {"X-Multi": ["a", "b"]},
        "body": json.dumps(body),
    }


def handler(event, context):
    action = (event.get("pathParameters") or {}).get("action") or event.get("action") or "echo"
    query = event.get("queryStringParameters") or {}
    if action == "bare":
        return {"runtime": "python", "bare": True}
    if action == "cookies":
        return {"statusCode": 200, "cookies": ["a=1; Path=/", "b=2"],
                "headers": {"Content-Type": "text/plain"}, "body": "cookies"}
    if action == "string":
        return "just a string"
    if action == "throw":
        raise ValueError("boom")
    if action == "crash":
        print("crashing on purpose", flush=True)
        os._exit(1)
    if action == "sleep":
        ms = int(query.get("ms", "0"))
        print("sleeping", ms, flush=True)
        time.sleep(ms / 1000)
        return reply({"slept": ms})
    if action == "log":
        print("logged:", event.get("marker"), flush=True)
        return "logged"
    return reply({"event": event})
