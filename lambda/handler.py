"""The tutorial's demo function: returns ``event["key1"]``, or fails on purpose.

The tutorial simulates a failure by editing the code. Here the environment variable
SIMULATE_FAILURE=1 turns the failure on instead (the seed stack, ``make apply SIMULATE_FAILURE=1``
and the demo pass it through the module's ``environment_variables``), so one zip covers both the
success path and the retry-then-dead-letter-queue path.
"""

import os


def lambda_handler(event, context):
    print("Lambda event:", event)
    if os.environ.get("SIMULATE_FAILURE") == "1":
        raise Exception("Something went wrong")
    return event["key1"]
