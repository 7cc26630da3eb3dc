"""Whether a function's resource-based policy (its AddPermission statements) lets a service
invoke it: the check AWS makes before SNS, EventBridge or S3 may deliver an event. The same check
(``service_may``) decides whether a queue's policy lets SNS or EventBridge send to it as their
own dead-letter queue.

Pure: the caller reads the policy document (moto_glue.lambda_resource_policy) and passes what
the service's request carries. Action, Resource and Condition are matched by iam_eval, so
ArnLike/ArnEquals on ``AWS:SourceArn`` and StringEquals on ``AWS:SourceAccount`` follow the same
rules as identity policies (condition keys case-insensitive). Principals are matched here.

A statement applies only to the ARN it was added on: a permission on the unqualified function
does not cover a version or an alias, and one on an alias does not cover the version it points
to (docs/aws-behaviour.md, Resource-based permissions for triggers).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import iam_eval

INVOKE = "lambda:InvokeFunction"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # one line, for the CLI and the event log


def may_invoke(
    policy_document: dict[str, Any] | str | None,
    principal_service: str,
    source_arn: str,
    source_account: str,
    function_arn_invoked: str,
) -> Decision:
    """Whether ``principal_service`` (``sns.amazonaws.com``; an account id or principal ARN
    also works), acting for ``source_arn`` owned by ``source_account``, may invoke
    ``function_arn_invoked`` (qualified or not) under ``policy_document``."""
    return service_may(
        policy_document,
        principal_service,
        INVOKE,
        _as_resource(function_arn_invoked),
        source_arn,
        source_account,
        doing=f"invoke {function_arn_invoked}",
        owner="the function",
    )


def service_may(
    policy_document: dict[str, Any] | str | None,
    principal_service: str,
    action: str,
    resource: str,
    source_arn: str,
    source_account: str,
    *,
    doing: str,
    owner: str,
) -> Decision:
    """Whether a service acting for ``source_arn`` may do ``action`` on ``resource`` under that
    resource's policy (a function's, or a queue's for a service's own dead-letter queue).
    ``doing`` and ``owner`` word the refusal: "... to <doing>; <owner> has no ... policy"."""
    statements = _statements(policy_document)
    refused = (
        f"no permission for {principal_service} from {source_arn} (account {source_account})"
        f" to {doing}"
    )
    if not statements:
        return Decision(False, f"{refused}; {owner} has no resource-based policy")
    context = {"aws:SourceArn": source_arn, "aws:SourceAccount": source_account}
    allowing: str | None = None
    nearest: str | None = None
    for index, statement in enumerate(statements):
        sid = str(statement.get("Sid", f"#{index}"))
        if not _principal_matches(statement, principal_service):
            continue
        miss = _mismatch(statement, action, resource, context)
        if miss is not None:
            nearest = nearest or f"statement {sid} {miss}"
            continue
        if statement.get("Effect") == "Deny":
            # AddPermission cannot write a Deny (it has no Effect parameter); a document that
            # holds one anyway gets IAM's rule: an explicit Deny wins.
            return Decision(False, f"statement {sid} denies {principal_service}")
        if statement.get("Effect") == "Allow" and allowing is None:
            allowing = sid
    if allowing is not None:
        return Decision(True, f"allowed by statement {allowing}")
    return Decision(False, f"{refused}; {nearest}" if nearest else refused)


def _statements(policy_document: dict[str, Any] | str | None) -> list[Mapping[str, Any]]:
    if policy_document is None:
        return []
    statements = iam_eval.parse_policy(policy_document).get("Statement") or []
    if isinstance(statements, Mapping):
        statements = [statements]
    return [s for s in statements if isinstance(s, Mapping)]


def _as_resource(function_arn: str) -> str:
    # Unconfirmed: an invocation of "...:function:f:$LATEST" is matched as the unqualified ARN
    # (AWS refuses AddPermission on $LATEST, and the unqualified ARN stands for $LATEST).
    return function_arn.removesuffix(":$LATEST")


def _mismatch(
    statement: Mapping[str, Any], action: str, resource: str, context: dict[str, str]
) -> str | None:
    """Why the statement (its principal already matched) does not grant ``action``."""
    probe = {k: v for k, v in statement.items() if k not in ("Principal", "NotPrincipal")}
    probe["Effect"] = "Allow"
    without_conditions = {k: v for k, v in probe.items() if k != "Condition"}
    any_resource = {k: v for k, v in without_conditions.items() if k != "NotResource"}
    if not iam_eval.is_allowed([{"Statement": [{**any_resource, "Resource": "*"}]}], action, "x"):
        return f"does not grant {action}"
    if not iam_eval.is_allowed([{"Statement": [without_conditions]}], action, resource):
        return f"is for {statement.get('Resource', statement.get('NotResource'))}"
    if not iam_eval.is_allowed([{"Statement": [probe]}], action, resource, context):
        return f"has conditions not met: {_conditions_text(statement.get('Condition'))}"
    return None


def _conditions_text(conditions: Any) -> str:
    if not isinstance(conditions, Mapping):
        return str(conditions)
    return ", ".join(f"{op} {dict(kv)}" for op, kv in conditions.items() if isinstance(kv, Mapping))


def _principal_matches(statement: Mapping[str, Any], principal: str) -> bool:
    if "NotPrincipal" in statement:
        return not _principal_in(statement["NotPrincipal"], principal)
    return _principal_in(statement.get("Principal"), principal)


def _principal_in(value: Any, principal: str) -> bool:
    if value == "*":
        return True
    if isinstance(value, str):
        # moto stores an account-id principal as the bare string (AWS writes {"AWS": ...root}).
        return _aws_principal_matches(value, principal)
    if not isinstance(value, Mapping):
        return False
    if any(s.lower() == principal.lower() for s in _strings(value.get("Service"))):
        return True
    return any(_aws_principal_matches(p, principal) for p in _strings(value.get("AWS")))


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


def _aws_principal_matches(named: str, principal: str) -> bool:
    """An account id or its ``:root`` ARN names the whole account; any other ARN names itself."""
    if named in ("*", principal):
        return True
    account = principal if principal.isdigit() else _account_of(principal)
    if account is None:
        return False
    return named == account or (named.startswith("arn:") and named.endswith(f"::{account}:root"))


def _account_of(arn: str) -> str | None:
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 and parts[4].isdigit() else None
