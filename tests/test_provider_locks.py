"""Every stack the project applies commits its provider lock, and all of them lock one build.

A committed lock makes `make apply`, `make test` and CI install the provider release the project
was tested with, from a registry or from a filesystem mirror alike (docs/module.md, Provider
versions and lock files). `make lint` runs `terraform init -lockfile=readonly` in each stack, so a
lock that no longer matches its versions.tf fails there; these tests cover what init cannot see.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LOCK = ".terraform.lock.hcl"
_PROVIDER = re.compile(r'provider\s+"([^"]+)"\s*\{(.*?)\n\}', re.S)
_VERSION = re.compile(r'^\s*version\s*=\s*"([^"]+)"', re.M)
_HASHES = re.compile(r"hashes\s*=\s*\[(.*?)\]", re.S)


@dataclass(frozen=True)
class Locked:
    address: str
    version: str
    hashes: frozenset[str]


def parse_lock(text: str) -> dict[str, Locked]:
    locked = {}
    for address, body in _PROVIDER.findall(text):
        version = _VERSION.search(body)
        hashes = _HASHES.search(body)
        assert version and hashes, f"provider {address} has no version or hashes"
        found = frozenset(re.findall(r'"([^"]+)"', hashes.group(1)))
        locked[address] = Locked(address, version.group(1), found)
    return locked


def _tracked(pattern: str) -> list[Path] | None:
    try:
        proc = subprocess.run(
            ["git", "-C", str(REPO), "ls-files", "--", pattern],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None  # not a git checkout (an sdist, a copied tree)
    return [REPO / line for line in proc.stdout.splitlines() if line]


def stack_dirs() -> list[Path]:
    """Every directory with Terraform files: each is a root the project runs terraform in."""
    files = _tracked("*.tf")
    if files is None:
        files = [p for p in REPO.rglob("*.tf") if ".terraform" not in p.parts]
    dirs = {f.parent for f in files if "modules" not in f.relative_to(REPO).parts}
    return sorted(dirs)


def test_the_stacks_are_found() -> None:
    found = {d.relative_to(REPO).as_posix() for d in stack_dirs()}
    # The seed stack (`make apply` runs in the repository root), an example, a test stack.
    assert {".", "examples/basic", "examples/ci", "tests/stacks/seed"} <= found


@pytest.mark.parametrize("stack", stack_dirs(), ids=lambda d: d.relative_to(REPO).as_posix())
def test_every_stack_commits_its_lock(stack: Path) -> None:
    lock = stack / LOCK
    assert lock.is_file(), (
        f"{lock.relative_to(REPO)} is missing: run terraform init in {stack.relative_to(REPO)}, "
        "add the zh: hashes as docs/module.md (Provider versions and lock files) says, and commit it"
    )
    tracked = _tracked(f"{stack.relative_to(REPO).as_posix()}/{LOCK}")
    if tracked is not None:
        assert tracked, f"{lock.relative_to(REPO)} exists but is not committed"
    assert "registry.terraform.io/hashicorp/aws" in parse_lock(lock.read_text())


def _describe(locked: dict[str, Locked]) -> str:
    return ", ".join(f"{p.address} {p.version} ({len(p.hashes)} hashes)" for p in locked.values())


def test_every_stack_locks_the_same_provider_build() -> None:
    locks = {
        d.relative_to(REPO).as_posix(): parse_lock((d / LOCK).read_text()) for d in stack_dirs()
    }
    first_name, first = next(iter(locks.items()))
    for name, locked in locks.items():
        differ = {
            h
            for address in set(locked) | set(first)
            for h in (
                (locked[address].hashes if address in locked else frozenset())
                ^ (first[address].hashes if address in first else frozenset())
            )
        }
        assert locked == first, (
            f"{name}/{LOCK} locks {_describe(locked)}, {first_name}/{LOCK} {_describe(first)}; "
            f"hashes in only one: {sorted(differ)[:3]}... Upgrade every stack together "
            "(docs/module.md, Provider versions and lock files)"
        )


def test_the_locks_serve_registry_users_on_every_platform() -> None:
    # `terraform init` from a filesystem mirror records only the h1: hash of its own platform;
    # a registry user on another platform is then refused ("doesn't match any of the checksums
    # previously recorded"). The zh: hashes are the release zips' SHA-256 sums for all platforms.
    aws = parse_lock((REPO / LOCK).read_text())["registry.terraform.io/hashicorp/aws"]
    zh = {h for h in aws.hashes if h.startswith("zh:")}
    h1 = {h for h in aws.hashes if h.startswith("h1:")}
    assert h1, "no h1: hash: terraform could not check an unpacked provider from a mirror"
    assert zh, "no zh: hashes: the lock was written offline from a mirror; add the release's"
    assert all(re.fullmatch(r"zh:[0-9a-f]{64}", h) for h in zh), sorted(zh)


def test_parse_lock_reads_every_provider() -> None:
    text = (
        'provider "registry.terraform.io/hashicorp/aws" {\n  version     = "5.100.0"\n'
        '  constraints = ">= 5.32.0"\n  hashes = [\n    "h1:a=",\n    "zh:b",\n  ]\n}\n\n'
        'provider "registry.terraform.io/hashicorp/random" {\n  version = "3.7.2"\n'
        '  hashes = [\n    "h1:c=",\n  ]\n}\n'
    )
    locked = parse_lock(text)
    assert locked["registry.terraform.io/hashicorp/aws"] == Locked(
        "registry.terraform.io/hashicorp/aws", "5.100.0", frozenset({"h1:a=", "zh:b"})
    )
    assert locked["registry.terraform.io/hashicorp/random"].version == "3.7.2"
