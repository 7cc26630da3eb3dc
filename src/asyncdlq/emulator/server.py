"""One HTTP endpoint on loopback for every emulated service, plus /_asyncdlq/ introspection.

Every request passes ``request_guard`` first: only local clients, never a web page."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterable
from typing import Any, Callable

from .. import __version__
from . import caller_iam, iam_propagation, moto_sqs_profile, moto_triggers
from .error_boundary import AwsErrorBoundary
from .http import KeepAliveWSGIServer
from .instance import DEFAULT_ASYNC_PAYLOAD_LIMIT, Emulator, EmulatorConfig
from .logs_throttle import FilterLogEventsThrottle
from .moto_glue import (
    CachedDispatcher,
    app_factory,
    install_sqs_index,
    uninstall_sqs_index,
)
from .profile import PLAIN, EmulatorProfile
from .request_guard import GuardPolicy, RequestGuard, normalize_origin

log = logging.getLogger(__name__)

INTROSPECTION_PREFIX = "/_asyncdlq/"


class EmulatorApp:
    """WSGI app: our introspection routes, else moto's dispatcher with our Lambda."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.moto = CachedDispatcher(app_factory(emulator.lambda_response))

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/moto-api/reset" and environ.get("REQUEST_METHOD") == "POST":
            # moto's reset clears its backends; queued events and their workers go with them.
            for event in self.emulator.reset():
                log.warning(
                    "reset dropped pending event %s of %s", event.request_id, event.function_name
                )
        if path.startswith(INTROSPECTION_PREFIX):
            return self._introspect(path[len(INTROSPECTION_PREFIX) :], start_response)
        return self.moto(environ, start_response)

    def _introspect(self, route: str, start_response: Callable[..., Any]) -> Iterable[bytes]:
        if route == "health":
            body: Any = {
                "status": "ok",
                "service": "asyncdlq-emulator",
                "version": __version__,
                "time_scale": self.emulator.config.time_scale,
                "profile": self.emulator.config.profile.name,
                "pid": os.getpid(),
                # What the invocation log holds against its budget (--event-log-mb).
                "event_log_bytes": self.emulator.engine.event_log.total_bytes,
                "event_log_budget_bytes": self.emulator.engine.event_log.budget_bytes,
            }
        elif route == "invocations":
            refused = self.emulator.triggers.deliveries.refusals.refusals()
            body = {
                "invocations": [e.summary() for e in self.emulator.engine.events()],
                # Deliveries SNS, EventBridge or S3 made that Lambda refused (trigger_sources.py).
                "refused": [r.summary() for r in refused],
            }
        else:
            start_response("404 Not Found", [("Content-Type", "application/json")])
            return [json.dumps({"error": f"unknown route /_asyncdlq/{route}"}).encode()]
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]


class EmulatorServer:
    """The emulator bound to a socket; ``serve_forever`` in the foreground or ``start`` a thread."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 4599,
        time_scale: float = 1.0,
        async_payload_limit: int | None = None,
        duplicate_rate: float = 0.0,
        seed: int | None = None,
        *,
        cors_origins: Iterable[str] = (),
        allow_moto_api: bool = False,
        allowed_hosts: Iterable[str] = (),
        idle_timeout_s: float | None = None,
        event_log_bytes: int | None = None,
        adopt_orphans: bool = False,
        profile: EmulatorProfile = PLAIN,
        enforce_caller_iam: bool = False,
        caller_iam_act_as: str | None = None,
    ) -> None:
        cors_origins = [normalize_origin(o) for o in cors_origins]  # refused before binding
        # Bind first so port 0 resolves to the real port the functions must call back to.
        self._http = _BindingServer(host, port, _NotReady())
        self.host, self.port = host, int(self._http.server_address[1])
        limit = DEFAULT_ASYNC_PAYLOAD_LIMIT if async_payload_limit is None else async_payload_limit
        bounds: dict[str, Any] = {}  # unset: EmulatorConfig's defaults
        if idle_timeout_s is not None:
            bounds["idle_timeout_s"] = idle_timeout_s
        if event_log_bytes is not None:
            bounds["event_log_bytes"] = event_log_bytes
        config = EmulatorConfig(
            self.endpoint_url,
            time_scale,
            limit,
            duplicate_rate,
            seed,
            adopt_orphans=adopt_orphans,
            profile=profile,
            **bounds,
        )
        self.emulator = Emulator(config)
        install_sqs_index()  # moto's SQS queues on an index (moto_sqs.py)
        # The aws profile's SQS and IAM behaviours (none under plain): moto's backends are the
        # process's, so they are installed like the index.
        self._sqs_profile = moto_sqs_profile.install(profile, time_scale, seed)
        self._iam_history = iam_propagation.install(profile, time_scale)
        moto_triggers.install(self.emulator.triggers)  # SNS, EventBridge, S3 -> our Lambda
        self.policy = GuardPolicy.for_bind(
            host,
            self.port,
            cors_origins=cors_origins,
            allow_moto_api=allow_moto_api,
            allowed_hosts=allowed_hosts,
        )
        # FilterLogEvents beyond the profile's rate answers ThrottlingException (logs_throttle.py).
        app = FilterLogEventsThrottle(EmulatorApp(self.emulator), profile.filter_log_events_tps)
        self._http.app = RequestGuard(AwsErrorBoundary(app), self.policy)
        # Each signed request authorized against its caller's IAM policies (caller_iam.py).
        self.caller_iam = (
            caller_iam.install(self, caller_iam_act_as) if enforce_caller_iam else None
        )
        self._thread: threading.Thread | None = None
        self._served = False

    @property
    def endpoint_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host  # an IPv6 literal
        return f"http://{host}:{self.port}"

    def serve_forever(self) -> None:
        self._served = True
        self._http.serve_forever()

    def start(self) -> EmulatorServer:
        self._served = True  # before the thread runs, so an immediate stop() still waits for it
        self._thread = threading.Thread(target=self.serve_forever, daemon=True, name="emulator")
        self._thread.start()
        return self

    def request_stop(self) -> None:
        """Make ``serve_forever`` return; safe from a signal handler on the serving thread."""
        threading.Thread(target=self._http.shutdown, daemon=True).start()

    def stop(self) -> list[Any]:
        """Stop serving and executing; return the accepted events left without an outcome."""
        # socketserver's shutdown waits for serve_forever to return: for ever if it never ran.
        if self._served:
            self._http.shutdown()
        if self._thread:
            self._thread.join(timeout=10)
        self._http.close_connections()
        self._http.server_close()
        pending = self.emulator.shutdown()
        moto_sqs_profile.uninstall(self._sqs_profile)
        iam_propagation.uninstall(self._iam_history)
        uninstall_sqs_index()
        moto_triggers.uninstall(self.emulator.triggers)
        return pending


class BindError(Exception):
    """The address cannot be listened on; ``strerror`` says why (as the OSError did)."""

    def __init__(self, cause: OSError) -> None:
        super().__init__(cause.strerror or str(cause))
        self.strerror = cause.strerror or str(cause)


class _BindingServer(KeepAliveWSGIServer):
    """werkzeug prints its own lines and calls ``sys.exit(1)`` on an OSError while binding; a
    BindError is not an OSError, so it reaches the caller, who says it in one line."""

    def server_bind(self) -> None:
        try:
            super().server_bind()
        except OSError as exc:
            self.socket.close()
            raise BindError(exc) from exc


class _NotReady:
    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
        return [b"starting"]
