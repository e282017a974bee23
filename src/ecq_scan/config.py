"""Settings: every limit and politeness knob, from a config file, the environment and CLI flags.

Precedence, lowest to highest: built-in defaults < config file (`--config FILE`, TOML or YAML)
< environment (`ECQ_<NAME>`, e.g. `ECQ_MAX_PAGES=100`) < command-line flags. Numbers that are
policy live here, not in code.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ecq_scan import __version__
from ecq_scan.errors import ConfigError
from ecq_scan.models import EnterpriseType

ENV_PREFIX = "ECQ_"
DEFAULT_USER_AGENT = (
    f"ecq-scan/{__version__} "
    "(+https://github.com/ecq-scan/ecq-scan; service-quality compliance scanner)"
)


class Settings(BaseModel):
    """Resolved settings for one scan. Recorded in the result's provenance."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    # what to scan and how to judge it
    enterprise_type: EnterpriseType = EnterpriseType.TRANSACTIONAL
    lang: str = Field(default="zh", pattern="^(zh|en)$")
    profile: str = "default"

    # crawl limits
    max_pages: int = Field(default=60, ge=1, le=100_000)
    max_depth: int = Field(default=3, ge=0, le=20)
    max_bytes_per_page: int = Field(default=5 * 1024 * 1024, ge=1024)
    page_timeout: float = Field(default=20.0, gt=0, description="seconds for one whole response")
    connect_timeout: float = Field(default=10.0, gt=0)
    scan_timeout: float = Field(default=600.0, gt=0, description="seconds for the whole crawl")
    max_redirects: int = Field(default=5, ge=0, le=20)
    max_html_depth: int = Field(
        default=4096,
        ge=256,
        le=65_536,
        description="levels of nesting a page's HTML may reach; past that it is parsed only up to "
        "there and counts as incomplete (parse time grows with the square of the depth)",
    )
    sample_products: int = Field(default=6, ge=0)
    sample_categories: int = Field(default=3, ge=0)

    # politeness
    obey_robots: bool = True
    user_agent: str = DEFAULT_USER_AGENT
    concurrency: int = Field(default=4, ge=1, le=256, description="requests in flight, all hosts")
    per_host_concurrency: int = Field(default=2, ge=1, le=64)
    per_host_delay: float = Field(
        default=0.5, ge=0, description="seconds between requests to a host"
    )
    retries: int = Field(default=2, ge=0, le=10)
    backoff: float = Field(default=0.5, ge=0, description="first retry delay; doubles each time")

    # safety: the SSRF guard refuses loopback, private, link-local … addresses unless this is
    # set on purpose (an intranet shop, the demo, tests); see crawl/ssrf.py
    allow_private: bool = False
    # TLS: verify https sites against these CA certificates (one PEM file) instead of the default
    # roots (certifi's copy of Mozilla's): an intranet shop with its own CA, a test server
    ca_bundle: str | None = Field(
        default=None, description="PEM file of CA certificates trusted instead of the default"
    )

    # rendering (crawl/browser.py): auto renders the home page, JavaScript shells, pages missing
    # the footer the home page has, and one sample page per role for axe-core
    render: Literal["auto", "always", "never"] = "auto"
    browser: str | None = Field(
        default=None, description="browser executable; default: discovered (ECQ_BROWSER, PATH)"
    )
    render_concurrency: int = Field(default=2, ge=1, le=16, description="pages rendered at once")
    render_timeout: float = Field(
        default=15.0, gt=0, le=300, description="hard deadline for rendering one page, seconds"
    )

    # output
    fail_under: str | None = Field(default=None, pattern="^(A|AA|AAA|AAAA|AAAAA)$")

    # history and monitoring (store/, monitor/): a shared SQLite ledger of scans and jobs
    history: str | None = Field(
        default=None, description="SQLite history database to record each scan in"
    )
    history_busy_timeout: float = Field(
        default=30.0, gt=0, le=3600, description="seconds a writer waits for the database lock"
    )
    history_checkpoint_every: int = Field(
        default=50, ge=0, description="commits between WAL truncations (0: SQLite's own)"
    )
    broker: str | None = Field(
        default=None, description="task-queue broker URL for batch/worker, e.g. redis://host/0"
    )
    job_max_attempts: int = Field(
        default=3, ge=1, le=20, description="times a job may start before it is aborted"
    )
    job_lease: float = Field(
        default=30.0, gt=0, description="seconds a worker's claim on a job lasts unrenewed"
    )
    job_time_limit: float = Field(
        default=1800.0, gt=0, description="hard limit on one job, seconds (the worker is killed)"
    )


def _read_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ConfigError(
            f"cannot read config file {path}: {exc.strerror}", "check the path given to --config"
        ) from exc
    try:
        if path.suffix.lower() == ".toml":
            data: Any = tomllib.loads(text)
        else:
            data = yaml.safe_load(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(
            f"config file {path} is not valid {path.suffix.lstrip('.') or 'YAML'}: {exc}",
            "fix the syntax or remove the file",
        ) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must hold a mapping of setting names to values")
    # accept `[scan]` / `scan:` sections as well as flat files
    if "scan" in data and isinstance(data["scan"], dict):
        data = {**{k: v for k, v in data.items() if k != "scan"}, **data["scan"]}
    return {str(k).replace("-", "_"): v for k, v in data.items()}


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in Settings.model_fields:
        key = ENV_PREFIX + name.upper()
        if key in env:
            out[name] = env[key]
    return out


def load_settings(
    config_file: Path | None = None,
    cli: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Merge defaults, file, environment and CLI values; one clear error names a bad field."""
    merged: dict[str, Any] = {}
    sources: dict[str, str] = {}
    if config_file is not None:
        for k, v in _read_file(config_file).items():
            merged[k], sources[k] = v, f"config file {config_file}"
    for k, v in _from_env(os.environ if env is None else env).items():
        merged[k], sources[k] = v, f"environment variable {ENV_PREFIX}{k.upper()}"
    for k, v in (cli or {}).items():
        if v is not None:
            merged[k], sources[k] = v, f"option --{k.replace('_', '-')}"
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else "?"
        where = sources.get(field, "settings")
        if err["type"] == "extra_forbidden":
            raise ConfigError(
                f"unknown setting {field!r} in {where}",
                f"known settings: {', '.join(Settings.model_fields)}",
            ) from exc
        raise ConfigError(f"invalid value for {field!r} from {where}: {err['msg']}") from exc
