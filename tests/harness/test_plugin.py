"""The pytest plugin, run as other teams run it: an inner pytest that loads it by entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .configs import FAILS_HALFWAY

STACK = """
variable "name" { type = string }
resource "terraform_data" "one" { input = var.name }
output "value" { value = terraform_data.one.output }
"""


class Project:
    def __init__(self, root: Path, endpoint: str) -> None:
        self.root = root
        self.state_dir = root / "state"
        self.endpoint = endpoint
        (root / "pytest.ini").write_text("[pytest]\n")

    def stack(self, name: str, hcl: str) -> Path:
        path = self.root / name
        path.mkdir()
        (path / "main.tf").write_text(hcl)
        return path

    def run(self, test_source: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        (self.root / "test_inner.py").write_text(textwrap.dedent(test_source))
        environ = {
            **os.environ,
            "TARGET": "local",
            "ASYNCDLQ_ENDPOINT": self.endpoint,
            "ASYNCDLQ_STATE_DIR": str(self.state_dir),
            **env,
        }
        environ.pop("PYTEST_ADDOPTS", None)
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-p",
                "no:cacheprovider",
                "-q",
                "--rootdir",
                str(self.root),
                "test_inner.py",
                *args,
            ],
            cwd=self.root,
            env=environ,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def states(self) -> list[list[str]]:
        """Resource addresses in each stack state the runs kept (a destroyed stack's is gone)."""
        states = sorted(self.state_dir.glob("runs/*/*/stacks/*/terraform.tfstate"))
        return [
            [f"{r['type']}.{r['name']}" for r in json.loads(p.read_text())["resources"]]
            for p in states
        ]


@pytest.fixture
def project(tmp_path: Path, fake_emulator_endpoint: str) -> Project:
    return Project(tmp_path, fake_emulator_endpoint)


def _explain(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"


def test_runs_that_use_no_fixture_start_nothing(project: Project) -> None:
    result = project.run(
        """
        import sys

        def test_plain():
            assert "boto3" not in sys.modules
            assert "tftest" not in sys.modules
        """
    )
    assert result.returncode == 0, _explain(result)
    assert not project.state_dir.exists()


def test_stacks_are_applied_once_per_distinct_variables_and_destroyed_at_the_end(
    project: Project,
) -> None:
    project.stack("stack", STACK)
    result = project.run(
        """
        def test_a(asyncdlq_stack, asyncdlq_emulator):
            assert asyncdlq_emulator is not None and not asyncdlq_emulator.started_here
            first = asyncdlq_stack("stack", {"name": "a"})
            assert asyncdlq_stack("stack", {"name": "a"}) is first
            assert first.outputs == {"value": "a"}

        def test_b(asyncdlq_stack):
            assert asyncdlq_stack("stack", {"name": "a"}).outputs == {"value": "a"}
            assert asyncdlq_stack("stack", {"name": "b"}).outputs == {"value": "b"}
        """
    )
    assert result.returncode == 0, _explain(result)
    assert result.stdout.count("terraform apply (") == 2 * 2  # "..." and "done" lines
    assert result.stdout.count("terraform destroy (stack) done") == 2
    assert project.states() == []
    assert not list(project.state_dir.glob("runs/*")), "a clean run leaves no run directory"
    assert not (project.root / "stack" / "terraform.tfstate.d").exists()


def test_hooks_hear_of_each_destroyed_stack_with_its_variables_and_timings(
    project: Project,
) -> None:
    project.stack("stack", STACK)
    heard = project.root / "heard.jsonl"
    (project.root / "conftest.py").write_text(
        textwrap.dedent(
            f"""
            import json

            def pytest_asyncdlq_stack_destroyed(stack, variables):
                entry = {{"tfdir": str(stack.tfdir), "variables": variables}}
                entry["timed"] = sorted(stack.timings)
                entry["left"] = stack.may_hold_resources
                with open({str(heard)!r}, "a") as out:
                    out.write(json.dumps(entry) + "\\n")
            """
        )
    )
    result = project.run(
        """
        def test_a(asyncdlq_stack):
            asyncdlq_stack("stack", {"name": "a"})
            asyncdlq_stack("stack", {"name": "b"})
        """
    )
    assert result.returncode == 0, _explain(result)
    entries = [json.loads(line) for line in heard.read_text().splitlines()]
    assert sorted(e["variables"]["name"] for e in entries) == ["a", "b"]
    for entry in entries:
        assert entry["tfdir"] == str((project.root / "stack").resolve())
        assert {"init", "apply", "destroy"} <= set(entry["timed"])
        assert entry["left"] is False


def test_keep_leaves_stacks_and_prints_a_working_destroy_command(project: Project) -> None:
    project.stack("stack", STACK)
    result = project.run(
        """
        def test_a(asyncdlq_stack):
            asyncdlq_stack("stack", {"name": "kept"})
        """,
        "--asyncdlq-keep",
    )
    assert result.returncode == 0, _explain(result)
    assert project.states() == [["terraform_data.one"]]
    lines = result.stdout.splitlines()
    hint = lines[lines.index(next(x for x in lines if "destroy later with" in x)) + 1]
    command = hint.split("[asyncdlq]", 1)[1].strip()
    destroyed = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=120)
    assert destroyed.returncode == 0, destroyed.stderr
    assert project.states() == [[]]


def test_a_failed_apply_is_destroyed_and_not_retried(project: Project) -> None:
    project.stack("halfway", FAILS_HALFWAY)
    marker = project.root / "destroyed.txt"
    result = project.run(
        f"""
        import pytest
        from asyncdlq.harness.plugin import StackApplyError

        def test_first(asyncdlq_stack):
            asyncdlq_stack("halfway", {{"marker": "{marker}"}})

        def test_second(asyncdlq_stack):
            with pytest.raises(StackApplyError, match="failed to apply earlier"):
                asyncdlq_stack("halfway", {{"marker": "{marker}"}})
        """
    )
    assert result.returncode == 1, _explain(result)
    assert "1 failed, 1 passed" in result.stdout, _explain(result)
    assert "second refuses to be created" in result.stdout
    assert result.stdout.count("terraform apply (halfway) ...") == 1
    assert marker.read_text().split() == ["destroyed"]
    assert project.states() == []


def test_aws_target_needs_no_emulator(project: Project) -> None:
    result = project.run(
        """
        def test_aws(asyncdlq_emulator, asyncdlq_run_prefix, asyncdlq_deadlines):
            assert asyncdlq_emulator is None
            assert asyncdlq_run_prefix == "adlq-fixed"
            assert asyncdlq_deadlines.time_scale == 1
        """,
        TARGET="aws",
        ASYNCDLQ_ENDPOINT="http://127.0.0.1:9",
        ASYNCDLQ_RUN_ID="fixed",
    )
    assert result.returncode == 0, _explain(result)


def test_aws_target_refuses_an_account_that_is_not_named(project: Project) -> None:
    result = project.run(
        """
        def test_aws(asyncdlq_target):
            pass
        """,
        TARGET="aws",
        ASYNCDLQ_AWS_ACCOUNT_ID="",
        AWS_EC2_METADATA_DISABLED="true",
    )
    assert result.returncode == 1, _explain(result)
    assert "ASYNCDLQ_AWS_ACCOUNT_ID" in result.stdout, _explain(result)


PACKAGED = """
variable "package_path" { type = string }
resource "terraform_data" "code" { input = filebase64sha256(var.package_path) }
"""


def test_a_kept_stacks_package_outlives_the_session_so_its_destroy_command_works(
    project: Project,
) -> None:
    # terraform evaluates filebase64sha256(package_path) even to destroy: the zip must live as
    # long as the state that names it, not in pytest's tmp dir (deleted after three runs).
    project.stack("stack", PACKAGED)
    (project.root / "handler").mkdir()
    (project.root / "handler" / "handler.py").write_text("def lambda_handler(e, c):\n    pass\n")
    result = project.run(
        """
        def test_a(asyncdlq_stack, asyncdlq_package):
            zip_path = asyncdlq_package("handler")
            asyncdlq_stack("stack", {"package_path": str(zip_path)})
        """,
        "--asyncdlq-keep",
    )
    assert result.returncode == 0, _explain(result)
    (var_file,) = project.state_dir.glob("runs/*/*/stacks/*/terraform.tfvars.json")
    package_path = Path(json.loads(var_file.read_text())["package_path"])
    assert package_path.is_file(), "the kept stack's package is gone"
    assert project.state_dir in package_path.parents
    lines = result.stdout.splitlines()
    hint = lines[lines.index(next(x for x in lines if "destroy later with" in x)) + 1]
    command = hint.split("[asyncdlq]", 1)[1].strip()
    destroyed = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=120)
    assert destroyed.returncode == 0, destroyed.stderr
    assert project.states() == [[]]


@pytest.mark.parametrize(("profile", "aws_like"), [("", False), ("aws", True), ("plain", False)])
def test_deadlines_are_aws_like_under_the_emulators_aws_profile(
    project: Project, profile: str, aws_like: bool
) -> None:
    result = project.run(
        f"""
        def test_kind(asyncdlq_deadlines):
            assert asyncdlq_deadlines.on_aws is False
            assert asyncdlq_deadlines.aws_like is {aws_like}
        """,
        ASYNCDLQ_EMULATOR_PROFILE=profile,
    )
    assert result.returncode == 0, _explain(result)
