"""What the function's execution role may do, and the permission checks Lambda makes with it.

Lambda checks the execution role's identity policies when a dead-letter target or a destination
is configured (facts §3, §4); a queue or topic policy naming lambda.amazonaws.com does not count.
"""

from __future__ import annotations

from typing import Any

from . import iam_eval, moto_glue
from .moto_glue import InvalidParameterValueException
from .validation import DLQ_UNSUPPORTED

# facts §3 (recorded from AWS).
DLQ_SQS_DENIED = "The provided execution role does not have permissions to call SendMessage on SQS"
DLQ_SNS_DENIED = "The provided execution role does not have permissions to call Publish on SNS"
# "The function's execution role does not have permissions to call Publish on arn:..." is quoted
# in hashicorp/terraform-provider-aws internal/service/lambda/function_event_invoke_config.go
# (the retry comment of Put/UpdateFunctionEventInvokeConfig) and, for SendMessage, in AWS
# Developer exam material quoting the console error. One CloudFormation log in public code reads
# "The function execution role ..." (InvokeFunction); the majority, "function's", is used.
DESTINATION_DENIED = (
    "The function's execution role does not have permissions to call {action} on {arn}"
)

# service -> (IAM action, the action name in the message)
_DESTINATION_ACTIONS = {
    "sqs": ("sqs:SendMessage", "SendMessage"),
    "sns": ("sns:Publish", "Publish"),
    "lambda": ("lambda:InvokeFunction", "InvokeFunction"),
    "events": ("events:PutEvents", "PutEvents"),
    # S3 on-failure destinations (since Nov 2024, see the OnFailure docs in botocore's Lambda
    # model) need s3:PutObject on the bucket's objects; the message text is unconfirmed.
    "s3": ("s3:PutObject", "PutObject"),
}


def _service(arn: str) -> str:
    parts = arn.split(":", 5)
    return parts[2] if len(parts) == 6 and parts[0] == "arn" else ""


def role_policies(account_id: str, role_arn: str) -> list[dict[str, Any]]:
    """Inline and attached (customer and AWS managed) policies of the role; [] if it is gone."""
    documents = moto_glue.iam_role_policy_documents(account_id, role_arn) or []
    policies = []
    for document in documents:
        try:
            policies.append(iam_eval.parse_policy(document))
        except ValueError:
            continue  # moto validated it on the way in; an unreadable one grants nothing
    return policies


def role_may(account_id: str, role_arn: str, action: str, resource: str) -> bool:
    context = {"aws:PrincipalArn": role_arn, "aws:PrincipalAccount": account_id}
    return iam_eval.is_allowed(role_policies(account_id, role_arn), action, resource, context)


def check_dead_letter_target(account_id: str, role_arn: str, target_arn: str) -> None:
    """CreateFunction / UpdateFunctionConfiguration with a DeadLetterConfig (facts §3)."""
    service = _service(target_arn)
    if service == "sqs":
        if not role_may(account_id, role_arn, "sqs:SendMessage", target_arn):
            raise InvalidParameterValueException(DLQ_SQS_DENIED)
    elif service == "sns":
        if not role_may(account_id, role_arn, "sns:Publish", target_arn):
            raise InvalidParameterValueException(DLQ_SNS_DENIED)
    else:
        raise InvalidParameterValueException(DLQ_UNSUPPORTED.format(arn=target_arn))


def check_destination(account_id: str, role_arn: str, destination_arn: str) -> None:
    """Put/UpdateFunctionEventInvokeConfig with an OnSuccess/OnFailure destination (facts §4).

    Call after validation.validate_event_invoke_config: an unsupported service is its error."""
    service = _service(destination_arn)
    if service not in _DESTINATION_ACTIONS:
        return
    if not may_deliver(account_id, role_arn, destination_arn):
        raise InvalidParameterValueException(
            DESTINATION_DENIED.format(action=_DESTINATION_ACTIONS[service][1], arn=destination_arn)
        )


def may_deliver(account_id: str, role_arn: str, target_arn: str) -> bool:
    """Whether the role may write to a DLQ or destination now (Lambda delivers with it)."""
    service = _service(target_arn)
    if service not in _DESTINATION_ACTIONS:
        return False
    action = _DESTINATION_ACTIONS[service][0]
    resource = f"{target_arn}/*" if service == "s3" else target_arn
    return role_may(account_id, role_arn, action, resource)
