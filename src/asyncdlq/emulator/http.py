"""The HTTP/1.1 serving layer: persistent connections, one write per response, no Nagle stalls.

werkzeug's development server answers every request with ``Connection: close``, so an SDK client
pays a TCP handshake, a new server thread and a socket teardown on every call, and it sends the
status line with the headers and the body in separate writes. This handler keeps werkzeug's
environ building and replaces only the request/response cycle:

- keep-alive: the connection stays open while the client wants it (HTTP/1.1 default); the
  request body is read through a stream bounded by ``Content-Length`` (or de-chunked), and what
  the application left unread is drained before the next request line is parsed;
- the response is buffered and sent with one ``sendall`` (our responses are small API documents),
  with ``Content-Length`` set, on a socket with ``TCP_NODELAY``;
- one thread per connection (not per request): a thread pool would let idle keep-alive
  connections starve the requests a function makes back to the emulator during a synchronous
  invoke, and a connection costs a thread only while it is open;
- idle connections close after ``IDLE_TIMEOUT_S``, and ``close_connections`` ends the open ones
  when the server stops, so no thread keeps serving a stopped emulator.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import traceback
from collections.abc import Iterable
from typing import Any, Callable

from werkzeug.serving import DechunkedInput, ThreadedWSGIServer, WSGIRequestHandler
from werkzeug.wsgi import LimitedStream

log = logging.getLogger(__name__)
access_log = logging.getLogger("werkzeug")  # the CLI's --verbose switches request lines on here

IDLE_TIMEOUT_S = 120.0
_NO_BODY_STATUSES = (204, 304)


class KeepAliveRequestHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT_S  # StreamRequestHandler applies it to the socket: idle conns end

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, opened=True)  # type: ignore[attr-defined]

    def finish(self) -> None:
        self.server.track(self.connection, opened=False)  # type: ignore[attr-defined]
        super().finish()

    def run_wsgi(self) -> None:
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        environ = self.environ = self.make_environ()
        body = _bounded_input(environ, self.rfile)
        environ["wsgi.input"] = body
        environ["wsgi.input_terminated"] = True
        try:
            status, headers, chunks = call_app(self.server.app, environ)
        except Exception:
            log.error("error on %s %s:\n%s", self.command, self.path, traceback.format_exc())
            # Only reached if the error boundary itself failed: still a parseable AWS error.
            status, headers, chunks = (
                "500 Internal Server Error",
                [("Content-Type", "application/json"), ("x-amzn-ErrorType", "InternalFailure")],
                [b'{"__type": "InternalFailure", "message": "emulator error; see its log"}'],
            )
            self.close_connection = True
        # Whatever the application did not read belongs to this request, not the next one.
        try:
            _drain(body)
        except (OSError, ValueError):
            self.close_connection = True
        self._send(status, headers, b"".join(chunks))

    def _send(self, status: str, headers: list[tuple[str, str]], payload: bytes) -> None:
        code = int(status.split(None, 1)[0])
        lines = [f"HTTP/1.1 {status}"]
        has_length = False
        for key, value in headers:
            lower = key.lower()
            if lower in ("connection", "transfer-encoding", "keep-alive"):
                continue  # hop-by-hop: this layer decides
            has_length = has_length or lower == "content-length"
            lines.append(f"{key}: {value}")
        if self.command == "HEAD" or code in _NO_BODY_STATUSES or 100 <= code < 200:
            payload = b""
        elif not has_length:
            lines.append(f"Content-Length: {len(payload)}")
        if not any(k.lower() == "server" for k, _ in headers):
            lines.append(f"Server: {self.server_version}")
        lines.append("Connection: close" if self.close_connection else "Connection: keep-alive")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.connection.sendall(head + payload)
        if access_log.isEnabledFor(logging.INFO):
            self.log_request(code, len(payload))

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        access_log.info('%s - "%s" %s %s', self.address_string(), self.requestline, code, size)

    def log_error(self, format: str, *args: Any) -> None:
        # Idle keep-alive connections timing out and clients going away are routine here.
        log.info(format, *args)


def _bounded_input(environ: dict[str, Any], rfile: Any) -> Any:
    """The request body as a stream that ends where the request ends."""
    if isinstance(environ.get("wsgi.input"), DechunkedInput):
        return environ["wsgi.input"]
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return LimitedStream(rfile, max(length, 0))


def _drain(body: Any) -> None:
    if isinstance(body, LimitedStream):
        body.exhaust()
    else:
        while body.read(65536):
            pass


def call_app(
    app: Callable[..., Iterable[bytes]], environ: dict[str, Any]
) -> tuple[str, list[tuple[str, str]], list[bytes]]:
    """Run a WSGI app to completion and return its status, headers and body chunks."""
    started: list[Any] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        if exc_info and started:
            raise exc_info[1].with_traceback(exc_info[2])
        started[:] = [status, list(headers)]
        return chunks.append

    chunks: list[bytes] = []
    result = app(environ, start_response)
    try:
        chunks.extend(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    if not started:
        raise RuntimeError("the application returned without calling start_response")
    return started[0], started[1], chunks


class KeepAliveWSGIServer(ThreadedWSGIServer):
    """werkzeug's threaded server with ``KeepAliveRequestHandler`` and its connections tracked."""

    def __init__(self, host: str, port: int, app: Any) -> None:
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(host, port, app, handler=KeepAliveRequestHandler)

    def track(self, conn: socket.socket, opened: bool) -> None:
        with self._open_lock:
            if opened:
                self._open.add(conn)
            else:
                self._open.discard(conn)

    def close_connections(self) -> None:
        """End every open connection, so keep-alive threads stop serving a stopped emulator."""
        with self._open_lock:
            conns = list(self._open)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
