"""A JSON (or query) value checked against a botocore shape: its type (a mismatch is AWS's
SerializationException, as its Jackson-based deserializer names it) and, where asked, the
shape's length, range, pattern and enum constraints in AWS's validation-message form
(docs/aws-behaviour.md, "Request validation and error shapes per protocol").
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections.abc import Mapping
from typing import Any

from botocore.model import Shape, StructureShape

from .error_shapes import AwsError

# A parsed value's Java class and a shape's, as AWS's (Jackson) deserializer names them.
_JAVA_CLASS = {
    bool: "java.lang.Boolean",
    int: "java.lang.Integer",
    float: "java.lang.Double",
    str: "java.lang.String",
    list: "java.util.ArrayList",
    dict: "java.util.LinkedHashMap",
}
_JAVA_TYPE = {
    "string": "String",
    "integer": "Integer",
    "long": "Long",
    "boolean": "Boolean",
    "double": "Double",
    "float": "Float",
    "blob": "ByteBuffer",
    "timestamp": "Date",
    "list": "List",
    "map": "Map",
}
# AWS answers an unknown Runtime with its own InvalidParameterValueException (moto renders it).
ENUMS_LEFT_TO_THE_BACKEND = {"Runtime"}


def serialization(value: Any, target: str) -> AwsError:
    java = _JAVA_CLASS.get(type(value), "java.lang.Object")
    return AwsError(
        "SerializationException",
        f"class {java} can not be converted to an {target}",
        query_code="InvalidParameterValue",
    )


def camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def scalar_ok(type_name: str, raw: str) -> bool:
    if type_name == "boolean":
        return raw.lower() in ("true", "false")
    return re.fullmatch(r"[+-]?\d+", raw.strip()) is not None


def coerce_scalar(member: Shape, raw: str) -> Any:
    if member.type_name in ("integer", "long"):
        if not scalar_ok("integer", raw):
            raise serialization(raw, _JAVA_TYPE[member.type_name])
        return int(raw)
    if member.type_name == "boolean":
        if not scalar_ok("boolean", raw):
            raise serialization(raw, "Boolean")
        return raw.lower() == "true"
    return raw


def _type_ok(shape: Shape, value: Any) -> bool:
    kind = shape.type_name
    if kind in ("structure", "map"):
        return isinstance(value, dict)
    if kind == "list":
        return isinstance(value, list)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind in ("integer", "long"):
        return isinstance(value, int) and not isinstance(value, bool)
    if kind in ("double", "float"):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "timestamp":
        return isinstance(value, (int, float, str)) and not isinstance(value, bool)
    return isinstance(value, (str, bytes))  # string, blob


def check_structure(
    shape: StructureShape,
    values: Mapping[str, Any],
    path: str,
    errors: list[tuple[Any, str, str]],
    *,
    constraints: bool,
    skip_blob: bool,
) -> None:
    for name in shape.required_members:
        if values.get(name) is None:
            errors.append((None, path + camel(name), "Member must not be null"))
    for name, member in shape.members.items():
        value = values.get(name)
        if value is not None:
            _check_value(member, value, path + camel(name), name, errors, constraints, skip_blob)


def _check_value(
    shape: Shape,
    value: Any,
    field: str,
    member_name: str,
    errors: list[tuple[Any, str, str]],
    constraints: bool,
    skip_blob: bool,
) -> None:
    if not _type_ok(shape, value):
        raise serialization(value, _JAVA_TYPE.get(shape.type_name, shape.name))
    kind = shape.type_name
    if kind == "structure":
        check_structure(shape, value, field + ".", errors, constraints=constraints, skip_blob=False)  # type: ignore[arg-type]
        return
    if kind == "list":
        for item in value:
            if item is not None:
                _check_value(shape.member, item, f"{field}.member", "", errors, constraints, False)  # type: ignore[attr-defined]
    elif kind == "map":
        keys: list[tuple[Any, str, str]] = []
        values: list[tuple[Any, str, str]] = []
        for key, item in value.items():
            _check_value(shape.key, key, field, "", keys, constraints, False)  # type: ignore[attr-defined]
            if item is not None:
                _check_value(shape.value, item, field, "", values, constraints, False)  # type: ignore[attr-defined]
        # AWS reports a map once, as Java prints it: Value '{k=v}' at 'x' ... Map keys must ...
        shown = "{" + ", ".join(f"{k}={v}" for k, v in value.items()) + "}"
        for part, found in (("keys", keys), ("value", values)):
            if found:
                errors.append(
                    (shown, field, f"Map {part} must satisfy constraint: [{found[0][2]}]")
                )
    elif kind == "blob" and isinstance(value, str) and not skip_blob:
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise AwsError(
                "SerializationException", "Invalid base64 value", query_code="InvalidParameterValue"
            ) from None
    if constraints:
        check_constraints(shape, value, field, member_name, errors)


def check_constraints(
    shape: Shape, value: Any, field: str, member_name: str, errors: list[tuple[Any, str, str]]
) -> None:
    meta = shape.metadata
    kind = shape.type_name
    sized = kind in ("string", "list", "map", "blob")
    size = len(value) if sized else value
    noun = "length" if sized else "value"
    shown = value if kind in ("string", "integer", "long", "double", "float") else "..."
    if "min" in meta and kind != "blob" and isinstance(size, (int, float)) and size < meta["min"]:
        errors.append(
            (shown, field, f"Member must have {noun} greater than or equal to {meta['min']}")
        )
    if "max" in meta and kind != "blob" and isinstance(size, (int, float)) and size > meta["max"]:
        errors.append(
            (shown, field, f"Member must have {noun} less than or equal to {meta['max']}")
        )
    pattern = aws_pattern(shape.name, meta["pattern"]) if "pattern" in meta else None
    if kind == "string" and pattern is not None and _pattern(pattern).fullmatch(value) is None:
        errors.append((shown, field, f"Member must satisfy regular expression pattern: {pattern}"))
    enum = shape.enum if kind == "string" else None  # type: ignore[attr-defined]
    if enum and member_name not in ENUMS_LEFT_TO_THE_BACKEND and value not in enum:
        errors.append(
            (shown, field, f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")
        )


# The function-name shapes whose region part AWS has widened past the pinned botocore model: AWS
# matches and quotes "((eusc-)?[a-z]{2}..." (docs/aws-behaviour.md, Event invoke config, regions
# and names).
_EUSC_SHAPES = frozenset({"NamespacedFunctionName", "FunctionName"})
_REGION_PART = "([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}"


def aws_pattern(shape_name: str, pattern: str) -> str:
    """The pattern AWS applies (and names in its message) to a member of this shape."""
    if shape_name in _EUSC_SHAPES and ":lambda:" in pattern and "(eusc-)?" not in pattern:
        return pattern.replace(_REGION_PART, "((eusc-)?" + _REGION_PART[1:], 1)
    return pattern


@functools.lru_cache(maxsize=1024)
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.DOTALL)
