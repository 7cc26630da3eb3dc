"""What the function's execution role may do, and the permission checks Lambda makes with it.

Lambda checks the execution role's identity policies when a dead-letter target or a destination
is configured; a queue or topic policy naming lambda.amazonaws.com does not count. Which action
each service needs is in targets.py (docs/aws-behaviour.md, Destinations and dead-letter targets).
"""

from __future__ import annotations

from typing import Any

from . import iam_eval, iam_propagation, targets
from .moto_glue import InvalidParameterValueException
from .validation import DLQ_UNSUPPORTED

# "The function's execution role does not have permissions to call Publish on arn:..." is quoted
# in hashicorp/terraform-provider-aws internal/service/lambda/function_event_invoke_config.go
# (the retry comment of Put/UpdateFunctionEventInvokeConfig) and, for SendMessage, in AWS
# Developer exam material quoting the console error. One CloudFormation log in public code reads
# "The function execution role ..." (InvokeFunction); the majority, "function's", is used.
# The text for S3 (PutObject) is unconfirmed.
DESTINATION_DENIED = (
    "The function's execution role does not have permissions to call {action} on {arn}"
)
# moto's own text for a role that does not exist; AWS answers it for a role too new for Lambda to
# see, too (docs/aws-behaviour.md, The aws emulator profile: SQS and IAM).
ROLE_NOT_ASSUMABLE = "The role defined for the function cannot be assumed by Lambda."


def check_role_assumable(account_id: str, role_arn: str | None) -> None:
    """CreateFunction / UpdateFunctionConfiguration: a role IAM created moments ago cannot be
    assumed yet (aws profile, iam_propagation_s); moto itself refuses a missing one."""
    if role_arn and not iam_propagation.role_assumable(account_id, role_arn):
        raise InvalidParameterValueException(ROLE_NOT_ASSUMABLE)


def role_policies(account_id: str, role_arn: str) -> list[dict[str, Any]]:
    """Inline and attached (customer and AWS managed) policies of the role; [] if it is gone.
    As Lambda sees them: under the aws profile, as they were iam_propagation_s ago."""
    documents = iam_propagation.role_documents(account_id, role_arn) or []
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
    """CreateFunction / UpdateFunctionConfiguration with a DeadLetterConfig."""
    arn = targets.parse(target_arn)
    target = targets.target_of(arn)
    if arn is None or target is None or target.dead_letter_denied is None:
        raise InvalidParameterValueException(DLQ_UNSUPPORTED.format(arn=target_arn))
    if not role_may(account_id, role_arn, target.action, target.action_resource(arn)):
        raise InvalidParameterValueException(target.dead_letter_denied)


def check_destination(account_id: str, role_arn: str, destination_arn: str) -> None:
    """Put/UpdateFunctionEventInvokeConfig with an OnSuccess/OnFailure destination.

    Call after validation.validate_event_invoke_config: an unsupported service is its error."""
    target = targets.target_of(targets.parse(destination_arn))
    if target is None:
        return
    if not may_deliver(account_id, role_arn, destination_arn):
        action = target.action.split(":", 1)[1]
        raise InvalidParameterValueException(
            DESTINATION_DENIED.format(action=action, arn=destination_arn)
        )


def may_deliver(account_id: str, role_arn: str, target_arn: str) -> bool:
    """Whether the role may write to a DLQ or destination now (Lambda delivers with it)."""
    arn = targets.parse(target_arn)
    target = targets.target_of(arn)
    if arn is None or target is None:
        return False
    return role_may(account_id, role_arn, target.action, target.action_resource(arn))
