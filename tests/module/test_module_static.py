"""Static checks of the Terraform module: fmt, validate, the required inputs, and the mocked
`terraform test` suite.

No cloud and no credentials are needed: module.tftest.hcl uses mock_provider. Everything runs in
a temporary copy of the module, so .terraform/ and build/ never land in the checkout and runs in
parallel cannot disturb each other or a developer's own `terraform init`.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from asyncdlq.packaging import build_zip
from asyncdlq.target import current_target
from asyncdlq.terraform_env import terraform_env

REPO = Path(__file__).resolve().parents[2]

# Generous bounds: init links the provider from a local mirror (seconds), the test suites plan or
# apply about seventy runs against a mock (about 40 s). A hang must fail the test, not the CI job.
FMT_TIMEOUT = 60
INIT_TIMEOUT = 180
VALIDATE_TIMEOUT = 120
TEST_TIMEOUT = 600

pytestmark = pytest.mark.skipif(
    shutil.which("terraform") is None,
    reason="terraform is not on PATH; install Terraform >= 1.7 to run the module checks",
)


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: int) -> str:
    """Run terraform; fail the test with its full output if it fails or hangs."""
    cmd = ["terraform", *args]
    try:
        proc = subprocess.run(
            cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(
            f"{' '.join(cmd)} in {cwd} did not finish within {timeout}s\n"
            f"--- stdout ---\n{exc.stdout or ''}\n--- stderr ---\n{exc.stderr or ''}"
        )
    if proc.returncode != 0:
        pytest.fail(
            f"{' '.join(cmd)} in {cwd} exited {proc.returncode}\n"
            f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
        )
    return proc.stdout


def _run_failing(args: list[str], cwd: Path, env: dict[str, str], timeout: int) -> str:
    """Run terraform that must fail; return what it printed (stdout and stderr)."""
    cmd = ["terraform", *args]
    try:
        proc = subprocess.run(
            cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{' '.join(cmd)} in {cwd} did not finish within {timeout}s")
    assert proc.returncode != 0, f"{' '.join(cmd)} in {cwd} succeeded\n{proc.stdout}"
    return proc.stdout + proc.stderr


def _copy_module(dest: Path) -> None:
    # Every root *.tf: the module is split by concern (main, dlq, iam, logs, variables, ...).
    for tf in REPO.glob("*.tf"):
        shutil.copy2(tf, dest / tf.name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".terraform*", "terraform.tfstate*")
    shutil.copytree(REPO / "lambda", dest / "lambda", ignore=ignore)
    (dest / "tests" / "module").mkdir(parents=True)
    for hcl in (REPO / "tests" / "module").glob("*.tftest.hcl"):
        shutil.copy2(hcl, dest / "tests" / "module" / hcl.name)
    shutil.copytree(REPO / "tests" / "module" / "mocks", dest / "tests" / "module" / "mocks")
    if (REPO / "examples").is_dir():
        shutil.copytree(REPO / "examples", dest / "examples", ignore=ignore)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("module")
    module = root / "module"
    module.mkdir()
    _copy_module(module)
    # Terraform never builds the zip; the Python packager does, as before any real apply.
    build_zip(module / "lambda", module / "build" / "lambda.zip")
    return module


@pytest.fixture(scope="module")
def tf_env(workdir: Path) -> dict[str, str]:
    env = terraform_env(current_target(), workdir.parent / ".asyncdlq")
    # A developer's TF_DATA_DIR or workspace would send init and test somewhere else.
    for name in ("TF_DATA_DIR", "TF_WORKSPACE"):
        env.pop(name, None)
    return env


@pytest.fixture(scope="module")
def initialized(workdir: Path, tf_env: dict[str, str]) -> Path:
    _run(["init", "-backend=false", "-input=false", "-no-color"], workdir, tf_env, INIT_TIMEOUT)
    return workdir


def test_fmt_is_clean(workdir: Path, tf_env: dict[str, str]) -> None:
    _run(["fmt", "-check", "-recursive", "-diff", "-no-color"], workdir, tf_env, FMT_TIMEOUT)


def test_module_validates(initialized: Path, tf_env: dict[str, str]) -> None:
    out = _run(["validate", "-no-color"], initialized, tf_env, VALIDATE_TIMEOUT)
    assert "The configuration is valid" in out


def test_basic_example_validates(workdir: Path, tf_env: dict[str, str]) -> None:
    example = workdir / "examples" / "basic"
    if not example.is_dir():
        pytest.skip("examples/basic is not present")
    _run(["init", "-backend=false", "-input=false", "-no-color"], example, tf_env, INIT_TIMEOUT)
    out = _run(["validate", "-no-color"], example, tf_env, VALIDATE_TIMEOUT)
    assert "The configuration is valid" in out


def test_terraform_test_suite_passes(initialized: Path, tf_env: dict[str, str]) -> None:
    out = _run(
        ["test", "-test-directory=tests/module", "-no-color"], initialized, tf_env, TEST_TIMEOUT
    )
    # A suite that silently found no test files would also exit 0.
    assert "Success!" in out and " 0 failed" in out, out
    assert " 0 passed" not in out, out


def test_caller_must_pass_function_name_and_package_path(
    workdir: Path, tf_env: dict[str, str]
) -> None:
    # 0.2.0 removed the tutorial's defaults: a call without them is Terraform's own error, before
    # any plan, naming each missing input.
    caller = workdir.parent / "caller"
    caller.mkdir(exist_ok=True)
    (caller / "main.tf").write_text('module "fn" {\n  source = "../module"\n}\n')
    _run(["init", "-backend=false", "-input=false", "-no-color"], caller, tf_env, INIT_TIMEOUT)
    out = _run_failing(["validate", "-no-color"], caller, tf_env, VALIDATE_TIMEOUT)
    assert "Missing required argument" in out, out
    for name in ("function_name", "package_path"):
        assert f'The argument "{name}" is required' in out, out
