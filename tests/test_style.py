"""The code stays ruff-clean, and the README documents every command."""

from __future__ import annotations

import subprocess
import sys

from mirror.cli import build_parser
from tests.conftest import ROOT


def test_ruff_is_clean() -> None:
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "mirror", "tests",
                             "benchmarks"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_types_check() -> None:
    result = subprocess.run([sys.executable, "-m", "mypy", "--ignore-missing-imports",
                             "mirror"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_readme_documents_every_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name in commands:
        assert f"mirror {name}" in readme, name
