"""Atomic file writes for report outputs.

A scan can be interrupted (Ctrl-C, CI timeout) while a report is being written. Writing to a
temporary file in the same directory and renaming it with `os.replace` means a reader — a CI step,
`ecq-scan audit`, the monitoring store — sees either the previous complete file or the new one,
never a truncated JSON document.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def atomic_write_text(path: Path, text: str, newline: str = "\n") -> Path:
    """Write `text` as UTF-8 to `path` atomically; creates the parent directory if needed.
    `newline=""` writes line ends as they are in `text` (CSV's \r\n)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp creates the file 0600; a report is an ordinary file for whoever reads the folder.
        # (A fixed mode rather than reading the umask, which cannot be read without changing it.)
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    return path
