"""Another team's repository: `pip install` the package into a fresh virtualenv, copy in the
example test file and stack (examples/harness), and run `pytest -n 2` there against the
emulator the plugin starts by itself. Nothing of this checkout is on that interpreter's path.

One extra test fails on purpose, to show what a failure prints: the attempt timeline, the
request's log lines, what the DLQ holds and the Terraform outputs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FAILS_ON_PURPOSE = """
def test_expects_the_wrong_error(stack, asyncdlq_invoke, asyncdlq_messages):
    invocation = asyncdlq_invoke(stack.outputs["function_name"], {"order_id": "o-9", "fail": True})
    (dead_letter,) = asyncdlq_messages.wait_for(stack.outputs["dlq_url"], invocation).messages
    assert dead_letter.lambda_attributes["ErrorMessage"] == "no such error"
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with this package installed the way a user installs it."""
    env_dir = tmp_path_factory.mktemp("consumer-venv")
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    pip = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert pip.returncode == 0, f"pip install {ROOT} failed:\n{pip.stdout}\n{pip.stderr}"
    return python


def test_another_repository_runs_the_example_tests_in_parallel(
    installed: Path, tmp_path: Path
) -> None:
    repo = tmp_path / "their-repo"
    shutil.copytree(ROOT / "examples" / "harness", repo)
    stack = repo / "stack" / "main.tf"
    # Their stack names the module by its git URL; here the module is this checkout.
    stack.write_text(stack.read_text().replace('"../../.."', f'"{ROOT.as_posix()}"'))
    (repo / "tests" / "test_fails_on_purpose.py").write_text(
        (repo / "tests" / "test_orders.py").read_text().split("\n\n\ndef test_")[0]
        + "\n\n"
        + FAILS_ON_PURPOSE
    )
    (repo / "pytest.ini").write_text("[pytest]\n")
    # Nothing of this run's settings, except the benchmark's manifest of stacks applied.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASYNCDLQ_", "PYTEST_"))}
    env.update(TARGET="local", CI="true", PYTHONPATH="")
    if "ASYNCDLQ_STACK_MANIFEST" in os.environ:  # bench/plugins/stack_manifest_plugin.py
        env["ASYNCDLQ_STACK_MANIFEST"] = os.environ["ASYNCDLQ_STACK_MANIFEST"]
        env["PYTEST_PLUGINS"] = os.environ.get("PYTEST_PLUGINS", "")
        env["PYTHONPATH"] = str(ROOT / "bench" / "plugins")
    result = subprocess.run(
        [str(installed), "-m", "pytest", "-p", "no:cacheprovider", "-n", "2", "tests"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "1 failed, 2 passed" in output, output
    # The failure's report: timeline, log lines, queue contents, outputs.
    report = output.split("asyncdlq: what the target shows", 1)[-1]
    assert "attempt 3" in report and "failed: ValueError: order o-9 cannot be processed" in report
    assert "[ERROR] ValueError: order o-9 cannot be processed" in report
    assert "messages the test received" in report and "dead letter sent" in report
    assert '"dlq_url"' in report
    # Each worker applied its own stack under its own prefix, and destroyed it.
    assert output.count("terraform destroy (stack) done") == 2, output
    assert "-w0-orders" in output and "-w1-orders" in output
    assert not list((repo / ".asyncdlq").glob("runs/*")), "the run left its directory behind"
    assert sys.executable not in output  # this checkout's interpreter played no part
