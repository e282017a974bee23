"""Command-line interface.

Exit codes: 0 done · 1 the guaranteed grade is below `--fail-under` · 2 usage or input error ·
3 the site could not be scanned · 130 interrupted (what was fetched is still reported).
User mistakes print one line (what happened — what to do) and never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from ecq_scan import __version__
from ecq_scan.errors import (
    EXIT_BELOW_THRESHOLD,
    EXIT_OK,
    EXIT_USAGE,
    UserFacingError,
)
from ecq_scan.models import EnterpriseType

F = TypeVar("F", bound=Callable[..., Any])
EXIT_INTERRUPTED = 130
GRADES = ("A", "AA", "AAA", "AAAA", "AAAAA")


def _fail(exc: UserFacingError) -> None:
    click.echo(f"ecq-scan: error: {exc}", err=True)
    sys.exit(exc.exit_code)


def _type_option(f: F) -> F:
    return click.option(
        "--type",
        "enterprise_type",
        type=click.Choice([t.value for t in EnterpriseType]),
        default=None,
        help="Enterprise type of clause 5 (default: transactional).",
    )(f)


def _history_option(f: F) -> F:
    return click.option(
        "--history",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="SQLite history database to record the scan in (created if missing; ECQ_HISTORY).",
    )(f)


def _lang_option(f: F) -> F:
    return click.option(
        "--lang",
        type=click.Choice(["zh", "en"]),
        default=None,
        help="Report language (default: zh).",
    )(f)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="ecq-scan")
def cli() -> None:
    """Scan an e-commerce site against T/EJCCSE 电子商务企业服务质量规程; grade it by Annex A."""


@cli.command()
@click.argument("url", required=False)
@_type_option
@_lang_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Output folder (default: reports/<host>-<timestamp>/).",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path),
    default=None,
    help="Settings file (TOML or YAML); environment ECQ_* and flags override it.",
)
@click.option("--max-pages", type=int, default=None, help="Pages to fetch at most (default 60).")
@click.option(
    "--max-depth", type=int, default=None, help="Link depth from the home page (default 3)."
)
@click.option(
    "--delay",
    "per_host_delay",
    type=float,
    default=None,
    help="Seconds between requests to one host (default 0.5).",
)
@click.option(
    "--concurrency", type=int, default=None, help="Requests in flight in total (default 4)."
)
@click.option(
    "--per-host-concurrency",
    type=int,
    default=None,
    help="Requests in flight per host (default 2).",
)
@click.option(
    "--page-timeout", type=float, default=None, help="Seconds for one whole response (default 20)."
)
@click.option(
    "--scan-timeout", type=float, default=None, help="Seconds for the whole crawl (default 600)."
)
@click.option(
    "--sample-products", type=int, default=None, help="Product pages fetched early (default 6)."
)
@click.option(
    "--sample-categories", type=int, default=None, help="Category pages fetched early (default 3)."
)
@click.option(
    "--ignore-robots",
    is_flag=True,
    default=False,
    help="Do not obey robots.txt (only with the site owner's permission).",
)
@click.option(
    "--allow-private",
    is_flag=True,
    default=False,
    help="Let the SSRF guard reach private and loopback addresses (scan an intranet site).",
)
@click.option(
    "--render",
    type=click.Choice(["auto", "always", "never"]),
    default=None,
    help="Render pages in Chromium: auto (home page, JavaScript-built pages, samples), always, "
    "never (default: auto).",
)
@click.option(
    "--browser",
    default=None,
    help="Chromium/Chrome executable (default: ECQ_BROWSER, else discovered on PATH).",
)
@click.option("--user-agent", default=None, help="User-Agent header (default names ecq-scan).")
@click.option("--profile", default=None, help="Scoring profile id (default: default).")
@click.option(
    "--evidence",
    "evidence_file",
    type=click.Path(path_type=Path),
    default=None,
    help="Assessor evidence file (YAML) for items a website cannot show.",
)
@click.option(
    "--rules",
    "rule_dirs",
    type=click.Path(path_type=Path),
    multiple=True,
    help="Extra folder of YAML rules (repeatable).",
)
@click.option(
    "--fail-under",
    type=click.Choice(GRADES),
    default=None,
    help="Exit 1 when the guaranteed grade is below this grade (CI gate).",
)
@click.option(
    "--resume",
    "resume_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Continue the interrupted scan stored in this --out folder (stored pages are reused).",
)
@_history_option
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
def scan(
    url: str | None,
    enterprise_type: str | None,
    lang: str | None,
    out_dir: Path | None,
    config_file: Path | None,
    max_pages: int | None,
    max_depth: int | None,
    per_host_delay: float | None,
    concurrency: int | None,
    per_host_concurrency: int | None,
    page_timeout: float | None,
    scan_timeout: float | None,
    sample_products: int | None,
    sample_categories: int | None,
    ignore_robots: bool,
    allow_private: bool,
    render: str | None,
    browser: str | None,
    user_agent: str | None,
    profile: str | None,
    evidence_file: Path | None,
    rule_dirs: tuple[Path, ...],
    fail_under: str | None,
    resume_dir: Path | None,
    history: Path | None,
    quiet: bool,
) -> None:
    """Crawl URL, check clauses 4 and 7, and write result.json and report.html.

    With --resume RUN_DIR (URL optional), continue a scan that was killed or interrupted:
    its stored pages are not fetched again and its settings are reused."""
    overrides: dict[str, Any] = {
        "enterprise_type": enterprise_type,
        "lang": lang,
        "max_pages": max_pages,
        "max_depth": max_depth,
        "per_host_delay": per_host_delay,
        "concurrency": concurrency,
        "per_host_concurrency": per_host_concurrency,
        "page_timeout": page_timeout,
        "scan_timeout": scan_timeout,
        "sample_products": sample_products,
        "sample_categories": sample_categories,
        "user_agent": user_agent,
        "profile": profile,
        "fail_under": fail_under,
        "obey_robots": False if ignore_robots else None,
        "allow_private": True if allow_private else None,
        "render": render,
        "browser": browser,
        "history": str(history) if history else None,
    }
    try:
        code = _run_scan(
            url or "",
            overrides,
            out_dir,
            config_file,
            evidence_file,
            list(rule_dirs),
            quiet,
            resume_dir=resume_dir,
        )
    except UserFacingError as exc:
        _fail(exc)
    sys.exit(code)


def _run_scan(
    url: str,
    overrides: dict[str, Any],
    out_dir: Path | None,
    config_file: Path | None,
    evidence_file: Path | None,
    rule_dirs: list[Path],
    quiet: bool,
    *,
    resume_dir: Path | None = None,
) -> int:
    from ecq_scan.config import Settings, load_settings
    from ecq_scan.crawl import validate_start_url
    from ecq_scan.errors import InputError
    from ecq_scan.report import ProgressReporter, print_summary, write_reports
    from ecq_scan.runner import default_out_dir, load_resume
    from ecq_scan.runner import scan as run_scan
    from ecq_scan.store import open_history

    if resume_dir is not None:  # the stored target and settings; flags given now win
        start, saved = load_resume(resume_dir)
        if url and validate_start_url(url) != start:
            raise InputError(f"{resume_dir} is a scan of {start}, not of {url}")
        given = {k: v for k, v in overrides.items() if v is not None}
        settings = Settings.model_validate({**saved.model_dump(), **given})
    else:
        if not url:
            raise InputError("give the URL of the site to scan", "or --resume RUN_DIR")
        start = validate_start_url(url)
        settings = load_settings(config_file, overrides)
    for path in [*([evidence_file] if evidence_file else []), *rule_dirs]:
        if not path.exists():
            raise InputError(f"{path} does not exist", "check the path")
    out = resume_dir or out_dir or default_out_dir(start)
    history = open_history(settings)  # a damaged or newer database stops us before any fetch
    with ProgressReporter(quiet=quiet) as progress:
        outcome = run_scan(
            start,
            settings,
            out,
            extra_rules=rule_dirs,
            evidence_file=evidence_file,
            progress=progress,
            resume=resume_dir is not None,
            history=history,
        )
    paths = write_reports(outcome.result, out, settings.lang)
    if history is not None:
        with history:
            history.record(outcome.result, outcome.result.scan_id or out.name, out)
    if not quiet:
        print_summary(outcome.result, settings.lang, None, paths)
    if outcome.unscannable is not None:
        click.echo(f"ecq-scan: error: {outcome.unscannable}", err=True)
        click.echo(f"ecq-scan: what was fetched is saved in {out}", err=True)
        return outcome.unscannable.exit_code
    if outcome.interrupted:
        click.echo(f"ecq-scan: interrupted; partial report written to {out}", err=True)
        return EXIT_INTERRUPTED
    return _gate(outcome.result, settings.fail_under)


def _gate(result: Any, fail_under: str | None) -> int:
    from ecq_scan.scoring import grade_at_least

    if fail_under and not grade_at_least(result.scorecard.grade_min, fail_under):
        got = result.scorecard.grade_min or "no grade"
        click.echo(f"ecq-scan: guaranteed grade {got} is below --fail-under {fail_under}", err=True)
        return EXIT_BELOW_THRESHOLD
    return EXIT_OK


@cli.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@_type_option
@_lang_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where to write the reports (default: RUN_DIR).",
)
@click.option(
    "--evidence",
    "evidence_file",
    type=click.Path(path_type=Path),
    default=None,
    help="Assessor evidence file (YAML).",
)
@click.option(
    "--rules",
    "rule_dirs",
    type=click.Path(path_type=Path),
    multiple=True,
    help="Extra folder of YAML rules (repeatable).",
)
@click.option("--fail-under", type=click.Choice(GRADES), default=None)
@_history_option
@click.option("--quiet", "-q", is_flag=True)
def audit(
    run_dir: Path,
    enterprise_type: str | None,
    lang: str | None,
    out_dir: Path | None,
    evidence_file: Path | None,
    rule_dirs: tuple[Path, ...],
    fail_under: str | None,
    history: Path | None,
    quiet: bool,
) -> None:
    """Re-run checks, scoring and reports offline from a previous scan's RUN_DIR.

    With --history, the re-scored result replaces the scan's rows in the history database."""
    from ecq_scan.report import print_summary, write_reports
    from ecq_scan.runner import audit as run_audit
    from ecq_scan.store import History

    overrides = {k: v for k, v in {"enterprise_type": enterprise_type, "lang": lang}.items() if v}
    try:
        db = History(history) if history else None
        result = run_audit(
            run_dir,
            overrides,
            extra_rules=list(rule_dirs),
            evidence_file=evidence_file,
            history=db,
        )
        out = out_dir or run_dir
        lang_used = lang or str(result.provenance.settings.get("lang", "zh"))
        paths = write_reports(result, out, lang_used)
        if db is not None:
            with db:
                db.record(result, result.scan_id or run_dir.name, run_dir)
    except UserFacingError as exc:
        _fail(exc)
    if not quiet:
        print_summary(result, lang_used, None, paths)
    sys.exit(_gate(result, fail_under))


@cli.group()
def checks() -> None:
    """The check catalogue."""


@checks.command("list")
@_lang_option
@click.option("--format", "fmt", type=click.Choice(["table", "markdown", "json"]), default="table")
@click.option("--rules", "rule_dirs", type=click.Path(path_type=Path), multiple=True)
def checks_list(lang: str | None, fmt: str, rule_dirs: tuple[Path, ...]) -> None:
    """Print every check with its clauses and Annex A indicators."""
    from ecq_scan.checks.registry import load_catalogue

    try:
        catalogue = load_catalogue(list(rule_dirs))
    except UserFacingError as exc:
        _fail(exc)
    lang = lang or "en"
    if fmt == "json":
        click.echo(
            json.dumps(
                [c.meta.model_dump(mode="json") for c in catalogue], ensure_ascii=False, indent=2
            )
        )
        return
    rows = [("id", "clauses", "indicators", "types", "absence fails", "browser", "title")]
    for c in catalogue:
        m = c.meta
        rows.append(
            (
                m.id,
                ",".join(m.clauses),
                ",".join(map(str, m.indicators)) or "-",
                ",".join(t.value for t in m.enterprise_types),
                "yes" if m.absence_is_failure else "no",
                "yes" if m.requires_browser else "no",
                m.title_pass.get(lang),
            )
        )
    if fmt == "markdown":
        click.echo(checks_markdown(rows))
        return
    from ecq_scan.checks.coverage import display_width

    widths = [max(display_width(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for r in rows:
        cells = [r[i] + " " * (widths[i] - display_width(r[i])) for i in range(len(widths))]
        click.echo("  ".join([*cells, r[-1]]).rstrip())
    click.echo(f"\n{len(catalogue)} checks")


@checks.command("coverage")
@_lang_option
@click.option("--format", "fmt", type=click.Choice(["table", "markdown", "json"]), default="table")
@click.option("--rules", "rule_dirs", type=click.Path(path_type=Path), multiple=True)
@click.option(
    "--profile", "profile_name", default="default", show_default=True, help="Profile for points."
)
def checks_coverage(
    lang: str | None, fmt: str, rule_dirs: tuple[Path, ...], profile_name: str
) -> None:
    """Every clause of 4–7 and Annex A indicator with the checks that serve it, or why none."""
    from ecq_scan.checks import coverage
    from ecq_scan.checks.registry import load_catalogue
    from ecq_scan.scoring import load_profile
    from ecq_scan.standard import load_catalogue as load_standard

    try:
        catalogue = load_catalogue(list(rule_dirs))
        profile = load_profile(profile_name, {c.meta.id for c in catalogue})
        cov = coverage.compute(load_standard(), [c.meta for c in catalogue], profile=profile)
    except UserFacingError as exc:
        _fail(exc)
    lang = lang or "en"
    if fmt == "json":
        click.echo(json.dumps(coverage.as_json(cov), ensure_ascii=False, indent=2))
    elif fmt == "markdown":
        click.echo(coverage.render_markdown(cov, lang, profile.profile_id), nl=False)
    else:
        click.echo(coverage.render_table(cov, lang))
        for problem in cov.problems:
            click.echo(f"problem: {problem}", err=True)


def checks_markdown(rows: Sequence[tuple[str, ...]]) -> str:
    """The catalogue as a Markdown table (README "What it checks" is generated from it)."""
    head, *body = rows
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join((f"`{r[0]}`", *r[1:])) + " |" for r in body]
    return "\n".join(lines)


@cli.command()
def schema() -> None:
    """Print the JSON Schema of result.json."""
    from ecq_scan.report import json_schema

    click.echo(json.dumps(json_schema(), ensure_ascii=False, indent=2))


@cli.command()
@_lang_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("reports/demo"),
    show_default=True,
)
@click.option("--quiet", "-q", is_flag=True)
def demo(lang: str | None, out_dir: Path, quiet: bool) -> None:
    """Serve the bundled compliant demo shop on 127.0.0.1, scan it, and write the report."""
    from ecq_scan.demo import find_demo_site
    from ecq_scan.devserver import serve_directory

    try:
        site = find_demo_site()
        with serve_directory(site) as base:
            if not quiet:
                click.echo(f"Serving the demo shop {site} at {base}", err=True)
            # the demo shop is served on 127.0.0.1, which the SSRF guard refuses by default
            overrides: dict[str, Any] = {"lang": lang, "per_host_delay": 0.0, "allow_private": True}
            code = _run_scan(base, overrides, out_dir, None, None, [], quiet)
    except UserFacingError as exc:
        _fail(exc)
    if not quiet:
        click.echo(f"Open {out_dir / 'report.html'} in a browser.", err=True)
    sys.exit(code)


def _add_monitor_commands() -> None:
    from ecq_scan.cli_monitor import batch, history, worker

    for command in (batch, worker, history):
        cli.add_command(command)


_add_monitor_commands()


def main() -> None:
    """Console-script entry point."""
    try:
        cli.main(standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("ecq-scan: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)


__all__ = ["EXIT_USAGE", "cli", "main"]
