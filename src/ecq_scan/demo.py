"""Locate the bundled demo shop (`fixtures/sites/good-zh`) for `ecq-scan demo`."""

from __future__ import annotations

from pathlib import Path

from ecq_scan.errors import InputError

DEMO_SITE = Path("fixtures") / "sites" / "good-zh"


def find_demo_site() -> Path:
    """The demo shop ships with the source checkout; look beside the package, then in cwd."""
    here = Path(__file__).resolve()
    for base in (*here.parents, Path.cwd()):
        candidate = base / DEMO_SITE
        if (candidate / "index.html").is_file():
            return candidate
    raise InputError(
        "the demo shop (fixtures/sites/good-zh) was not found",
        "run `make demo` from a checkout of the ecq-scan repository",
    )
