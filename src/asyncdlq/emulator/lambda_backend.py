"""moto's Lambda backend, extended: dead-letter config, event invoke config, real execution.

Subclassing keeps moto's whole Lambda API (create, update, versions, aliases, tags, ...) and
changes only what moto gets wrong for this product: it drops DeadLetterConfig, appends event
invoke configs instead of replacing them, and runs code only in Docker.

moto builds a backend per account and region itself, from a class, on first use. So each emulator
gets its own subclass, bound to the emulator (its ``LambdaHost``), and its own ``LambdaBackends``:
a backend reaches the pool and the engine through its class, never through a global.
"""

from __future__ import annotations

import base64
import copy
import functools
import json
import uuid
from typing import Any, ClassVar, Protocol

from ..aws.arn import Arn
from . import event_invoke_configs as configs
from . import function_config_checks as checks
from . import function_shape, permissions, validation
from .async_events import AsyncEvent, AsyncSettings
from .event_invoke_configs import EventInvokeConfigs
from .function_state import PENDING_S, FunctionLifecycle, StateView
from .moto_glue import (
    BackendDict,
    LambdaBackend,
    LambdaClientError,
    LambdaFunction,
    UnknownFunctionException,
    lambda_function_exists,
    moto_function_configuration,
    store_function,
)
from .moto_glue import InvalidParameterValueException as InvalidParameterValue
from .runtime.spec import AttemptResult, FunctionSpec
from .runtime.workers import Throttled
from .trigger_sources import TriggerSource


class LambdaHost(Protocol):
    """What a Lambda backend needs of the emulator it belongs to (instance.Emulator)."""

    def run_attempt(
        self, spec: FunctionSpec, request_id: str, payload: bytes, limit: int | None = None
    ) -> AttemptResult:
        """Run one attempt; raises workers.Throttled when ``limit`` attempts already run."""
        ...

    def submit(self, event: AsyncEvent) -> None:
        """Hand an accepted Event invocation to the async engine."""
        ...

    def retire_function(self, function_arn: str, version: str | None) -> None:
        """Stop the execution environments of a deleted function (or one version of it)."""
        ...


class TooManyRequests(LambdaClientError):
    """A synchronous invoke beyond the function's reserved concurrency (docs/aws-behaviour.md, The
    invoke call)."""

    code = 429

    def __init__(self) -> None:
        super().__init__("TooManyRequestsException", "Rate Exceeded.")
        self.description = json.dumps(
            {
                "__type": "TooManyRequestsException",
                "message": "Rate Exceeded.",
                "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
            }
        )


class EmulatedFunction(LambdaFunction):
    def __init__(
        self,
        account_id: str,
        spec: dict[str, Any],
        region: str,
        version: str | int = 1,
        time_scale: float = 0.0,
        pending_s: float = PENDING_S,
    ) -> None:
        super().__init__(account_id, spec, region, version)
        # Pending -> Active, InProgress -> Successful, RevisionId (function_state.py).
        self.lifecycle = FunctionLifecycle(time_scale, pending_s=pending_s)
        # AWS answers Environment once it was set, even to no variables, and never before
        # (docs/aws-behaviour.md, Function configuration and states).
        self.environment_set = spec.get("Environment") is not None
        self.dead_letter_arn: str | None = (spec.get("DeadLetterConfig") or {}).get("TargetArn")
        # What moto drops and Terraform reads back: without them every plan shows a change.
        self.kms_key_arn: str | None = spec.get("KMSKeyArn") or None
        self.logging_config: dict[str, Any] = {
            "LogFormat": "Text",
            **(spec.get("LoggingConfig") or {}),
        }

    def get_configuration(self, on_create: bool = False) -> dict[str, Any]:
        # The create response shows the state creation left, however short Pending is.
        return self._shaped(self.lifecycle.view(advance=not on_create), on_create)

    def _shaped(self, state: StateView, on_create: bool = False) -> dict[str, Any]:
        extras = function_shape.Extras(
            state=state,
            environment=dict(self.environment_vars or {}) if self.environment_set else None,
            dead_letter_arn=self.dead_letter_arn,
            kms_key_arn=self.kms_key_arn,
            logging_config={"LogGroup": self.logs_group_name, **self.logging_config},
        )
        config = moto_function_configuration(self, on_create)
        return function_shape.configuration(config, extras, self.partition, self.region)

    def set_version(self, version: int) -> None:
        # moto publishes a shallow copy of $LATEST (moto_glue.moto_publishes_by_copy): the copy
        # gets a life cycle of its own, and publishing revises $LATEST (AWS's RevisionId changes).
        super().set_version(version)
        latest = self.lifecycle
        self.lifecycle = latest.published()
        latest.revised()

    def update_function_code(self, updated_spec: dict[str, Any]) -> dict[str, Any]:
        super().update_function_code(updated_spec)
        return self._shaped(self.lifecycle.updated())  # the response shows InProgress

    def update_configuration(self, config_updates: dict[str, Any]) -> dict[str, Any]:
        if config_updates.get("Role"):
            permissions.check_role_assumable(self.account_id, config_updates["Role"])
        if "Environment" in config_updates:
            checks.check_environment((config_updates["Environment"] or {}).get("Variables"))
            self.environment_set = True
        if "DeadLetterConfig" in config_updates:
            # An empty TargetArn is how clients remove the DLQ.
            target = (config_updates["DeadLetterConfig"] or {}).get("TargetArn") or None
            validation.validate_dead_letter_arn(target, allow_empty=True)
            if target:
                role = config_updates.get("Role") or self.role
                permissions.check_dead_letter_target(self.account_id, role, target)
            self.dead_letter_arn = target
        if "KMSKeyArn" in config_updates:
            self.kms_key_arn = config_updates["KMSKeyArn"] or None
        if "TracingConfig" in config_updates:
            self.tracing_config = config_updates["TracingConfig"] or {"Mode": "PassThrough"}
        if "LoggingConfig" in config_updates:
            self.logging_config = {**self.logging_config, **(config_updates["LoggingConfig"] or {})}
            if self.logging_config.get("LogFormat") == "Text":
                # Log levels exist only with the JSON format; AWS drops them with Text.
                self.logging_config.pop("ApplicationLogLevel", None)
                self.logging_config.pop("SystemLogLevel", None)
        super().update_configuration(config_updates)
        return self._shaped(self.lifecycle.updated())  # the response shows InProgress

    def get_code(self) -> dict[str, Any]:
        code = super().get_code()
        if self.reserved_concurrency is not None:
            # moto leaves out a reserved concurrency of 0, the one that matters most here.
            code["Concurrency"] = {"ReservedConcurrentExecutions": int(self.reserved_concurrency)}
        return code

    @property
    def concurrency_limit(self) -> int | None:
        return None if self.reserved_concurrency is None else int(self.reserved_concurrency)

    def async_settings(self) -> AsyncSettings:
        """The function's own part of its async settings; the event invoke config of the invoked
        qualifier is applied on top (event_invoke_configs.with_config)."""
        return AsyncSettings(
            dead_letter_arn=self.dead_letter_arn,
            reserved_concurrency=self.concurrency_limit,
            role_arn=self.role,
        )

    def execution_spec(self, invoked_arn: str = "") -> FunctionSpec:
        """The spec an attempt runs with; ``invoked_arn`` is what the caller named."""
        return FunctionSpec(
            account_id=self.account_id,
            region=self.region,
            function_name=self.function_name,
            function_arn=str(
                Arn.function(self.partition, self.region, self.account_id, self.function_name)
            ),
            version=str(self.version),
            handler=self.handler or "",
            runtime=self.run_time or "",
            memory_mb=int(self.memory_size),
            timeout_s=float(self.timeout),
            environment=tuple(sorted((self.environment_vars or {}).items())),
            code_sha256=self.code_sha_256,
            code_zip=self.code_bytes,
            log_group_name=self.logging_config.get("LogGroup") or self.logs_group_name,
            invoked_arn=invoked_arn,
            role_arn=self.role or "",
        )


class EmulatedLambdaBackend(LambdaBackend):
    # Set on the per-emulator subclass LambdaBackends makes: moto constructs backends itself.
    host: ClassVar[LambdaHost]
    siblings: ClassVar[LambdaBackends]  # every account's and region's: a destination's, too

    def create_function(self, spec: dict[str, Any]) -> LambdaFunction:
        if spec.get("FunctionName") is None:
            raise InvalidParameterValue("Missing FunctionName")
        checks.check_environment((spec.get("Environment") or {}).get("Variables"))
        permissions.check_role_assumable(self.account_id, spec.get("Role"))  # IAM propagation
        if "DeadLetterConfig" in spec:
            # Lambda checks the role at CreateFunction (docs/aws-behaviour.md, Dead-letter queues);
            # hence the module's depends_on.
            target = (spec["DeadLetterConfig"] or {}).get("TargetArn")
            validation.validate_dead_letter_arn(target)
            permissions.check_dead_letter_target(self.account_id, spec["Role"], target)
        fn = EmulatedFunction(
            self.account_id,
            spec,
            self.region_name,
            "$LATEST",
            _time_scale(self.host),
            _pending_s(self.host),
        )
        if fn.package_type == "Zip":
            # ZipFile or S3 object alike; no code at all reads as an empty archive.
            checks.check_zip(getattr(fn, "code_bytes", b""))
        store_function(self, fn)
        if spec.get("Publish"):
            published = self.publish_version(spec["FunctionName"])
            fn = copy.deepcopy(fn)  # the response shows the version; the stored $LATEST stays
            fn.version = published.version  # type: ignore[union-attr]
            fn.lifecycle = published.lifecycle  # type: ignore[union-attr]
        return fn

    def update_function_code(
        self, function_name: str, qualifier: str, body: dict[str, Any]
    ) -> dict[str, Any] | None:
        if body.get("ZipFile"):
            checks.check_zip(base64.b64decode(body["ZipFile"]))  # before moto stores it
        return super().update_function_code(function_name, qualifier, body)

    # -- event invoke configs, one per version or alias (event_invoke_configs.py) -----------------
    @functools.cached_property
    def event_invoke_configs(self) -> EventInvokeConfigs:
        return EventInvokeConfigs()  # goes with the backend on moto's reset

    def put_function_event_invoke_config(
        self, function_name: str, config: dict[str, Any], qualifier: str | None = None
    ) -> dict[str, Any]:
        target = configs.target_of(self, function_name, qualifier)
        validation.validate_event_invoke_config_shape(config)  # even for a missing function
        configs.require_function(self, target)
        self._check_destinations(target, config)
        return self.event_invoke_configs.put(target, config)

    def update_function_event_invoke_config(
        self, function_name: str, config: dict[str, Any], qualifier: str | None = None
    ) -> dict[str, Any]:
        target = configs.target_of(self, function_name, qualifier)
        validation.validate_event_invoke_config_shape(config)
        configs.require_function(self, target)
        self.event_invoke_configs.get(target)  # no config yet: AWS names the qualifier
        self._check_destinations(target, config)  # the request is checked, not the merge
        return self.event_invoke_configs.update(target, config)

    def _check_destinations(self, target: configs.Target, config: dict[str, Any]) -> None:
        fn = self.get_function(target.name, target.qualifier)
        validation.validate_event_invoke_config(
            fn.function_arn, config, function_exists=self.siblings.function_exists
        )
        for kind in ("OnSuccess", "OnFailure"):
            arn = ((config.get("DestinationConfig") or {}).get(kind) or {}).get("Destination")
            if arn:
                permissions.check_destination(self.account_id, fn.role, arn)

    def get_function_event_invoke_config(
        self, function_name: str, qualifier: str | None = None
    ) -> dict[str, Any]:
        # A missing function answers as a missing config does (docs/aws-behaviour.md, Event
        # invoke config, regions and names).
        return self.event_invoke_configs.get(configs.target_of(self, function_name, qualifier))

    def delete_function_event_invoke_config(
        self, function_name: str, qualifier: str | None = None
    ) -> None:
        self.event_invoke_configs.delete(configs.target_of(self, function_name, qualifier))

    def list_function_event_invoke_configs(
        self, function_name: str, marker: str | None = None, max_items: int | None = None
    ) -> dict[str, Any]:
        target = configs.target_of(self, function_name, None)
        configs.require_function(self, target)
        return self.event_invoke_configs.listing(self, target.name, marker, max_items)

    # -- deletion stops the function's execution environments (runtime helper's region) ------
    def delete_function(self, function_name: str, qualifier: str | None = None) -> None:
        try:
            fn = self.get_function(function_name, qualifier)
        except Exception:  # an unknown or malformed name: moto's own delete answers below
            fn = None
        super().delete_function(function_name, qualifier)
        if fn is not None:
            arn = Arn.function(fn.partition, self.region_name, self.account_id, fn.function_name)
            qualified = qualifier or _qualifier_in(function_name)
            self.event_invoke_configs.forget(fn.function_name, qualified)
            self.host.retire_function(str(arn), str(fn.version) if qualified else None)

    # -- invocation -----------------------------------------------------------------------------
    def find_function(self, function_name: str, qualifier: str | None) -> EmulatedFunction:
        try:
            fn = self.get_function(function_name, qualifier)
        except UnknownFunctionException:
            fn = None
        if not isinstance(fn, EmulatedFunction):
            arn = Arn.function(
                self.partition,
                self.region_name,
                self.account_id,
                _name_in(function_name),
                qualifier or "$LATEST",
            )
            raise UnknownFunctionException(str(arn))
        return fn

    def invoked_arn(self, function_name: str, qualifier: str | None) -> str:
        """The ARN an Invoke request names (FunctionName and Qualifier as the caller sent them),
        as the handler's context shows it: unqualified for a bare name (docs/aws-behaviour.md,
        Function configuration and states)."""
        name, qualifier = _name_in(function_name), qualifier or _qualifier_in(function_name)
        return str(Arn.function(self.partition, self.region_name, self.account_id, name, qualifier))

    def invoke_sync(
        self,
        fn: EmulatedFunction,
        payload: bytes,
        request_id: str,
        invoked_arn: str | None = None,
    ) -> AttemptResult:
        fn.lifecycle.check_invocable()
        limit = fn.concurrency_limit
        if limit == 0:
            raise TooManyRequests()
        version = None if fn.version == "$LATEST" else str(fn.version)
        spec = fn.execution_spec(invoked_arn or self.invoked_arn(fn.function_name, version))
        try:
            return self.host.run_attempt(spec, request_id, payload, limit)
        except Throttled:
            raise TooManyRequests() from None

    def invoke_async(
        self,
        fn: EmulatedFunction,
        qualifier: str | None,
        payload: bytes,
        invoked_arn: str | None = None,
        source: TriggerSource | None = None,
    ) -> str:
        fn.lifecycle.check_invocable()
        invoked = invoked_arn or self.invoked_arn(fn.function_name, qualifier)
        request_id = str(uuid.uuid4())
        event = AsyncEvent(
            request_id=request_id,
            account_id=self.account_id,
            region=self.region_name,
            function_name=fn.function_name,
            qualifier=Arn.parse(invoked).qualifier or "$LATEST",
            payload=payload,
            # The caller's ARN, for the handler's context.invoked_function_arn.
            invoked_arn=invoked,
            source=source,
        )
        self.host.submit(event)
        return request_id


class LambdaBackends:
    """One emulator's Lambda backends, one per account and region, as moto makes them."""

    def __init__(self, host: LambdaHost) -> None:
        attributes = {"host": host, "siblings": self}
        bound = type("BoundLambdaBackend", (EmulatedLambdaBackend,), attributes)
        # moto's reset (BackendDict.reset) clears these with every other backend.
        self._backends: BackendDict[EmulatedLambdaBackend] = BackendDict(bound, "lambda")

    def backend(self, account_id: str, region: str) -> EmulatedLambdaBackend:
        return self._backends[account_id][region]

    def function_exists(self, arn: Arn) -> bool:
        """Whether the function (and its version or alias, if named) exists: validation's look-up
        of a Lambda destination, in whichever account and region it names."""
        backend = self.backend(arn.account, arn.region)
        return lambda_function_exists(backend, arn.name, arn.qualifier)

    def submit_async(self, account_id: str, region: str, function_arn: str, payload: bytes) -> str:
        """An Event invoke from inside the emulator (a Lambda destination); its request ID."""
        arn = Arn.parse(function_arn)
        backend = self.backend(account_id, region)
        fn = backend.find_function(arn.name, arn.qualifier)
        return backend.invoke_async(fn, arn.qualifier, payload)

    def resolve(self, event: AsyncEvent) -> tuple[FunctionSpec, AsyncSettings] | None:
        """The function as it is now (events queued before an update run the new code); None
        once it is deleted."""
        backend = self.backend(event.account_id, event.region)
        try:
            fn = backend.find_function(event.function_name, event.qualifier)
        except UnknownFunctionException:
            return None
        config = backend.event_invoke_configs.config_of(event.function_name, event.qualifier)
        spec = fn.execution_spec(_invoked_arn_of(event, fn))
        return spec, configs.with_config(fn.async_settings(), config)


def _time_scale(host: LambdaHost) -> float:
    """The emulator's time scale; a host without one (the backend's fakes) has no delays."""
    return float(getattr(getattr(host, "config", None), "time_scale", 0.0))


def _pending_s(host: LambdaHost) -> float:
    """How long a new function stays Pending under the emulator's profile (AWS seconds)."""
    profile = getattr(getattr(host, "config", None), "profile", None)
    return float(getattr(profile, "pending_s", PENDING_S))


def _invoked_arn_of(event: AsyncEvent, fn: EmulatedFunction) -> str:
    """What the caller of an Event invoke named; an event made without it (the engine's and the
    backend's tests build them) names $LATEST unqualified, a version or alias qualified."""
    invoked = getattr(event, "invoked_arn", "")
    if invoked:
        return str(invoked)
    qualifier = None if event.qualifier == "$LATEST" else event.qualifier
    return str(
        Arn.function(fn.partition, event.region, event.account_id, fn.function_name, qualifier)
    )


def _name_in(function_name: str) -> str:
    """The name in a FunctionName parameter: a name, ``name:qualifier``, a partial ARN
    (``account:function:name``) or a full ARN."""
    if function_name.startswith("arn:"):
        return Arn.parse(function_name).name
    return function_name.split(":function:")[-1].split(":")[0]


def _qualifier_in(function_name: str) -> str | None:
    if function_name.startswith("arn:"):
        return Arn.parse(function_name).qualifier
    _, _, qualifier = function_name.split(":function:")[-1].partition(":")
    return qualifier or None
