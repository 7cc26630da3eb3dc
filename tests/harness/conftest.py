"""Fixtures for the harness's own tests: throwaway Terraform configs, a fake emulator, moto."""

from __future__ import annotations

import http.server
import json
import os
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Callable

import pytest

from asyncdlq.target import Target


@pytest.fixture
def local_target() -> Target:
    # terraform_data needs no provider, so nothing has to listen at this endpoint.
    return Target("local", "us-east-1", "http://127.0.0.1:9")


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    path = tmp_path / "state"
    path.mkdir()
    return path


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[str, str], Path]:
    """write_config(name, hcl) -> a directory holding main.tf with that text."""

    def write(name: str, hcl: str) -> Path:
        tfdir = tmp_path / name
        tfdir.mkdir()
        (tfdir / "main.tf").write_text(textwrap.dedent(hcl))
        return tfdir

    return write


class _Handler(http.server.BaseHTTPRequestHandler):
    status = 200
    body = b""
    content_type = "application/json"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.send_response(self.status)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass  # keep test output clean


@pytest.fixture
def http_server() -> Iterator[Callable[[int, bytes], str]]:
    """http_server(status, body) -> endpoint of a server answering every GET with that."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(status: int, body: bytes) -> str:
        handler = type("H", (_Handler,), {"status": status, "body": body})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def fake_emulator_endpoint(http_server: Callable[[int, bytes], str]) -> str:
    """An endpoint whose health check looks like the asyncdlq emulator's."""
    health = {"status": "ok", "time_scale": 1 / 60, "pid": os.getpid()}
    return http_server(200, json.dumps(health).encode())


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()
