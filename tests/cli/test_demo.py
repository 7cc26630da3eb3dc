"""The demo runs from the checkout: it finds the module and the tutorial's handler there."""

from __future__ import annotations

from asyncdlq.cli import demo


def test_the_demo_finds_the_module_and_the_tutorial_handler() -> None:
    assert (demo.ROOT / "main.tf").is_file()
    assert (demo.ROOT / "lambda" / "handler.py").is_file()
