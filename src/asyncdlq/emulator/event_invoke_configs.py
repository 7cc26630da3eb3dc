"""Event invoke configs: one per function version or alias, as Lambda keeps them
(docs/aws-behaviour.md, Event invoke config, regions and names).

Put replaces a qualifier's config, Update merges into it; Get, Update, Delete and List name the
qualifier they looked for. A response always carries both destinations, ``{}`` where none is
set, and the qualified ARN of the version or alias the config belongs to.

The store belongs to one Lambda backend (one account and region): moto's reset drops it with the
backend. ``EventInvokeConfigResponse`` is the HTTP side, a mixin of the Lambda response class:
moto's own routes pass the backend the function name only, never the ``Qualifier``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol
from urllib.parse import unquote

from ..aws.arn import Arn
from .async_events import AsyncSettings
from .moto_glue import LambdaClientError, LambdaFunction, lambda_function_exists
from .validation import split_function_name

LATEST = "$LATEST"
FUNCTION_MISSING = "The function doesn't exist."
NO_CONFIG = "The function {arn} doesn't have an EventInvokeConfig"
_MAX_ITEMS = 50  # botocore's MaxFunctionEventInvokeConfigListItems allows 1..50


class ResourceNotFound(LambdaClientError):
    code = 404

    def __init__(self, message: str) -> None:
        super().__init__("ResourceNotFoundException", message)


class ConfigBackend(Protocol):
    """What the store needs of a Lambda backend (lambda_backend.EmulatedLambdaBackend)."""

    account_id: str
    region_name: str
    partition: str

    def get_function(self, function_name: str, qualifier: str | None = None) -> LambdaFunction: ...


@dataclass(frozen=True)
class Target:
    """The version or alias a request names; ``arn`` is its qualified ARN."""

    name: str
    qualifier: str
    arn: str


@dataclass
class _Record:
    config: dict[str, Any]
    last_modified: float


def target_of(backend: ConfigBackend, function_name: str, qualifier: str | None) -> Target:
    """FunctionName as a name, ``name:qualifier``, a partial or full ARN, and the Qualifier
    parameter (request_validation already refused the two disagreeing)."""
    name, derived = split_function_name(function_name)
    chosen = derived or qualifier or LATEST
    arn = Arn.function(backend.partition, backend.region_name, backend.account_id, name, chosen)
    return Target(name, chosen, str(arn))


def response_of(target: Target, record: _Record) -> dict[str, Any]:
    destinations = record.config.get("DestinationConfig") or {}
    body: dict[str, Any] = {
        "FunctionArn": target.arn,
        "LastModified": record.last_modified,
        "DestinationConfig": {
            kind: (
                {"Destination": arn}
                if (arn := (destinations.get(kind) or {}).get("Destination"))
                else {}
            )
            for kind in ("OnSuccess", "OnFailure")
        },
    }
    for key in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds"):
        if record.config.get(key) is not None:
            body[key] = record.config[key]
    return body


class EventInvokeConfigs:
    """One backend's configs, by function name and qualifier (insertion ordered)."""

    def __init__(self) -> None:
        self._configs: dict[str, dict[str, _Record]] = {}

    def put(self, target: Target, config: Mapping[str, Any]) -> dict[str, Any]:
        record = _Record(_settings(config), time.time())
        self._configs.setdefault(target.name, {})[target.qualifier] = record
        return response_of(target, record)

    def update(self, target: Target, config: Mapping[str, Any]) -> dict[str, Any]:
        record = self._find(target)
        merged = {**record.config, **_settings(config)}
        return self.put(target, merged)

    def get(self, target: Target) -> dict[str, Any]:
        return response_of(target, self._find(target))

    def delete(self, target: Target) -> None:
        self._find(target)
        del self._configs[target.name][target.qualifier]

    def config_of(self, name: str, qualifier: str | None) -> dict[str, Any] | None:
        record = self._configs.get(name, {}).get(qualifier or LATEST)
        return None if record is None else dict(record.config)

    def listing(
        self, backend: ConfigBackend, name: str, marker: str | None, max_items: int | None
    ) -> dict[str, Any]:
        records = list(self._configs.get(name, {}).items())
        start = int(marker) if marker and marker.isdigit() else 0
        count = min(max_items or _MAX_ITEMS, _MAX_ITEMS)
        page = records[start : start + count]
        body: dict[str, Any] = {
            "FunctionEventInvokeConfigs": [
                response_of(target_of(backend, name, qualifier), record)
                for qualifier, record in page
            ]
        }
        if start + count < len(records):
            body["NextMarker"] = str(start + count)  # opaque to clients, as AWS's is
        return body

    def forget(self, name: str, qualifier: str | None = None) -> None:
        """A deleted function (or version) takes its configs with it."""
        if qualifier is None:
            self._configs.pop(name, None)
        else:
            self._configs.get(name, {}).pop(qualifier, None)

    def _find(self, target: Target) -> _Record:
        record = self._configs.get(target.name, {}).get(target.qualifier)
        if record is None:
            raise ResourceNotFound(NO_CONFIG.format(arn=target.arn))
        return record


def require_function(backend: ConfigBackend, target: Target) -> None:
    """Put, Update and List answer "doesn't exist" for a missing function, version or alias."""
    if not lambda_function_exists(backend, target.name, target.qualifier):  # type: ignore[arg-type]
        raise ResourceNotFound(FUNCTION_MISSING)


def with_config(settings: AsyncSettings, config: Mapping[str, Any] | None) -> AsyncSettings:
    """The function's async settings with the invoked qualifier's event invoke config."""
    config = config or {}
    destinations = config.get("DestinationConfig") or {}
    return replace(
        settings,
        maximum_retry_attempts=config.get("MaximumRetryAttempts", settings.maximum_retry_attempts),
        maximum_event_age_s=config.get("MaximumEventAgeInSeconds", settings.maximum_event_age_s),
        on_success_arn=(destinations.get("OnSuccess") or {}).get("Destination") or None,
        on_failure_arn=(destinations.get("OnFailure") or {}).get("Destination") or None,
    )


def _settings(config: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")
    return {k: config[k] for k in keys if config.get(k) is not None}


class EventInvokeConfigResponse:
    """The event-invoke-config routes, with the Qualifier, Marker and MaxItems moto drops."""

    # Supplied by moto's LambdaResponse and the emulator's response class.
    path: str
    querystring: dict[str, list[str]]
    body: Any
    backend: Any

    def _function_name(self) -> str:
        return unquote(self.path.split("/functions/", 1)[1].split("/", 1)[0])

    def _query(self, name: str) -> str | None:
        return (self.querystring.get(name) or [None])[0]

    def _json_body(self) -> dict[str, Any]:
        return json.loads(self.body or "{}")

    def put_function_event_invoke_config(self) -> tuple[int, dict[str, str], str]:
        body = self.backend.put_function_event_invoke_config(
            self._function_name(), self._json_body(), self._query("Qualifier")
        )
        return 200, {}, json.dumps(body)

    def update_function_event_invoke_config(self) -> tuple[int, dict[str, str], str]:
        body = self.backend.update_function_event_invoke_config(
            self._function_name(), self._json_body(), self._query("Qualifier")
        )
        return 200, {}, json.dumps(body)

    def get_function_event_invoke_config(self) -> tuple[int, dict[str, str], str]:
        body = self.backend.get_function_event_invoke_config(
            self._function_name(), self._query("Qualifier")
        )
        return 200, {}, json.dumps(body)

    def delete_function_event_invoke_config(self) -> tuple[int, dict[str, str], str]:
        self.backend.delete_function_event_invoke_config(
            self._function_name(), self._query("Qualifier")
        )
        return 204, {"status": "204"}, ""

    def list_function_event_invoke_configs(self) -> tuple[int, dict[str, str], str]:
        max_items = self._query("MaxItems")
        body = self.backend.list_function_event_invoke_configs(
            self._function_name(),
            self._query("Marker"),
            int(max_items) if max_items and max_items.isdigit() else None,
        )
        return 200, {}, json.dumps(body)
