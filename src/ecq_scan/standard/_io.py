"""YAML reading and error wording shared by the catalogue, profile and evidence loaders.

Every data file the scorer reads is hand-edited, so every failure must name the file and the
field, in one line, as `RuleError` (the CLI prints it without a traceback and exits 2).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ecq_scan.errors import RuleError


def read_yaml_mapping(
    text: str | None, where: str, what: str, path: Path | None = None
) -> dict[str, Any]:
    """Parse `text` (or read `path`) as a YAML mapping; anything else is a `RuleError`."""
    try:
        if text is None:
            if path is None:
                raise ValueError("read_yaml_mapping needs text or a path")
            text = path.read_text("utf-8")
        raw = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RuleError(f"{where}: cannot be read as YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise RuleError(f"{where}: must be a mapping ({what})")
    return raw


def field_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc) or "(top level)"


def validation_error(where: str, exc: ValidationError, hint: str | None = None) -> RuleError:
    """The first pydantic error as `<where>: field <a.b.c>: <message>`."""
    err = exc.errors()[0]
    more = len(exc.errors()) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return RuleError(f"{where}: field {field_path(err['loc'])}: {err['msg']}{suffix}", hint)
