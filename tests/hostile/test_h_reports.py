"""H · Hostile evidence → reports (H33–H34): what the site says is data, never markup, never a
link with a dangerous scheme, never a file name; every artefact stays inside the output folder.

The goal line's `unescaped` figure comes from H33: the HTML report is rendered from a scan of a
page full of injection payloads and from a synthetic ScanResult with a payload in every
free-text field, parsed back with Lexbor and compared structurally with a clean render.
The `csv_formula` figure comes from H34: findings.csv and disclosures.csv written from a scan of
pages full of formula payloads and from a synthetic result with a formula in every free-text
field, read back with the csv module: the count of cells that start with a formula trigger.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from selectolax.lexbor import LexborHTMLParser

from ecq_scan.models import ScanResult
from ecq_scan.report import render_html, summary_lines, write_reports

from .conftest import ScanCase
from .harness import GOAL, Canary, Reply, Site, html_reply, serving

pytestmark = pytest.mark.hostile

PAYLOADS = [
    "</title><script>window.__pwned=1</script>",
    '"><img src=x onerror=__pwned=1>',
    "javascript:__pwned=1",
    "data:text/html;base64,PHNjcmlwdD5fX3B3bmVkPTE8L3NjcmlwdD4=",
    "</script><script>__pwned=1</script>",
    "\u2028\u2029",
    "PWN{{ 7*7 }}",
    "{% for x in range(10**9) %}x{% endfor %}",
    "</style><style>body{background:url(http://127.0.0.1:9/)}</style>",
    "<svg onload=__pwned=1>",
    "\u202egnp.exe",
    "<iframe src=javascript:__pwned=1>",
    "\x1b[2J\x07",
]


def _hostile_page(canary: Canary) -> str:
    joined = " ".join(PAYLOADS).replace("127.0.0.1:9", f"127.0.0.1:{canary.port}")
    esc = joined.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    links = "".join(
        f'<a href="{u}">{esc}</a>'
        for u in ("javascript:__pwned=1", "data:text/html,<script>__pwned=1</script>", "/ok/2")
    )
    return (
        f"<!doctype html><html lang=zh><head><title>{esc}</title>"
        f'<meta name="description" content="{esc}"></head><body>'
        f'<h1>{esc}</h1><p>隐私政策 营业执照 {esc}</p><img alt="{esc}" src="/x.png">{links}'
        f'<footer>{esc} 京ICP备2024077296号-1 {esc} <a href="/ok/2">隐私政策 {esc}</a></footer>'
        f"<p>{'长' * 1_000_000}</p></body></html>"
    )


def _structure(report: str) -> dict[str, Any]:
    """Elements, event-handler attributes and dangerous URLs of a report, as a browser's HTML
    parser (Lexbor) sees them."""
    nodes = [n for n in LexborHTMLParser(report).root.traverse() if not n.tag.startswith("-")]
    tags = Counter(n.tag for n in nodes)
    attrs = [(n.tag, k.lower(), v or "") for n in nodes for k, v in n.attributes.items()]
    on_attrs = [(tag, name) for tag, name, _v in attrs if name.startswith("on")]
    bad_urls = [
        (tag, name, value[:60])
        for tag, name, value in attrs
        if name in ("href", "src", "action", "formaction", "srcdoc", "data")
        and re.match(r"\s*(javascript|data|vbscript):", value, re.I)
    ]
    return {"tags": tags, "on": on_attrs, "urls": bad_urls}


def _unescaped(report: str, clean: str) -> int:
    """Injected elements, event handlers and dangerous URLs in `report` that the clean render
    of the same template does not have, plus raw (unescaped) payload strings."""
    got, base = _structure(report), _structure(clean)
    extra = sum(
        max(0, got["tags"][t] - base["tags"][t])
        for t in ("script", "iframe", "svg", "object", "embed", "style", "img", "math", "form")
    )
    raw = sum(
        report.count(p)
        for p in ("<script>window.__pwned", "<img src=x onerror", "<svg onload", "<iframe src=j")
    )
    return extra + len(got["on"]) + len(got["urls"]) + raw


_FREE_TEXT = {
    "url", "final_url", "snippet", "locator", "value", "error", "reason", "en", "zh",
    "status_reason", "note", "target", "user_agent", "content_type", "title", "host",
}  # fmt: skip


def _poison(node: Any, i: list[int]) -> Any:
    """Every free-text string of a result dump, with a payload appended (cycled)."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k in _FREE_TEXT and isinstance(v, str):
                i[0] += 1
                out[k] = v + PAYLOADS[i[0] % len(PAYLOADS)]
            elif k in ("pages_searched", "redirects") and isinstance(v, list):
                out[k] = [s + PAYLOADS[n % len(PAYLOADS)] for n, s in enumerate(v)]
            else:
                out[k] = _poison(v, i)
        return out
    if isinstance(node, list):
        return [_poison(v, i) for v in node]
    return node


@pytest.mark.hostile_case("H33")
def test_h33_xss_and_template_injection_through_evidence(
    scan_case: ScanCase, canary: Canary
) -> None:
    site = Site({"/evil": html_reply(_hostile_page(canary))}, links=["/evil"])
    site.server.routes["/evil2"] = Reply(
        200, b"<p>x</p>", {"Content-Type": "text/html", "X-Evil": "<script>__pwned=1</script>"}
    )
    honest = Site()
    with serving(site, honest):
        run = scan_case(site.url)
        clean = scan_case(honest.url)
    report = run.report_html
    # the oracle sees what it must see (a check of the check)
    broken = clean.report_html.replace(
        "</body>", '<script>1</script><a href="javascript:1" onclick=1>'
    )
    assert _unescaped(broken, clean.report_html) == 3
    assert "Content-Security-Policy" in report and "default-src 'none'" in report
    assert "PWN49" not in report, "template syntax from the site was evaluated"
    assert len(report) < 4_000_000, "snippets must be bounded before they reach the report"
    count = _unescaped(report, clean.report_html)

    poisoned = ScanResult.model_validate(_poison(run.result.model_dump(mode="json"), [0]))
    for lang in ("en", "zh"):
        html = render_html(poisoned, lang)
        assert "PWN49" not in html
        count += _unescaped(html, render_html(run.result, lang))
    GOAL["unescaped"] = count
    assert count == 0
    run.assert_invariants(time_budget=15, mem_budget_mib=300, urls=site.hostile_urls)


TRAVERSAL = [
    "/../../../../outside/pwn",
    "/%2e%2e%2f%2e%2e%2fpwn",
    "/con",
    "/aux.html",
    "/a%00b",
    "/" + "s" * 300,
    "/%E2%80%AEgnp.exe",
    "/=HYPERLINK(%22http://127.0.0.1%22)",
]


@pytest.mark.hostile_case("H34")
def test_h34_json_and_filename_injection(scan_case: ScanCase, tmp_path: Path) -> None:
    formula_text = "=cmd|' /C calc'!A0 +1 -2 @SUM(A1) \t\r ＝ \x1b[2J \\ \" "
    utf16 = (
        "\ufeff<!doctype html><p>营业执照 bad half: ".encode("utf-16-le")
        + b"\x00\xd8"
        + "</p>".encode("utf-16-le")
    )
    routes: dict[str, Any] = {
        "/formula": html_reply(
            f"<!doctype html><title>{formula_text}</title><p>{formula_text}</p>"
        ),
        "/utf16": Reply(200, utf16, {"Content-Type": "text/html; charset=utf-16"}),
    }
    site = Site(routes, links=[*routes, *TRAVERSAL])
    with serving(site):
        run = scan_case(site.url)
    out = run.out.resolve()
    for path in out.rglob("*"):
        assert path.resolve().is_relative_to(out), path
        assert len(path.name) <= 64, path.name
        assert "pwn" not in path.name and path.stem != "con"
    assert not (out.parent / "outside").exists() and not (tmp_path / "outside").exists()
    data = (run.out / "result.json").read_text("utf-8")
    parsed = json.loads(data)  # valid JSON
    assert not re.search(r"\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])", data, re.I), "lone surrogate"
    assert parsed["target"] == site.url
    for line in summary_lines(run.result, "en"):
        text = line if isinstance(line, str) else str(line)
        assert "\x1b" not in text and "\x07" not in text
    # CSV: a formula in every free-text field of the result, written and read back
    formulas = [
        '=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "＝1",
        " =1", "=cmd|' /C calc'!A0", "\u3000+1",
    ]  # fmt: skip
    poisoned = _poison_with(run.result.model_dump(mode="json"), formulas)
    csv_dir = tmp_path / "csv"
    write_reports(ScanResult.model_validate(poisoned), csv_dir, "en")
    bad = _formula_cells(run.out) + _formula_cells(csv_dir)
    assert (csv_dir / "findings.csv").stat().st_size > 0
    GOAL["csv_formula"] = bad
    assert bad == 0
    run.assert_invariants(time_budget=10)


def _poison_with(node: Any, payloads: list[str]) -> Any:
    """Every free-text string of a result dump *replaced* by a formula payload (cycled), so
    each cell starts with a trigger unless the export neutralises it."""
    count = [0]

    def walk(n: Any) -> Any:
        if isinstance(n, dict):
            out = {}
            for k, v in n.items():
                if k in _FREE_TEXT and isinstance(v, str) and k not in ("url", "final_url"):
                    count[0] += 1
                    out[k] = payloads[count[0] % len(payloads)] + v
                else:
                    out[k] = walk(v)
            return out
        if isinstance(n, list):
            return [walk(v) for v in n]
        return n

    return walk(node)


def _formula_cells(folder: Path) -> int:
    """Cells of the CSV exports in `folder` that a spreadsheet would run as a formula."""
    triggers = tuple("=+-@\t\r＝＋－＠")
    bad = 0
    for name in ("findings.csv", "disclosures.csv"):
        text = (folder / name).read_text("utf-8-sig")
        for row in csv.reader(io.StringIO(text, newline="")):
            # stricter than "the first character": any leading whitespace is skipped first
            bad += sum(1 for cell in row if cell.lstrip().startswith(triggers))
    return bad
