"""scripts/tf_docs.py: the README's inputs/outputs tables, generated from the module's *.tf files."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "tf_docs.py"

_spec = importlib.util.spec_from_file_location("tf_docs", SCRIPT)
assert _spec and _spec.loader
tf_docs = importlib.util.module_from_spec(_spec)
sys.modules["tf_docs"] = tf_docs  # dataclasses look their module up by name
_spec.loader.exec_module(tf_docs)

FIXTURE_VARIABLES = r"""
variable "names" {
  description = <<-EOT
    Names to use,
    one per function.
  EOT
  type        = list(string)
  default     = ["a", "b"]
}

# A comment, and one inside a multi-line condition below.
variable "mode" {
  description = "Either \"fast\" or \"safe\" | pick one."
  type        = string

  validation {
    condition = (
      contains(["fast", "safe"], var.mode)
      # also allowed
      || var.mode == "x"
    )
    error_message = "bad mode"
  }
}

variable "settings" {
  description = "Per-name settings, e.g. /aws/lambda/<name>."
  type = map(object({
    size = number
  }))
  default = { main = { size = 1 } }
}

variable "role_arn" {
  description = "An existing role."
  type        = string
  default     = null
}

variable "enabled" {
  type    = bool
  default = false
}

variable "untyped" {
  default = 3
}
"""

FIXTURE_OUTPUTS = """
output "queue_url" {
  description = "URL of the queue."
  value       = "x"
}

output "arn" {
  value = "y"
}
"""

EXPECTED = """\
### Inputs

| Name | Description | Type | Default | Required |
|------|-------------|------|---------|:--------:|
| `enabled` |  | `bool` | `false` | no |
| `mode` | Either "fast" or "safe" \\| pick one. | `string` | n/a | yes |
| `names` | Names to use, one per function. | `list(string)` | `["a", "b"]` | no |
| `role_arn` | An existing role. | `string` | `null` | no |
| `settings` | Per-name settings, e.g. /aws/lambda/\\<name>. | `map(object({size = number}))` | `{"main": {"size": 1}}` | no |
| `untyped` |  | `any` | `3` | no |

### Outputs

| Name | Description |
|------|-------------|
| `arn` |  |
| `queue_url` | URL of the queue. |
"""

README = """\
# fixture

## Module inputs and outputs

<!-- BEGIN_TF_DOCS -->
<!-- END_TF_DOCS -->

## After
"""


@pytest.fixture
def module(tmp_path: Path) -> Path:
    (tmp_path / "variables.tf").write_text(FIXTURE_VARIABLES)
    (tmp_path / "outputs.tf").write_text(FIXTURE_OUTPUTS)
    (tmp_path / "README.md").write_text(README)
    return tmp_path


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=60
    )


def test_renders_the_fixture_exactly(module: Path) -> None:
    assert tf_docs.render(*tf_docs.load_module(module)) == EXPECTED


def test_check_fails_when_stale_and_passes_after_write(module: Path) -> None:
    stale = _run("--check", "--module-dir", str(module))
    assert stale.returncode == 1
    assert "README.md inputs/outputs are stale: run make docs" in stale.stderr

    assert _run("--write", "--module-dir", str(module)).returncode == 0
    text = (module / "README.md").read_text()
    assert text == README.replace("<!-- BEGIN_TF_DOCS -->\n", "<!-- BEGIN_TF_DOCS -->\n" + EXPECTED)
    assert _run("--check", "--module-dir", str(module)).returncode == 0

    # A changed description makes it stale again.
    outputs = module / "outputs.tf"
    outputs.write_text(outputs.read_text().replace("URL of the queue.", "The queue URL."))
    assert _run("--check", "--module-dir", str(module)).returncode == 1


def test_missing_markers_are_an_error(module: Path) -> None:
    (module / "README.md").write_text("# no markers\n")
    done = _run("--check", "--module-dir", str(module))
    assert done.returncode != 0 and "BEGIN_TF_DOCS" in done.stderr


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        (None, "null"),
        (True, "true"),
        (1.5, "1.5"),
        ('say "hi"', '"say \\"hi\\""'),
        ([], "[]"),
        ({}, "{}"),
        ({"k": ["v", 1]}, '{"k": ["v", 1]}'),
    ],
)
def test_defaults_are_hcl_literals(value: object, literal: str) -> None:
    assert tf_docs.hcl_literal(value) == literal
