"""README inputs/outputs tables from the module's *.tf files (terraform-docs, in Python).

    python scripts/tf_docs.py            print the tables
    python scripts/tf_docs.py --write    rewrite README.md between the markers (make docs)
    python scripts/tf_docs.py --check    exit 1 if README.md is stale (make lint)

The tables go between ``<!-- BEGIN_TF_DOCS -->`` and ``<!-- END_TF_DOCS -->``. Only the module
directory's own *.tf files are read (not examples/ or tests/). Variables and outputs are listed
by name, as terraform-docs does.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2
from hcl2.utils import SerializationOptions

BEGIN = "<!-- BEGIN_TF_DOCS -->"
END = "<!-- END_TF_DOCS -->"
STALE = "README.md inputs/outputs are stale: run make docs"
ROOT = Path(__file__).resolve().parent.parent

_OPTIONS = SerializationOptions(
    with_comments=False,
    explicit_blocks=False,
    preserve_heredocs=False,
    strip_string_quotes=True,
)
_NO_DEFAULT = object()


@dataclass(frozen=True)
class Variable:
    name: str
    description: str
    type: str
    default: Any  # _NO_DEFAULT when the variable has none (required)

    @property
    def required(self) -> bool:
        return self.default is _NO_DEFAULT


@dataclass(frozen=True)
class Output:
    name: str
    description: str


def normalize(text: str) -> str:
    """``text`` without HCL comments (``#``, ``//``, ``/* */``) and one line per (...) group.

    python-hcl2 fails on a line break inside parentheses (``(a\\n || b)``, which terraform
    accepts) and on a comment there; comments carry nothing the tables need. Line breaks inside
    parentheses become spaces. Strings and heredocs are left untouched.
    """
    out: list[str] = []
    i, n = 0, len(text)
    heredoc_end: str | None = None
    depth = 0
    while i < n:
        if heredoc_end is not None:
            line_end = text.find("\n", i)
            line_end = n if line_end == -1 else line_end + 1
            line = text[i:line_end]
            out.append(line)
            i = line_end
            if line.strip() == heredoc_end:
                heredoc_end = None
            continue
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i : j + 1])
            i = j + 1
        elif c == "#" or text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j == -1 else j + 2
            out.append(("\n" if depth == 0 else " ") * text.count("\n", i, j))
            i = j
        elif text.startswith("<<", i) and (m := re.match(r"<<-?([A-Za-z_]\w*)[ \t]*\n", text[i:])):
            heredoc_end = m.group(1)
            out.append(m.group(0))
            i += m.end()
        else:
            if c == "(":
                depth += 1
            elif c == ")":
                depth = max(depth - 1, 0)
            out.append(" " if c == "\n" and depth > 0 else c)
            i += 1
    return "".join(out)


def _blocks(parsed: dict[str, Any], kind: str) -> list[tuple[str, dict[str, Any]]]:
    return [(name, body) for block in parsed.get(kind, []) for name, body in block.items()]


def _text(value: Any) -> str:
    return " ".join(line.strip() for line in str(value or "").splitlines() if line.strip())


def _type(value: Any) -> str:
    if value is None:
        return "any"
    text = str(value)
    if text.startswith("${") and text.endswith("}"):
        text = text[2:-1]
    return text


def load_module(module_dir: Path) -> tuple[list[Variable], list[Output]]:
    """The variables and outputs declared in ``module_dir``/*.tf, each sorted by name."""
    variables: list[Variable] = []
    outputs: list[Output] = []
    for path in sorted(Path(module_dir).glob("*.tf")):
        try:
            parsed = hcl2.loads(normalize(path.read_text()), serialization_options=_OPTIONS)
        except Exception as exc:
            raise SystemExit(f"tf_docs: cannot parse {path}: {exc}") from exc
        for name, body in _blocks(parsed, "variable"):
            variables.append(
                Variable(
                    name=name,
                    description=_text(body.get("description")),
                    type=_type(body.get("type")),
                    default=body.get("default", _NO_DEFAULT),
                )
            )
        for name, body in _blocks(parsed, "output"):
            outputs.append(Output(name=name, description=_text(body.get("description"))))
    return sorted(variables, key=lambda v: v.name), sorted(outputs, key=lambda o: o.name)


def hcl_literal(value: Any) -> str:
    """A default as HCL would write it: null, true, 3, "text", ["a"], {"k": "v"}."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(hcl_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{json.dumps(str(k))}: {hcl_literal(v)}" for k, v in value.items())
        return "{" + items + "}"
    return str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _prose(text: str) -> str:
    # "<name>" would be taken for an HTML tag and vanish on GitHub.
    return _cell(text).replace("<", "\\<")


def _code(text: str) -> str:
    # A backtick inside would end the code span early; double backticks allow single ones.
    text = _cell(text)
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def render(variables: list[Variable], outputs: list[Output]) -> str:
    """The Markdown that goes between the markers (no markers, ends with a newline)."""
    lines = ["### Inputs", ""]
    if variables:
        lines += [
            "| Name | Description | Type | Default | Required |",
            "|------|-------------|------|---------|:--------:|",
        ]
        for v in variables:
            default = "n/a" if v.required else _code(hcl_literal(v.default))
            lines.append(
                f"| `{v.name}` | {_prose(v.description)} | {_code(v.type)} | {default} "
                f"| {'yes' if v.required else 'no'} |"
            )
    else:
        lines.append("No inputs.")
    lines += ["", "### Outputs", ""]
    if outputs:
        lines += ["| Name | Description |", "|------|-------------|"]
        lines += [f"| `{o.name}` | {_prose(o.description)} |" for o in outputs]
    else:
        lines.append("No outputs.")
    return "\n".join(lines) + "\n"


def replace_between_markers(readme: str, body: str) -> str:
    start, end = readme.find(BEGIN), readme.find(END)
    if start == -1 or end == -1 or end < start:
        raise SystemExit(f"tf_docs: README.md needs the markers {BEGIN} and {END}, in that order")
    return readme[: start + len(BEGIN)] + "\n" + body + readme[end:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="rewrite README.md between the markers")
    mode.add_argument("--check", action="store_true", help="exit 1 if README.md is stale")
    parser.add_argument("--module-dir", type=Path, default=ROOT, help="default: the repo root")
    parser.add_argument("--readme", type=Path, help="default: <module-dir>/README.md")
    args = parser.parse_args(argv)

    body = render(*load_module(args.module_dir))
    if not (args.write or args.check):
        sys.stdout.write(body)
        return 0
    readme_path = args.readme or args.module_dir / "README.md"
    current = readme_path.read_text()
    wanted = replace_between_markers(current, body)
    if args.check:
        if current != wanted:
            print(STALE, file=sys.stderr)
            return 1
        return 0
    if current != wanted:
        readme_path.write_text(wanted)
        print(f"tf_docs: updated {readme_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
