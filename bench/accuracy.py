"""Accuracy of the checks on the labelled corpus (fixtures/accuracy/): precision and recall per
check and per disclosure key.

Each case in `fixtures/accuracy/labels.yaml` is a small site (static pages with the URL each
pretends to live at, response headers, the enterprise type) and a person's verdicts and true
disclosures. Every check observes every page and concludes once per case, exactly as a scan
would; the site-level outcome is the worst finding (as the end-to-end tests read it). Pages are
decoded from bytes as a scan decodes them (`decode_html`: GBK pages), and a page whose static HTML
only JavaScript fills counts as not loaded, as in a scan without a browser (`js_shell_reason`).

Per check, for each outcome class that moves or blocks a score:

- `fail`:  precision = labelled fail among predicted fail (false fails are the costly error);
           recall    = predicted fail among labelled fail;
- `pass`:  the same for pass (a false pass earns points the site does not deserve);
- accuracy = exact outcome matches / labelled cases.

Per disclosure key: a predicted value is a true positive when it matches a labelled value (one
contains the other after NFKC and case folding), else a false positive; a labelled value no
prediction matches is a false negative.

It prints figures only and never asserts a threshold (DESIGN §8). Exit status is 0 unless the
corpus cannot be read.

    .venv/bin/python bench/accuracy.py [--check ID …] [--json] [--cases]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from ecq_scan.artifacts import parse_html
from ecq_scan.checks.base import Check, Hit, PageSummary, SiteContext
from ecq_scan.checks.registry import load_catalogue
from ecq_scan.crawl.browser import js_shell_reason
from ecq_scan.crawl.encoding import decode_html
from ecq_scan.models import DISCLOSURE_KEYS, Disclosure, EnterpriseType, Outcome

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "accuracy"
SEVERITY = ["error", "fail", "needs_review", "pass", "not_applicable"]
OUTCOMES = frozenset(o.value for o in Outcome)
_CJK = re.compile(r"[\u4e00-\u9fff]")


def fold(s: str | None) -> str:
    return unicodedata.normalize("NFKC", s or "").casefold().strip()


@dataclass
class CaseResult:
    case: str
    outcomes: dict[str, str]
    disclosures: list[Disclosure]


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


@dataclass
class CheckScore:
    n: int = 0
    exact: int = 0
    by_class: dict[str, Tally] = field(
        default_factory=lambda: {"fail": Tally(), "pass": Tally(), "needs_review": Tally()}
    )
    misses: list[str] = field(default_factory=list)


def load_labels(corpus: Path = CORPUS) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((corpus / "labels.yaml").read_text("utf-8"))
    return data


def run_case(spec: dict[str, Any], checks: list[Check], corpus: Path = CORPUS) -> CaseResult:
    """Parse the case's pages, observe with every check, conclude once per check."""
    pages = []
    loaded: list[bool] = []
    for entry in spec["pages"]:
        # bytes decoded as a scan decodes them (GBK pages, charset in a header or <meta>)
        headers = {k.lower(): v for k, v in (entry.get("headers") or {}).items()}
        body = (corpus / "pages" / entry["file"]).read_bytes()
        html = decode_html(body, headers.get("content-type"))[0]
        # as a scan without a browser: a page only JavaScript fills counts as not loaded
        loaded.append(js_shell_reason(html) is None)
        pages.append(
            parse_html(
                html,
                url=entry["url"],
                requested_url=entry.get("requested_url"),
                headers=entry.get("headers"),
            )
        )
    first = urlsplit(spec["pages"][0]["url"])
    home = spec.get("home", f"{first.scheme}://{first.netloc}/")
    site = SiteContext(
        home_url=home,
        enterprise_type=EnterpriseType(spec.get("type", "transactional")),
        pages=tuple(
            PageSummary(p.url, p.role, ok=ok, chinese=bool(_CJK.search(p.text)))
            for p, ok in zip(pages, loaded, strict=True)
        ),
        home_ok=all(ok for p, ok in zip(pages, loaded, strict=True) if p.url == home),
    )
    outcomes: dict[str, str] = {}
    disclosures: list[Disclosure] = []
    for check in checks:
        if site.enterprise_type not in check.meta.enterprise_types:
            outcomes[check.meta.id] = Outcome.NOT_APPLICABLE.value
            continue
        hits: list[Hit] = []
        for page in pages:
            if check.applies_to_page(page):
                hits.extend(check.observe(page))
        verdict = check.conclude(hits, site)
        found = [f.outcome.value for f in verdict.findings]
        outcomes[check.meta.id] = min(found, key=SEVERITY.index) if found else "missing"
        disclosures.extend(verdict.disclosures)
    return CaseResult(spec.get("id", ""), outcomes, disclosures)


def _match(predicted: str, truth: str) -> bool:
    p, t = fold(predicted), fold(truth)
    return bool(p) and bool(t) and (t in p or p in t)


def evaluate(
    labels: dict[str, Any], checks: list[Check], only: set[str] | None = None
) -> tuple[dict[str, CheckScore], dict[str, Tally], dict[str, CaseResult]]:
    per_check: dict[str, CheckScore] = defaultdict(CheckScore)
    per_key: dict[str, Tally] = defaultdict(Tally)
    results: dict[str, CaseResult] = {}
    for name, spec in labels["cases"].items():
        result = run_case({**spec, "id": name}, checks)
        results[name] = result
        for check_id, want in (spec.get("verdicts") or {}).items():
            if only and check_id not in only:
                continue
            got = result.outcomes.get(check_id, "missing")
            score = per_check[check_id]
            score.n += 1
            score.exact += got == want
            if got != want:
                score.misses.append(f"{name}: labelled {want}, got {got}")
            for cls, tally in score.by_class.items():
                if got == cls and want == cls:
                    tally.tp += 1
                elif got == cls:
                    tally.fp += 1
                elif want == cls:
                    tally.fn += 1
        for key, truths in (spec.get("disclosures") or {}).items():
            predicted = [d.value for d in result.disclosures if d.key == key]
            tally = per_key[key]
            matched_truth: set[int] = set()
            for value in predicted:
                hits = [i for i, t in enumerate(truths) if _match(value, str(t))]
                if hits:
                    tally.tp += 1
                    matched_truth.update(hits)
                else:
                    tally.fp += 1
            tally.fn += sum(1 for i in range(len(truths)) if i not in matched_truth)
    return dict(per_check), dict(per_key), results


def _pct(x: float | None) -> str:
    return "   —" if x is None else f"{x:4.0%}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="append", help="only these check ids (repeatable)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--cases", action="store_true", help="also list every mismatch by case")
    args = ap.parse_args(argv)
    try:
        labels = load_labels()
    except (OSError, yaml.YAMLError) as exc:
        print(f"accuracy: cannot read the corpus: {exc}", file=sys.stderr)
        return 2
    checks = load_catalogue()
    per_check, per_key, _ = evaluate(labels, checks, set(args.check) if args.check else None)
    pages = sum(len(c["pages"]) for c in labels["cases"].values())
    if args.json:
        out = {
            "cases": len(labels["cases"]),
            "pages": pages,
            "checks": {
                c: {
                    "n": s.n,
                    "accuracy": s.exact / s.n if s.n else None,
                    **{
                        f"{cls}_{m}": getattr(t, m)
                        for cls, t in s.by_class.items()
                        for m in ("precision", "recall")
                    },
                    "misses": s.misses,
                }
                for c, s in sorted(per_check.items())
            },
            "disclosures": {
                k: {
                    "tp": t.tp,
                    "fp": t.fp,
                    "fn": t.fn,
                    "precision": t.precision,
                    "recall": t.recall,
                }
                for k, t in sorted(per_key.items())
            },
        }
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    print(f"corpus: {len(labels['cases'])} cases, {pages} pages ({CORPUS})\n")
    print(f"{'check':28} {'n':>3} {'exact':>6}  {'fail P':>6} {'fail R':>6}  "
          f"{'pass P':>6} {'pass R':>6}  {'review P':>8} {'review R':>8}")  # fmt: skip
    total_n = total_exact = 0
    for check_id, s in sorted(per_check.items()):
        f, p, r = s.by_class["fail"], s.by_class["pass"], s.by_class["needs_review"]
        total_n += s.n
        total_exact += s.exact
        print(
            f"{check_id:28} {s.n:3d} {s.exact / s.n:6.0%}  {_pct(f.precision):>6} "
            f"{_pct(f.recall):>6}  {_pct(p.precision):>6} {_pct(p.recall):>6}  "
            f"{_pct(r.precision):>8} {_pct(r.recall):>8}"
        )
    if total_n:
        print(f"{'all labelled verdicts':28} {total_n:3d} {total_exact / total_n:6.0%}")
    print(f"\n{'disclosure key':28} {'TP':>3} {'FP':>3} {'FN':>3}  {'precision':>9} {'recall':>6}")
    for key, t in sorted(per_key.items()):
        print(f"{key:28} {t.tp:3d} {t.fp:3d} {t.fn:3d}  {_pct(t.precision):>9} {_pct(t.recall):>6}")
    if args.cases:
        print("\nmismatches:")
        for check_id, s in sorted(per_check.items()):
            for miss in s.misses:
                print(f"  {check_id}: {miss}")
    unknown = set(per_key) - set(DISCLOSURE_KEYS)
    if unknown:
        print(f"\nunknown disclosure keys in labels: {sorted(unknown)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
