"""What a function's log says around an unhandled exception, and where its lines go when the log
group is deleted under a warm environment (docs/aws-behaviour.md, CloudWatch Logs; Async records,
logs and throttles)."""

from __future__ import annotations

import base64
import json
import re
import time

from ..helpers import invoke, log_messages
from .normalize import assert_matches, normalize

RAISE_AT_LINE_55 = (
    "import logging\n"
    "logging.getLogger().setLevel(logging.INFO)\n"
    "def handler(event, context):\n"
    '    print("Lambda log message - print function")\n'
    '    logging.info("Lambda log message - logging module")\n'
    + "\n" * 49
    + '    raise Exception("Test exception (this is intentional)")\n'
    + "lambda_handler = handler\n"
)
# awslambdaric/lambda_literals.py, lambda_unhandled_exception_warning_message (the text, without
# its trailing "\r"; aws/aws-lambda-python-runtime-interface-client at tag 4.0.1, unchanged since
# it was added in 2.0.10). Since 3.1.0 (#189, "Move unhandled exception warning message to init
# errors") awslambdaric.bootstrap.run logs it through logging.warning for init errors only;
# 2.0.10 to 3.0.x logged it in handle_event_request for every invocation error.
LAMBDA_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. For "
    "functions using managed runtimes, runtime updates can be triggered by a function change, or "
    "can be applied automatically. To determine if the runtime has been updated, check the "
    "runtime version in the INIT_START log entry. If this error correlates with a change in the "
    "runtime version, you may be able to mitigate this error by temporarily rolling back to the "
    "previous runtime version. For more information, see "
    "https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html"
)


def test_an_invocation_error_has_no_lambda_warning_line(aws, deploy) -> None:
    fn = deploy(RAISE_AT_LINE_55)
    response = aws.client("lambda").invoke(
        FunctionName=fn.name, Payload=b'{"raise_error": 1}', LogType="Tail"
    )
    lines = base64.b64decode(response["LogResult"]).decode().splitlines()
    # localstack/localstack tests/aws/services/lambda_/test_lambda_destinations.snapshot.json,
    # TestLambdaDLQ::test_dead_letter_queue "log_result" (recorded 24-11-2025 on python3.12): the
    # LogType=Tail lines without REPORT. No LAMBDA_WARNING before the [ERROR] event.
    assert_matches(
        [
            "START RequestId: <uuid> Version: $LATEST",
            "Lambda log message - print function",
            "[INFO]\t<timestamp>\t<uuid>\tLambda log message - logging module",
            "[ERROR] Exception: Test exception (this is intentional)",
            "Traceback (most recent call last):",
            '\u00a0\u00a0File "/var/task/handler.py", line 55, in handler',
            '\u00a0\u00a0\u00a0\u00a0raise Exception("Test exception (this is intentional)")',
            "END RequestId: <uuid>",
        ],
        normalize([line for line in lines if not line.startswith("REPORT")]),
    )


def test_an_init_error_is_preceded_by_the_lambda_warning_line(aws, deploy) -> None:
    fn = deploy("import not_a_module_anywhere\n")
    request_id, _, response = invoke(aws, fn.name)
    assert response["FunctionError"] == "Unhandled"
    messages = log_messages(aws, fn.name)
    warning = next(i for i, m in enumerate(messages) if "LAMBDA_WARNING" in m)
    # awslambdaric bootstrap.py _setup_logging's Text format, "[%(levelname)s]\t%(asctime)s.
    # %(msecs)03dZ\t%(aws_request_id)s\t%(message)s", with no request id yet during init.
    assert re.fullmatch(
        r"\[WARNING\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t\t" + re.escape(LAMBDA_WARNING),
        messages[warning].rstrip("\r\n"),
    ), messages[warning]
    # Then log_error's [ERROR] event (awslambdaric bootstrap.py run).
    assert messages[warning + 1].startswith("[ERROR] Runtime.ImportModuleError: ")


def _allow_create_log_group(aws, fn) -> None:
    aws.client("iam").put_role_policy(
        RoleName=f"{fn.name}-role",
        PolicyName="create-log-group",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "logs:CreateLogGroup", "Resource": "*"}
                ],
            }
        ),
    )


def test_without_create_log_group_a_deleted_groups_lines_are_lost(aws, deploy) -> None:
    fn = deploy("def lambda_handler(event, context):\n    print('hello', event)\n")
    logs = aws.client("logs")
    group = f"/aws/lambda/{fn.name}"
    invoke(aws, fn.name)
    logs.delete_log_group(logGroupName=group)
    invoke(aws, fn.name)
    time.sleep(0.3)  # the write that would re-create the group happens as the attempt ends
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"] == []


def test_a_deleted_log_group_is_created_again_by_the_next_invocation(aws, deploy) -> None:
    fn = deploy("def lambda_handler(event, context):\n    print('hello', event)\n")
    _allow_create_log_group(aws, fn)
    logs = aws.client("logs")
    group = f"/aws/lambda/{fn.name}"
    first, _, _ = invoke(aws, fn.name)  # warms an environment
    logs.delete_log_group(logGroupName=group)
    second, _, _ = invoke(aws, fn.name)  # the same environment: its stream name stays
    deadline = time.time() + 5
    while time.time() < deadline:
        groups = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
        if groups:
            break
        time.sleep(0.05)
    assert [g["logGroupName"] for g in groups] == [group]
    messages = log_messages(aws, fn.name)
    assert f"START RequestId: {second} Version: $LATEST" in messages
    assert f"END RequestId: {second}" in messages
    assert not any(first in m for m in messages)  # what went before went with the group
