"""The labelled accuracy corpus (fixtures/accuracy/) is well-formed and `bench/accuracy.py` runs
on it. Figures are printed by the bench script, never asserted here (DESIGN §8)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import yaml

from ecq_scan.checks.registry import load_catalogue
from ecq_scan.models import DISCLOSURE_KEYS, EnterpriseType, Outcome

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "fixtures" / "accuracy"
CHECK_IDS = {c.meta.id for c in load_catalogue()}


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "ecq_bench_accuracy", ROOT / "bench" / "accuracy.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_labels_are_well_formed() -> None:
    labels = yaml.safe_load((CORPUS / "labels.yaml").read_text("utf-8"))
    cases = labels["cases"]
    pages_used: set[str] = set()
    assert len(cases) >= 10
    for name, case in cases.items():
        assert case.get("about"), name
        EnterpriseType(case.get("type", "transactional"))
        for page in case["pages"]:
            assert (CORPUS / "pages" / page["file"]).is_file(), (name, page["file"])
            assert page["url"].startswith(("http://", "https://")), name
            pages_used.add(page["file"])
        for check_id, outcome in (case.get("verdicts") or {}).items():
            assert check_id in CHECK_IDS, (name, check_id)
            Outcome(outcome)
        for key, values in (case.get("disclosures") or {}).items():
            assert key in DISCLOSURE_KEYS, (name, key)
            assert isinstance(values, list), (name, key)
    on_disk = {p.name for p in (CORPUS / "pages").glob("*.html")}
    assert on_disk == pages_used, "every page belongs to a case"
    assert len(on_disk) >= 40  # issue 3: at least 40 storefront-like pages


def test_bench_runs_and_scores_every_labelled_verdict() -> None:
    bench = _bench()
    labels = bench.load_labels()
    per_check, per_key, results = bench.evaluate(labels, load_catalogue())
    labelled = sum(len(c.get("verdicts") or {}) for c in labels["cases"].values())
    assert sum(s.n for s in per_check.values()) == labelled
    assert set(results) == set(labels["cases"])
    assert per_key["icp_filing"].tp >= 1


def test_bench_cli_prints_figures(capsys: object) -> None:
    bench = _bench()
    assert bench.main([]) == 0
    assert bench.main(["--json", "--check", "hsts"]) == 0
