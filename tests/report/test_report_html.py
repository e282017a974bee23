"""report.html: content of every section, both languages, and escaping of hostile site data."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import StrictUndefined

from ecq_scan.errors import InputError
from ecq_scan.models import (
    DISCLOSURE_KEYS,
    Disclosure,
    EnterpriseType,
    Evidence,
    Finding,
    I18nText,
    ItemKind,
    ItemState,
    Observability,
    Outcome,
    PageRole,
    ScanResult,
    ScanStatus,
    Severity,
    SkippedUrl,
)
from ecq_scan.report import render_html, write_html
from ecq_scan.report.fmt import safe_src, safe_url
from ecq_scan.report.html_report import environment
from ecq_scan.report.i18n import (
    DISCLOSURE_LABELS,
    ENTERPRISE_TYPE_LABELS,
    ITEM_KIND_LABELS,
    ITEM_STATE_LABELS,
    LANGS,
    OBSERVABILITY_LABELS,
    OUTCOME_ICONS,
    OUTCOME_LABELS,
    PAGE_ROLE_LABELS,
    SEVERITY_LABELS,
    STATUS_LABELS,
    STATUS_NOTES,
    TEXT,
    normalize_lang,
)


def section(html: str, anchor: str) -> str:
    """The markup of one top-level section, from its id to the next top-level section."""
    start = html.index(f'<section id="{anchor}"')
    end = html.find('\n<section id="', start + 1)
    return html[start : end if end != -1 else len(html)]


class TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = TagCollector()
    parser.feed(html)
    return parser.tags


@pytest.fixture
def en(result: ScanResult) -> str:
    return render_html(result, "en")


@pytest.fixture
def zh(result: ScanResult) -> str:
    return render_html(result, "zh")


# --- labels ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "keys"),
    [
        (OUTCOME_LABELS, [str(o) for o in Outcome]),
        (OUTCOME_ICONS, [str(o) for o in Outcome]),
        (DISCLOSURE_LABELS, list(DISCLOSURE_KEYS)),
        (STATUS_LABELS, [str(s) for s in ScanStatus]),
        (STATUS_NOTES, [str(s) for s in ScanStatus]),
        (ENTERPRISE_TYPE_LABELS, [str(e) for e in EnterpriseType]),
        (OBSERVABILITY_LABELS, [str(o) for o in Observability]),
        (ITEM_STATE_LABELS, [str(s) for s in ItemState]),
        (ITEM_KIND_LABELS, [str(k) for k in ItemKind]),
        (SEVERITY_LABELS, [str(s) for s in Severity]),
        (PAGE_ROLE_LABELS, [str(r) for r in PageRole]),
    ],
)
def test_every_vocabulary_value_has_labels(table: dict[str, object], keys: list[str]) -> None:
    assert set(keys) <= set(table)
    for key in keys:
        value = table[key]
        if isinstance(value, tuple):
            zh_text, en_text = value
            assert zh_text.strip() and en_text.strip()


def test_outcome_labels_differ_by_language() -> None:
    for zh_text, en_text in OUTCOME_LABELS.values():
        assert zh_text != en_text
    assert all(zh_text and en_text for zh_text, en_text in TEXT.values())


def test_normalize_lang() -> None:
    assert normalize_lang("zh-CN") == "zh"
    assert normalize_lang("EN_us") == "en"
    with pytest.raises(InputError, match="language"):
        normalize_lang("fr")


def test_environment_is_strict_and_escaping() -> None:
    env = environment()
    assert env.undefined is StrictUndefined
    autoescape = env.autoescape
    assert callable(autoescape) and autoescape("report.html.j2") is True


# --- content --------------------------------------------------------------------------------------


def test_header(en: str) -> None:
    overview = en[: en.index('<section id="grade"')]
    assert "https://shop.example.cn/" in overview
    assert "Transactional (5.1)" in overview
    assert "ecq-scan 0.1.0" in overview
    assert "Partial" in overview
    assert "time budget exhausted after 6 pages" in overview
    assert "2025-05-06 09:30:00" in overview


def test_grade_card_en(en: str) -> None:
    card = section(en, "grade")
    assert "no grade (below 50) … AAAA" in card
    assert "Provisional grade range" in card
    assert "33.3–83.3" in card
    assert "50%" in card
    assert "provisional" in card and "documents the assessor must supply" in card
    assert "Website evidence sub-score — not a T/EJCCSE grade" in card
    assert "66.7" in card
    assert "business licence not yet confirmed: grade at most AAAA" in card


def test_grade_card_zh(zh: str) -> None:
    card = section(zh, "grade")
    assert "未达级 … AAAA" in card
    assert "暂定等级区间" in card
    assert "网站证据分项得分 — 不是 T/EJCCSE 等级" in card
    assert "not a T/EJCCSE grade" not in zh


def test_subscore_is_never_presented_as_the_grade(en: str) -> None:
    card = section(en, "grade")
    big = card[card.index('class="grade-range"') :]
    big = big[: big.index("</div>")]
    assert "66.7" not in big


def test_final_grade_when_not_provisional(result: ScanResult) -> None:
    card = result.scorecard.model_copy(
        update={"grade_min": "AA", "grade_max": "AA", "provisional": False, "coverage": 1.0}
    )
    html = render_html(result.model_copy(update={"scorecard": card}), "en")
    grade = section(html, "grade")
    assert '<div class="grade-range">AA</div>' in grade
    assert "Grade (all applicable indicators decided)" in grade
    assert "Provisional grade range" not in grade


def test_disclosures_table(en: str) -> None:
    table = section(en, "disclosures")
    assert "91310000MA1FL0000X" in table
    assert "沪ICP备12345678号-1" in table
    assert "400-800-1234" in table
    assert "Unified social credit code (USCC)" in table
    assert "✗ invalid" in table and "✓ valid" in table and "not checked" in table
    assert "#company-info td.uscc" in table
    assert "check digit mismatch" in table
    # DESIGN §4 key order: icp_filing before uscc before customer_service
    assert table.index("沪ICP备") < table.index("91310000MA1FL0000X") < table.index("400-800")
    assert "Return and exchange policy" in table  # listed as not found


def test_every_outcome_label_is_shown(en: str, zh: str) -> None:
    for zh_text, en_text in OUTCOME_LABELS.values():
        assert en_text in en
        assert zh_text in zh


def test_verdicts_grouped_by_clause_in_order(en: str) -> None:
    verdicts = section(en, "verdicts")
    order = ["4.1", "4.2", "4.5", "7.2.2", "7.3.1", "7.8.1"]
    positions = [verdicts.index(f'<span class="clause-no">{c}</span>') for c in order]
    assert positions == sorted(positions)
    assert verdicts.index("Unregistered checks") > positions[-1]
    assert "7.2 Transparency" in verdicts


def test_titles_follow_the_outcome(en: str) -> None:
    verdicts = section(en, "verdicts")
    assert "<h4>No return policy found</h4>" in verdicts  # fail → fail title
    assert "<h4>ICP filing number displayed</h4>" in verdicts  # pass → pass title
    assert "<h4>Business licence information published</h4>" in verdicts  # review → neutral
    assert "<h4>legacy-plugin-check</h4>" in verdicts  # undeclared check kept, not dropped


def test_evidence_is_rendered(en: str) -> None:
    verdicts = section(en, "verdicts")
    assert "<code>#company-info td.uscc</code>" in verdicts
    assert "<blockquote>统一社会信用代码：91310000MA1FL0000X</blockquote>" in verdicts
    assert '<img src="screenshots/home-footer.png"' in verdicts
    assert 'href="https://shop.example.cn/licence"' in verdicts


def test_pages_searched_for_not_found_fail(en: str) -> None:
    verdicts = section(en, "verdicts")
    article = verdicts[verdicts.index("<h4>No return policy found</h4>") :]
    article = article[: article.index("</article>")]
    assert "<details>" in article and "Pages searched (4)" in article
    for path in ("/", "/help", "/about", "/contact"):
        assert f'href="https://shop.example.cn{path}"' in article


def test_indicator_table(en: str) -> None:
    table = section(en, "indicators")
    for text in ("Enterprise website", "Total assets", "Platform security", "Documents only"):
        assert text in table
    assert "not applicable to this enterprise type" in table
    assert "Group: Basic" in table
    assert "licence image needs reading" in table


def test_not_observable_section(en: str, zh: str) -> None:
    part = section(en, "not-observable")
    assert "Not observable from the website" in part
    assert "Total assets" in part and "Debt-to-asset ratio" in part
    assert "Audited balance sheet" in part
    assert "Firewall / intrusion detection" in part  # pending doc item of a partly indicator
    assert "Enterprise website" not in part  # website indicators are not listed
    assert "网站无法观察的内容" in section(zh, "not-observable")
    assert "经审计的年度财务报表" in section(zh, "not-observable")


def test_crawl_appendix(en: str) -> None:
    appendix = section(en, "appendix")
    assert "Pages fetched (6)" in appendix and "URLs skipped (2)" in appendix
    assert "timeout after 20 s" in appendix
    assert "disallowed by robots.txt" in appendix
    assert "https://shop.example.cn/help/index.html" in appendix  # redirect target
    assert "sha256:c0ffee" in appendix
    assert "default-transactional" in appendix
    assert "max_pages" in appendix and "obey_robots" in appendix


def test_languages_differ(en: str, zh: str) -> None:
    assert en != zh
    assert '<html lang="en">' in en
    assert '<html lang="zh-CN">' in zh
    assert "扫描概况" in zh and "Scan overview" not in zh
    assert "Scan overview" in en and "扫描概况" not in en


def test_self_contained(en: str) -> None:
    for tag, attrs in tags(en):
        assert tag not in {"script", "link", "iframe", "object", "embed"}
        if tag == "img":
            src = attrs.get("src") or ""
            assert "://" not in src  # screenshots are relative to the run directory
    assert "<style>" in en
    assert "@media print" in en


def test_minimal_result_renders(result: ScanResult) -> None:
    card = result.scorecard.model_copy(update={"indicators": [], "caps_applied": []})
    empty = result.model_copy(
        update={
            "findings": [],
            "disclosures": [],
            "pages": [],
            "skipped": [],
            "checks": [],
            "scorecard": card,
            "status": ScanStatus.UNSCANNABLE,
            "status_reason": "connection refused",
        }
    )
    for lang in LANGS:
        html = render_html(empty, lang)
        assert "connection refused" in html
    html = render_html(empty, "en")
    assert "No findings." in html
    assert "No disclosures were extracted." in html
    assert "No documents are pending." in html
    assert 'class="banner unscannable"' in html


def test_write_html(result: ScanResult, tmp_path: Path) -> None:
    path = write_html(result, tmp_path / "report.html", "zh")
    assert "未达级 … AAAA" in path.read_text(encoding="utf-8")


# --- safety ---------------------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
JS_URL = "javascript:alert(1)"
QUOTED = 'a[title="x"]\'><img src=x onerror=alert(1)>'


@pytest.fixture
def hostile(result: ScanResult) -> ScanResult:
    evil_text = I18nText(zh=SCRIPT, en=SCRIPT)
    finding = Finding(
        check_id="return-policy",
        outcome=Outcome.FAIL,
        message=evil_text,
        url="JaVaScRiPt:alert(2)",
        evidence=[
            Evidence(url=JS_URL, locator=QUOTED, snippet=SCRIPT, screenshot=JS_URL),
            Evidence(url=" java\tscript:alert(3)", snippet="x", screenshot="../../etc/passwd"),
            Evidence(url="data:text/html,<script>alert(4)</script>", screenshot="/etc/passwd"),
        ],
        pages_searched=[JS_URL, "vbscript:msgbox(1)"],
    )
    disclosure = Disclosure(
        key="uscc",
        value='<img src=x onerror="alert(5)">',
        url=JS_URL,
        locator=QUOTED,
        snippet=SCRIPT,
        note=SCRIPT,
    )
    pages = [
        page.model_copy(update={"url": JS_URL, "final_url": "javascript:alert(6)", "error": SCRIPT})
        for page in result.pages[:1]
    ]
    card = result.scorecard.model_copy(update={"caps_applied": [SCRIPT]})
    provenance = result.provenance.model_copy(
        update={"settings": {"user_agent": SCRIPT, QUOTED: [SCRIPT]}, "rule_pack_hash": SCRIPT}
    )
    return result.model_copy(
        update={
            "target": JS_URL,
            "host": SCRIPT,
            "status_reason": SCRIPT,
            "findings": [*result.findings, finding],
            "disclosures": [disclosure],
            "pages": pages,
            "skipped": [SkippedUrl(url=JS_URL, reason=SCRIPT)],
            "scorecard": card,
            "provenance": provenance,
        }
    )


@pytest.mark.parametrize("lang", LANGS)
def test_hostile_values_are_escaped(hostile: ScanResult, lang: str) -> None:
    html = render_html(hostile, lang)
    lowered = html.lower()
    assert "<script" not in lowered
    assert "<img src=x" not in lowered
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as text, not dropped
    assert "&#34;" in html or "&quot;" in html  # the quoted locator is escaped
    for tag, attrs in tags(html):
        assert tag != "script"
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            if name in {"href", "src"} and value is not None:
                assert "script:" not in value.lower().replace("\t", ""), (tag, name, value)
                assert not value.lower().startswith("data:"), (tag, name, value)
        if tag == "a":
            href = attrs["href"] or ""
            assert href.startswith(("https://", "http://", "#")), href
        if tag == "img":
            assert attrs["src"] not in {"../../etc/passwd", "/etc/passwd", JS_URL}
    assert 'href="javascript:' not in lowered
    assert JS_URL in html  # the URL is still there, as inert text


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://shop.example.cn/a?b=1", "https://shop.example.cn/a?b=1"),
        ("  http://x.example/  ", "http://x.example/"),
        ("HTTPS://X.EXAMPLE", "HTTPS://X.EXAMPLE"),
        ("javascript:alert(1)", None),
        ("JAVASCRIPT:alert(1)", None),
        (" java\tscript:alert(1)", None),
        ("java\nscript:alert(1)", None),
        ("data:text/html,hi", None),
        ("vbscript:x", None),
        ("//evil.example/x", None),
        ("/relative/path", None),
        ("https:///nohost", None),
        ("http://[::1", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_url(url: object, expected: str | None) -> None:
    assert safe_url(url) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("screenshots/home.png", "screenshots/home.png"),
        ("https://tracker.example/x.png", None),
        ("shots\\x.png", "shots\\x.png"),
        ("javascript:alert(1)", None),
        ("data:image/png;base64,AAAA", None),
        ("file:///etc/passwd", None),
        ("/etc/passwd", None),
        ("../../etc/passwd", None),
        ("shots/../../x.png", None),
        ("C:\\shots\\x.png", None),
        ("", None),
    ],
)
def test_safe_src(path: str, expected: str | None) -> None:
    assert safe_src(path) == expected
