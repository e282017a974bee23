"""Shared test helpers: paths and a runner for the real CLI in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITES = ROOT / "fixtures" / "sites"


@dataclass
class CliRun:
    code: int
    stdout: str
    stderr: str

    def result(self, out: Path) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((out / "result.json").read_text("utf-8"))
        return data


def run_cli(*args: str | Path, timeout: float = 120, env: dict[str, str] | None = None) -> CliRun:
    """Run `python -m ecq_scan ARGS` as a user would, with a clean ECQ_* environment.

    The fixture shops are served on 127.0.0.1, which the SSRF guard refuses by default, so
    `ECQ_ALLOW_PRIVATE=1` is set unless `env` overrides it (tests of the guard pass "0")."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ECQ_")}
    clean["ECQ_ALLOW_PRIVATE"] = "1"
    clean.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "ecq_scan", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=clean,
        cwd=ROOT,
    )
    return CliRun(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli() -> Any:
    return run_cli
