"""result.json: the ScanResult as versioned JSON, and the way back in.

`result.json` is what `ecq-scan audit`, `ecq-scan report` and the monitoring history read later,
possibly with a newer ecq-scan. So reading checks the schema's major version before validating and
turns every way a file can be wrong into one `InputError` line instead of a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ecq_scan.errors import InputError
from ecq_scan.models import SCHEMA_VERSION, ScanResult
from ecq_scan.report._io import atomic_write_text


def _major(version: str) -> str:
    return version.split(".", 1)[0]


def dumps(result: ScanResult) -> str:
    """The JSON text of a result: UTF-8 characters kept as they are (Chinese stays readable)."""
    payload = result.model_dump(mode="json")
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


def write_json(result: ScanResult, path: Path | str) -> Path:
    """Write `result` to `path` atomically (temporary file + `os.replace`); returns the path."""
    return atomic_write_text(Path(path), dumps(result))


def loads(text: str, source: str = "<string>") -> ScanResult:
    """Parse and validate result JSON; `source` names the file in error messages."""
    try:
        payload: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{source} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc
    if not isinstance(payload, dict) or "schema_version" not in payload:
        raise InputError(
            f"{source} is not an ecq-scan result (no schema_version)",
            hint="pass the result.json written by `ecq-scan scan`",
        )
    version = payload["schema_version"]
    if not isinstance(version, str) or _major(version) != _major(SCHEMA_VERSION):
        raise InputError(
            f"{source} has result schema version {version!r}; this ecq-scan reads "
            f"{_major(SCHEMA_VERSION)}.x",
            hint="re-run the scan, or use the ecq-scan version that wrote it",
        )
    try:
        return ScanResult.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(root)"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise InputError(
            f"{source} does not match the result schema {SCHEMA_VERSION}: {where}: "
            f"{first['msg']}{more}"
        ) from exc


def read_json(path: Path | str) -> ScanResult:
    """Load a result.json; any missing, unreadable, malformed or incompatible file is InputError."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError(f"result file not found: {file}") from exc
    except IsADirectoryError as exc:
        raise InputError(
            f"{file} is a directory", hint="pass the result.json inside the output folder"
        ) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{file} is not UTF-8 text (byte {exc.start})") from exc
    except OSError as exc:
        raise InputError(f"cannot read {file}: {exc.strerror or exc}") from exc
    return loads(text, source=str(file))


def json_schema() -> dict[str, Any]:
    """The JSON Schema of result.json (what `ecq-scan schema` prints)."""
    return ScanResult.model_json_schema()
