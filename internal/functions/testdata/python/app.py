import logging
import os

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def handler(event, context):
    return {
        "event": event,
        "requestId": context.aws_request_id,
        "functionName": context.function_name,
        "remaining": context.get_remaining_time_in_millis(),
        "pid": os.getpid(),
        "execEnv": os.environ.get("AWS_EXECUTION_ENV"),
    }


def fail(event, context):
    raise ValueError("bad value")


def log(event, context):
    print("hello from python")
    logger.info("info line")
    return None
