"""A handler that never returns, for shutdown tests and bench/emulator_resources.py (which
imports it from here, so both run the same handler).

It first writes a file named after its request id into $STARTED_DIR, so a caller knows the
attempt is running before it signals the emulator.
"""

LOOPING = """
import os, pathlib

def lambda_handler(event, context):
    pathlib.Path(os.environ["STARTED_DIR"], context.aws_request_id).write_text("")
    while True:
        pass
"""
