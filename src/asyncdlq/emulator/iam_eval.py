"""A small evaluator for IAM identity policies (the execution role's own policies).

moto's evaluator is not used: it mismatches lower-case actions, ``?`` wildcards, NotResource and
most condition operators. This one follows the IAM policy evaluation logic for identity
policies in one account: an explicit Deny wins, else any matching Allow allows, else the request
is implicitly denied. Not modelled: policy variables (``${aws:username}``), permission
boundaries, SCPs, session policies, resource policies, Date/IpAddress/Binary operators.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from enum import Enum
from functools import lru_cache
from typing import Any, Callable, Union
from urllib.parse import unquote

ContextValue = Union[str, Sequence[str]]
Context = Mapping[str, ContextValue]


class Decision(str, Enum):
    ALLOW = "Allow"
    EXPLICIT_DENY = "ExplicitDeny"
    IMPLICIT_DENY = "ImplicitDeny"


# -- wildcards -------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _wildcard_regex(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    """``*`` = any run (also empty, also across ``:`` and ``/``), ``?`` = exactly one character."""
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile("".join(parts), flags)


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    return _wildcard_regex(pattern, ignore_case).fullmatch(value) is not None


# -- documents -------------------------------------------------------------------------------


def parse_policy(document: dict[str, Any] | str) -> dict[str, Any]:
    """A policy as a dict; strings may be JSON or URL-encoded JSON (clients send either)."""
    if isinstance(document, dict):
        return document
    try:
        parsed = json.loads(document)
    except ValueError:
        parsed = json.loads(unquote(document))
    if not isinstance(parsed, dict):
        raise ValueError("a policy document must be a JSON object")
    return parsed


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _as_strings(value: Any) -> list[str]:
    # Policies may carry booleans and numbers ("Bool": {"aws:SecureTransport": false}).
    return [("true" if v else "false") if isinstance(v, bool) else str(v) for v in _as_list(value)]


# -- conditions ------------------------------------------------------------------------------


def _num(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _numeric(test: Callable[[float, float], bool]) -> Callable[[str, str], bool]:
    def compare(ctx: str, pol: str) -> bool:
        a, b = _num(ctx), _num(pol)
        return a is not None and b is not None and test(a, b)

    return compare


def _arn_like(ctx: str, pol: str) -> bool:
    # ARN operators compare the six ARN parts; a context value that is not an ARN never matches.
    return len(ctx.split(":", 5)) == 6 and wildcard_match(pol, ctx)


# The positive form of each operator; "...Not..." operators are the negation of their pair.
_MATCHERS: dict[str, Callable[[str, str], bool]] = {
    "stringequals": lambda c, p: c == p,
    "stringequalsignorecase": lambda c, p: c.lower() == p.lower(),
    "stringlike": lambda c, p: wildcard_match(p, c),
    "arnequals": _arn_like,  # ArnEquals accepts wildcards too, like ArnLike
    "arnlike": _arn_like,
    "bool": lambda c, p: c.lower() == p.lower(),
    "numericequals": _numeric(lambda a, b: a == b),
    "numericlessthan": _numeric(lambda a, b: a < b),
    "numericlessthanequals": _numeric(lambda a, b: a <= b),
    "numericgreaterthan": _numeric(lambda a, b: a > b),
    "numericgreaterthanequals": _numeric(lambda a, b: a >= b),
}
_NEGATED = {
    "stringnotequals": "stringequals",
    "stringnotequalsignorecase": "stringequalsignorecase",
    "stringnotlike": "stringlike",
    "arnnotequals": "arnequals",
    "arnnotlike": "arnlike",
    "numericnotequals": "numericequals",
}


class UnknownOperator(ValueError):
    pass


def _condition_holds(operator: str, key_values: Mapping[str, Any], context: Context) -> bool:
    """One operator block: every key must hold (AND); a key holds if any value matches (OR)."""
    op = operator.lower()
    set_mode = ""
    for prefix in ("foranyvalue:", "forallvalues:"):
        if op.startswith(prefix):
            set_mode, op = prefix[:-1], op[len(prefix) :]
    if_exists = op.endswith("ifexists") and op != "null"
    if if_exists:
        op = op[: -len("ifexists")]
    negated = op in _NEGATED
    base = _NEGATED.get(op, op)
    if base not in _MATCHERS and op != "null":
        raise UnknownOperator(operator)

    lowered = {k.lower(): v for k, v in context.items()}
    for key, raw_policy_values in key_values.items():
        policy_values = _as_strings(raw_policy_values)
        present = key.lower() in lowered
        ctx_values = _as_strings(lowered.get(key.lower()))
        if op == "null":
            # {"Null": {"k": "true"}} holds when k is absent; "false" when it is present.
            if not any((v.lower() == "true") != present for v in policy_values):
                return False
            continue
        if not present:
            # Missing key: IfExists and ForAllValues hold vacuously; negated operators hold (the
            # value cannot equal anything); everything else fails.
            if if_exists or set_mode == "forallvalues" or (negated and set_mode == ""):
                continue
            return False

        def matches(ctx: str, _base: str = base, _pv: list[str] = policy_values) -> bool:
            hit = any(_MATCHERS[_base](ctx, p) for p in _pv)
            return not hit if negated else hit

        if set_mode == "forallvalues":
            holds = all(matches(c) for c in ctx_values)
        elif set_mode == "foranyvalue" or not negated:
            holds = any(matches(c) for c in ctx_values)
        else:  # single-valued negated operator: no context value may match any policy value
            holds = all(matches(c) for c in ctx_values)
        if not holds:
            return False
    return True


def _conditions_hold(conditions: Mapping[str, Any] | None, context: Context) -> bool:
    # Operators are ANDed. An unknown operator raises UnknownOperator; the caller treats the
    # whole statement as not applying (neither allowing nor denying): the conservative reading
    # for Allow, and the same rule for Deny so that one unknown operator cannot flip a decision.
    return all(_condition_holds(op, kv, context) for op, kv in (conditions or {}).items())


# -- statements ------------------------------------------------------------------------------


def _action_matches(statement: Mapping[str, Any], action: str) -> bool:
    if "Action" in statement:
        return any(
            wildcard_match(p, action, ignore_case=True) for p in _as_strings(statement["Action"])
        )
    if "NotAction" in statement:
        return not any(
            wildcard_match(p, action, ignore_case=True) for p in _as_strings(statement["NotAction"])
        )
    return False


def _resource_matches(statement: Mapping[str, Any], resource: str) -> bool:
    if "Resource" in statement:
        return any(wildcard_match(p, resource) for p in _as_strings(statement["Resource"]))
    if "NotResource" in statement:
        return not any(wildcard_match(p, resource) for p in _as_strings(statement["NotResource"]))
    return False  # an identity-policy statement without Resource/NotResource grants nothing


def _applies(statement: Mapping[str, Any], action: str, resource: str, context: Context) -> bool:
    if not (_action_matches(statement, action) and _resource_matches(statement, resource)):
        return False
    try:
        return _conditions_hold(statement.get("Condition"), context)
    except UnknownOperator:
        return False


def evaluate(
    policies: Sequence[dict[str, Any] | str],
    action: str,
    resource: str,
    context: Context | None = None,
) -> Decision:
    allowed = False
    for policy in policies:
        for statement in _as_list(parse_policy(policy).get("Statement")):
            if not isinstance(statement, Mapping):
                continue
            if not _applies(statement, action, resource, context or {}):
                continue
            effect = str(statement.get("Effect", ""))
            if effect == "Deny":
                return Decision.EXPLICIT_DENY
            if effect == "Allow":
                allowed = True
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY


def is_allowed(
    policies: Sequence[dict[str, Any] | str],
    action: str,
    resource: str,
    context: Context | None = None,
) -> bool:
    return evaluate(policies, action, resource, context) is Decision.ALLOW
