"""The standard catalogue: every clause 4.1–8.4, the 33 indicators of Table A.1, Table 1."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from ecq_scan.errors import RuleError
from ecq_scan.models import Observability
from ecq_scan.models.check import CLAUSE_RE
from ecq_scan.standard import GRADES, Level, load_catalogue
from ecq_scan.standard.catalogue import observability_of

STANDARD_TEXT = Path("/work/shared/standard/service-quality-rules.zh.txt")


def _expected_clause_ids() -> list[str]:
    ids = [f"4.{i}" for i in range(1, 7)]
    ids += ["5.1", "5.1.1", "5.2", "5.3"]
    for sub, n in (("6.1", 12), ("6.2", 12), ("6.3", 9)):
        ids += [sub] + [f"{sub}.{i}" for i in range(1, n + 1)]
    for sub, n in (
        ("7.1", 3),
        ("7.2", 3),
        ("7.3", 3),
        ("7.4", 3),
        ("7.6", 3),
        ("7.7", 3),
        ("7.8", 6),
    ):
        ids += [sub] + [f"{sub}.{i}" for i in range(1, n + 1)]
    ids += ["7.5", "7.5.1", "7.5.1.1", "7.5.1.2", "7.5.2", "7.5.2.1", "7.5.2.2"]
    ids += ["7.5.3", "7.5.3.1", "7.5.3.2"]
    ids += [f"8.{i}" for i in range(1, 5)]
    return ids


def test_every_numbered_clause_4_to_8_is_present() -> None:
    cat = load_catalogue()
    expected = _expected_clause_ids()
    assert sorted(cat.clauses) == sorted(expected)
    assert len(cat.clauses) == 91
    for cid, clause in cat.clauses.items():
        assert CLAUSE_RE.match(cid)
        assert clause.id == cid
        assert clause.title.zh and clause.title.en and clause.text.zh and clause.text.en


def test_exactly_33_indicators_in_eight_groups() -> None:
    cat = load_catalogue()
    assert list(cat.indicators) == list(range(1, 34))
    assert [g.title.en for g in sorted(cat.groups.values(), key=lambda g: g.order)] == [
        "Basic",
        "Management systems",
        "Business operation",
        "Supporting infrastructure",
        "Consumer protection",
        "Human resources",
        "Innovation",
        "Contribution and honours",
    ]
    first_of_group = {
        1: "基本指标",
        6: "制度建设",
        9: "企业经营",
        14: "配套建设",
        20: "消费者权益保护",
        24: "人力资源建设",
        27: "创新发展",
        30: "贡献和荣誉",
    }
    for n, zh in first_of_group.items():
        assert cat.group_of(n).title.zh == zh
    assert cat.indicator(1).title.zh == "企业网站建设情况"
    assert cat.indicator(33).title.zh == "行业贡献"


def test_indicator_observability_follows_clause_signals_section_9() -> None:
    cat = load_catalogue()
    by = {
        o: sorted(n for n, i in cat.indicators.items() if i.observability is o)
        for o in Observability
    }
    assert by[Observability.WEBSITE] == [1, 15, 16, 22]
    assert by[Observability.PARTLY] == [4, 9, 14, 17, 18, 19, 20, 21, 23, 27, 29, 30, 31, 33]
    assert by[Observability.DOCUMENTS] == [2, 3, 5, 6, 7, 8, 10, 11, 12, 13, 24, 25, 26, 28, 32]


def test_clause_levels_and_observability() -> None:
    cat = load_catalogue()
    assert cat.clause("4.1").levels == (Level.SHALL, Level.SHOULD)
    assert cat.clause("4.1").level is Level.SHALL
    assert cat.clause("7.1.3").level is Level.SHOULD
    assert cat.clause("7.4.3").level is Level.MAY
    assert cat.clause("6.2.12").level is None  # 鼓励: none of 应/宜/可
    assert cat.clause("4.1").observability is Observability.PARTLY  # B (A format)
    assert cat.clause("4.2").observability is Observability.WEBSITE  # A / B
    assert cat.clause("4.3").observability is Observability.DOCUMENTS  # C
    assert cat.clause("7.8.6").observability is Observability.WEBSITE
    assert cat.clause("7.5").observability is None  # heading
    assert cat.clause("8.4").observability is None  # grading rule, not a requirement
    assert cat.clause("7.5.1.1").parent == "7.5.1"
    assert cat.clause("4.1").parent is None
    assert cat.clause("7.5.1.1").section == "7"


def test_indicators_list_the_clauses_that_feed_them() -> None:
    cat = load_catalogue()
    assert "7.8.6" in cat.indicator(22).clauses
    assert {"4.2", "6.1.10"} <= set(cat.indicator(14).clauses)
    for n, ind in cat.indicators.items():
        for cid in ind.clauses:
            assert n in cat.clause(cid).indicators


def test_table_1_thresholds() -> None:
    assert load_catalogue().grade_thresholds == {
        "A": 50,
        "AA": 60,
        "AAA": 70,
        "AAAA": 80,
        "AAAAA": 90,
    }
    assert GRADES == ("A", "AA", "AAA", "AAAA", "AAAAA")


def test_lookup_errors_name_the_id() -> None:
    cat = load_catalogue()
    with pytest.raises(KeyError, match=r"9\.9"):
        cat.clause("9.9")
    with pytest.raises(KeyError, match="34"):
        cat.indicator(34)


def test_catalogue_is_loaded_once() -> None:
    assert load_catalogue() is load_catalogue()


def test_observability_of_uses_the_leading_class() -> None:
    assert observability_of("A / B / C") is Observability.WEBSITE
    assert observability_of("B (A format)") is Observability.PARTLY
    assert observability_of("C (weak B)") is Observability.DOCUMENTS
    with pytest.raises(ValueError):
        observability_of("D")


@pytest.mark.skipif(not STANDARD_TEXT.exists(), reason="standard text not available")
def test_zh_text_is_verbatim_from_the_standard() -> None:
    def norm(s: str) -> str:
        return re.sub(r"[\s\-–—]+", "", s)

    source = norm(STANDARD_TEXT.read_text("utf-8"))
    cat = load_catalogue()
    for clause in cat.clauses.values():
        assert norm(clause.text.zh) in source, clause.id
    for ind in cat.indicators.values():
        assert norm(ind.title.zh) in source, ind.number
        assert norm(ind.content.zh) in source, ind.number


# ── broken catalogues are errors naming the file and field ──────────────────────────────────────


def _packaged_raw() -> dict[str, object]:
    from importlib import resources

    text = resources.files("ecq_scan.standard").joinpath("catalogue.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)
    assert isinstance(raw, dict)
    return raw


def _write(tmp_path: Path, raw: dict[str, object]) -> Path:
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    return path


def test_missing_indicator_is_an_error(tmp_path: Path) -> None:
    raw = _packaged_raw()
    indicators = raw["indicators"]
    assert isinstance(indicators, dict)
    del indicators[17]
    path = _write(tmp_path, raw)
    with pytest.raises(RuleError, match=r"catalogue\.yaml.*33 indicators.*missing \[17\]"):
        load_catalogue(path)


def test_thresholds_must_ascend(tmp_path: Path) -> None:
    raw = _packaged_raw()
    raw["grade_thresholds"] = {"A": 50, "AA": 70, "AAA": 60, "AAAA": 80, "AAAAA": 90}
    path = _write(tmp_path, raw)
    with pytest.raises(RuleError, match=r"catalogue\.yaml: field grade_thresholds: .*ascend"):
        load_catalogue(path)


def test_bad_clause_number_is_an_error(tmp_path: Path) -> None:
    raw = _packaged_raw()
    clauses = raw["clauses"]
    assert isinstance(clauses, dict)
    clauses["9.1"] = clauses["4.1"]
    path = _write(tmp_path, raw)
    with pytest.raises(RuleError, match=r"field clauses: .*'9\.1'"):
        load_catalogue(path)
