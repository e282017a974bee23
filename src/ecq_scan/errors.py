"""Errors that reach the user as one clear line and a documented exit code.

Anything raised as a subclass of `UserFacingError` is printed without a traceback by the CLI;
everything else is a bug and keeps its traceback.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_BELOW_THRESHOLD = 1
EXIT_USAGE = 2
EXIT_UNSCANNABLE = 3


class UserFacingError(Exception):
    """An error caused by input or circumstances, not by a bug: print `str(self)` and exit."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base} — {self.hint}" if self.hint else base


class InputError(UserFacingError):
    """Bad URL, bad flag value, malformed config or rule file (exit 2)."""

    exit_code = EXIT_USAGE


class ConfigError(InputError):
    """A settings file or environment variable that cannot be used."""


class RuleError(InputError):
    """A YAML rule or profile that does not validate; the message names file and field."""


class SiteUnscannableError(UserFacingError):
    """The site could not be scanned at all (DNS, refused, robots disallow, not HTML): exit 3."""

    exit_code = EXIT_UNSCANNABLE
