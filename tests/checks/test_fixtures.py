"""Every fixtures/checks/<check-id>/expected.yaml case, run through observe + conclude.

Format of expected.yaml (one entry per case file; other .html files are extra pages)::

    pass.html:
      url: http://shop.example.cn/          # where the page pretends to live (drives its role)
      outcome: pass                         # the most serious outcome among the findings
      outcomes: {http://…/p/1.html: fail}   # optional, per-page outcomes (page-scope checks)
      disclosures: [{key: icp_filing, value: 京ICP备2024077296号-1, valid: true}]
                                            # expected ⊆ actual; `[]` means "none at all"
      forbidden_disclosures: [{key: icp_filing, value: 京ICP证070359号}]
                                            # optional: none of these may be disclosed
      message: 'claim needs evidence'       # optional substring of the zh or en message
      pages: [{file: page-licence.html, url: http://shop.example.cn/licence.html}]
      failed: [{url: http://shop.example.cn/returns.html, role: returns}]
      home_ok: true                         # false: the home page failed to load
      enterprise_type: platform             # default transactional
      render: {axe: {violations: […]}, cookies_before_consent: […], consent_notice: false}
                                            # optional RenderInfo (what a browser saw) for the
                                            # case page; a `pages` entry may carry its own
      requested_url: http://shop.example.cn/    # optional: the URL asked for (before redirects)
      headers: {strict-transport-security: max-age=31536000}
                                            # optional response headers (lower-case names), for
                                            # the case page or a `pages` entry
      probes: [{at: '2026-11-01T08:00:00+00:00', status: 200}]
                                            # optional home-page probes (history + this scan)
      tls: {host: www.yunqi.example.cn, port: 443, observed_at: '2026-06-01T00:00:00Z',
            version: TLSv1.3, verified: true, certificate: {…}, legacy: […]}
                                            # optional TlsInfo: what the crawler's handshakes saw
                                            # for the home page; it becomes the site's home_tls
                                            # (also when the home page is listed under `failed`,
                                            # as a bad certificate makes it) and the case page's
                                            # `tls` when the case page is the home page
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from ecq_scan.artifacts import parse_html
from ecq_scan.checks.base import Check, Hit, PageSummary, Probe, SiteContext, Verdict
from ecq_scan.checks.registry import load_catalogue
from ecq_scan.models import EnterpriseType, Outcome, PageRole, RenderInfo, TlsInfo

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "checks"
_CJK = re.compile(r"[\u4e00-\u9fff]")
_RANK = {"error": 4, "fail": 3, "needs_review": 2, "pass": 1, "not_applicable": 0}
CATALOGUE: dict[str, Check] = {c.meta.id: c for c in load_catalogue()}


def _cases() -> list[Any]:
    out = []
    for exp in sorted(FIXTURES.glob("*/expected.yaml")):
        data = yaml.safe_load(exp.read_text("utf-8")) or {}
        for fname, spec in data.items():
            out.append(pytest.param(exp.parent.name, fname, spec, id=f"{exp.parent.name}/{fname}"))
    return out


def run_case(check: Check, case_dir: Path, fname: str, spec: dict[str, Any]) -> Verdict:
    """Parse the pages, observe each one the check looks at, conclude over the whole site."""
    entries = [{"file": fname, **spec}, *spec.get("pages", [])]
    pages = [
        parse_html(
            (case_dir / e["file"]).read_text("utf-8"),
            url=e["url"],
            requested_url=e.get("requested_url"),
            headers=e.get("headers"),
        )
        for e in entries
    ]
    for page, entry in zip(pages, entries, strict=True):
        if "render" in entry:  # what a browser saw; the static walker cannot render
            page.render = RenderInfo.model_validate(entry["render"])
    hits: list[Hit] = []
    for page in pages:
        if check.applies_to_page(page):
            hits.extend(check.observe(page))
    summaries = [
        PageSummary(p.url, p.role, ok=True, chinese=bool(_CJK.search(p.text))) for p in pages
    ]
    summaries += [
        PageSummary(
            f["url"],
            PageRole(f.get("role", "other")),
            ok=False,
            error="HTTP 503",
            link_role=PageRole(f["link_role"]) if "link_role" in f else None,
        )
        for f in spec.get("failed", [])
    ]
    parts = urlsplit(spec["url"])
    home_url = spec.get("home", f"{parts.scheme}://{parts.netloc}/")
    tls = TlsInfo.model_validate(spec["tls"]) if "tls" in spec else None
    if tls is not None and spec["url"] == home_url:
        pages[0].tls = tls
    site = SiteContext(
        home_url=home_url,
        enterprise_type=EnterpriseType(spec.get("enterprise_type", "transactional")),
        pages=tuple(summaries),
        home_ok=spec.get("home_ok", True),
        probes=tuple(
            Probe(datetime.fromisoformat(str(p["at"])), p.get("status"))
            for p in spec.get("probes", [])
        ),
        home_tls=tls,
    )
    return check.conclude(hits, site)


def overall(verdict: Verdict) -> str:
    return max((f.outcome.value for f in verdict.findings), key=_RANK.__getitem__)


@pytest.mark.parametrize(("check_id", "fname", "spec"), _cases())
def test_fixture(check_id: str, fname: str, spec: dict[str, Any]) -> None:
    check = CATALOGUE[check_id]
    verdict = run_case(check, FIXTURES / check_id, fname, spec)
    assert verdict.findings, "a check always returns at least one finding"
    got = overall(verdict)
    summary = [(f.outcome.value, f.url, f.message.en) for f in verdict.findings]
    assert got == spec["outcome"], summary

    for url, outcome in (spec.get("outcomes") or {}).items():
        page = [f.outcome.value for f in verdict.findings if f.url == url]
        assert page == [outcome], (url, summary)

    if "message" in spec:
        texts = " | ".join(f"{f.message.zh} {f.message.en}" for f in verdict.findings)
        assert spec["message"] in texts

    actual = [(d.key, d.value, d.valid) for d in verdict.disclosures]
    expected = spec.get("disclosures")
    if expected == []:
        assert actual == []
    for d in expected or []:
        matches = [a for a in actual if a[0] == d["key"] and a[1] == d["value"]]
        assert matches, (d, actual)
        if "valid" in d:
            assert any(a[2] is d["valid"] for a in matches), (d, actual)

    for d in spec.get("forbidden_disclosures") or []:
        assert (d["key"], d["value"]) not in [(a[0], a[1]) for a in actual], (d, actual)

    # invariants from the design: evidence for every fail / review, never a bare verdict
    for f in verdict.findings:
        assert f.check_id == check_id
        if f.outcome in (Outcome.FAIL, Outcome.NEEDS_REVIEW):
            assert f.evidence or f.pages_searched, f
        for e in f.evidence:
            assert e.url.startswith("http")
    for d in verdict.disclosures:
        assert d.url.startswith("http")
