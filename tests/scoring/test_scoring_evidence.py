"""Assessor evidence files: schema, item ids checked against the profile, path recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ecq_scan.errors import RuleError
from ecq_scan.models import EnterpriseType
from ecq_scan.scoring import Profile, load_evidence, score
from ecq_scan.standard import StandardCatalogue


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "applicant.yaml"
    path.write_text(text, "utf-8")
    return path


def test_load_and_score(
    tmp_path: Path, make: Any, profile: Profile, catalogue: StandardCatalogue
) -> None:
    path = _write(
        tmp_path,
        """
enterprise: 示例商城有限公司
items:
  2.total-assets: {score: 1, source: 2024 年度审计报告}
  3.debt-ratio: {score: 0.5, source: 2024 年度审计报告, note: 资产负债率 0.62}
  1.licence-type: {score: true, source: 审核员 张三}
""",
    )
    evidence = load_evidence(path, profile)
    assert evidence.enterprise == "示例商城有限公司"
    assert evidence.items["1.licence-type"].fraction == 1.0
    assert evidence.path == str(path)
    card = score(
        make.findings("pass"), profile, catalogue, EnterpriseType.PLATFORM, evidence=evidence
    )
    assert card.evidence_file == str(path)
    assert card.earned == pytest.approx(15.75 + 2 + 1 + 1)
    assert card.lost == pytest.approx(1)


@pytest.mark.parametrize(
    ("body", "pattern"),
    [
        (
            "items:\n  2.total-assets: {score: 1.5, source: x}\n",
            r"field items\.2\.total-assets\.score",
        ),
        (
            "items:\n  2.total-assets: {score: 'yes', source: x}\n",
            r"field items\.2\.total-assets\.score",
        ),
        ("items:\n  2.total-assets: {score: 1}\n", r"field items\.2\.total-assets\.source"),
        (
            "items:\n  2.total-assets: {score: 1, source: ''}\n",
            r"field items\.2\.total-assets\.source",
        ),
        (
            "items:\n  2.total-assets: {score: 1, source: x, reviewer: y}\n",
            r"field items\.2\.total-assets\.reviewer",
        ),
        (
            "items:\n  99.nothing: {score: 1, source: x}\n",
            r"field items\.99\.nothing: unknown item '99\.nothing'",
        ),
        ("items:\n  16.terms: {score: 1, source: x}\n", r"'16\.terms' is an auto item"),
        ("- just a list\n", r"must be a mapping"),
        ("items: {unclosed\n", r"cannot be read as YAML"),
    ],
)
def test_invalid_evidence_names_file_and_field(
    tmp_path: Path, profile: Profile, body: str, pattern: str
) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(RuleError, match=pattern) as exc:
        load_evidence(path, profile)
    assert "applicant.yaml" in str(exc.value)


def test_missing_file(tmp_path: Path, profile: Profile) -> None:
    with pytest.raises(RuleError, match=r"nope\.yaml: cannot be read"):
        load_evidence(tmp_path / "nope.yaml", profile)
