"""Which clauses of the standard and which Annex A indicators the checks serve — and which not.

Pure: a function of the standard catalogue, the checks' metadata (`CheckMeta.clauses` and
`.indicators`), the reviewed list of known gaps (`standard/coverage_gaps.yaml`) and, optionally,
a scoring profile (for the points each indicator's checks decide). `ecq-scan checks coverage`
prints it; `docs/coverage.md` is its Markdown output; a test fails when a clause of 4–7 or an
indicator is neither served by a check, nor documents-only, nor a listed gap.

Statuses, in order of precedence:

- `covered` — at least one check names the clause or indicator;
- `documents only` — the catalogue classes it C (only documents can show it);
- `known gap` — observable (wholly or partly) but no check yet; listed, with a reason, in the
  gap file;
- `not covered` — observable, no check, not listed: the test fails on these;
- `heading` — a clause that only groups sub-clauses (6.1, 7.5 …).

A gap entry whose clause or indicator has since become covered or documents-only is `stale`:
the test fails on those too, so the gap list stays honest.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Literal

import yaml

from ecq_scan.errors import RuleError
from ecq_scan.models import CheckMeta, EnterpriseType, ItemKind, Observability
from ecq_scan.standard import StandardCatalogue

if TYPE_CHECKING:  # only its methods are used: checks/ does not depend on scoring/ at run time
    from ecq_scan.scoring.profile import Profile

GAPS_FILE = "coverage_gaps.yaml"
#: sections whose clauses are requirements on the enterprise (8 is how grading works)
SECTIONS = ("4", "5", "6", "7")

Status = Literal["covered", "documents only", "known gap", "not covered", "heading"]
STATUS_ORDER: tuple[Status, ...] = (
    "covered",
    "documents only",
    "known gap",
    "not covered",
    "heading",
)


@dataclass(frozen=True, slots=True)
class Gaps:
    """Reviewed gaps: clause id / indicator number → why no check serves it yet."""

    clauses: Mapping[str, str] = field(default_factory=dict)
    indicators: Mapping[int, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Row:
    """One clause or indicator and what serves it."""

    key: str
    title_zh: str
    title_en: str
    observability: Observability | None
    checks: tuple[str, ...]
    status: Status
    reason: str = ""
    #: indicators only: profile points (auto, review, doc) for the profile's reference type
    points: tuple[float, float, float] | None = None


@dataclass(frozen=True, slots=True)
class Coverage:
    clauses: tuple[Row, ...]
    indicators: tuple[Row, ...]
    stale_gaps: tuple[str, ...]
    unknown_gaps: tuple[str, ...]

    def rows(self, status: Status) -> list[Row]:
        return [r for r in (*self.clauses, *self.indicators) if r.status == status]

    def counts(self, which: Literal["clauses", "indicators"]) -> dict[Status, int]:
        rows = self.clauses if which == "clauses" else self.indicators
        out: dict[Status, int] = dict.fromkeys(STATUS_ORDER, 0)
        for r in rows:
            out[r.status] += 1
        return out

    @property
    def problems(self) -> list[str]:
        """What makes the coverage test fail: uncovered items and stale or unknown gaps."""
        out = [f"{r.key}: not covered by a check, not documents-only, not a listed gap"
               for r in self.rows("not covered")]  # fmt: skip
        out += [f"{g}: listed as a gap but now served by a check or documents-only"
                for g in self.stale_gaps]  # fmt: skip
        out += [f"{g}: listed as a gap but no such clause or indicator" for g in self.unknown_gaps]
        return out


@functools.cache
def load_gaps() -> Gaps:
    """The packaged gap list (`ecq_scan/standard/coverage_gaps.yaml`)."""
    res = resources.files("ecq_scan.standard").joinpath(GAPS_FILE)
    return parse_gaps(res.read_text("utf-8"), str(res))


def parse_gaps(text: str, where: str) -> Gaps:
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise RuleError(f"coverage gaps {where}: not YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise RuleError(f"coverage gaps {where}: must be a mapping with clauses and indicators")
    clauses: dict[str, str] = {}
    indicators: dict[int, str] = {}
    for section in ("clauses", "indicators"):
        entries = raw.get(section) or {}
        if not isinstance(entries, dict):
            raise RuleError(f"coverage gaps {where}: field {section}: must be a mapping")
        for key, spec in entries.items():
            reason = spec.get("reason") if isinstance(spec, dict) else None
            if not isinstance(reason, str) or not reason.strip():
                raise RuleError(
                    f"coverage gaps {where}: field {section}.{key}.reason: a gap needs a reason"
                )
            if section == "clauses":
                clauses[str(key)] = reason.strip()
            else:
                indicators[int(key)] = reason.strip()
    return Gaps(clauses, indicators)


def _status(
    checks: Sequence[str], observability: Observability | None, gap: str | None
) -> tuple[Status, str]:
    if checks:
        return "covered", ""
    if observability is Observability.DOCUMENTS:
        return "documents only", ""
    if gap is not None:
        return "known gap", gap
    return "not covered", ""


def compute(
    catalogue: StandardCatalogue,
    metas: Iterable[CheckMeta],
    gaps: Gaps | None = None,
    profile: Profile | None = None,
    enterprise_type: EnterpriseType = EnterpriseType.PLATFORM,
) -> Coverage:
    """Every clause of 4–7 and every indicator with the checks that serve it, and its status."""
    gaps = gaps if gaps is not None else load_gaps()
    metas = list(metas)
    clause_rows: list[Row] = []
    for cid, clause in catalogue.clauses.items():
        if clause.section not in SECTIONS:
            continue
        checks = tuple(m.id for m in metas if cid in m.clauses)
        if clause.signal_class is None and not checks:
            status: Status = "heading"
            reason = ""
        else:
            status, reason = _status(checks, clause.observability, gaps.clauses.get(cid))
        clause_rows.append(
            Row(cid, clause.title.zh, clause.title.en, clause.observability, checks, status, reason)
        )
    indicator_rows: list[Row] = []
    for n, ind in catalogue.indicators.items():
        checks = tuple(m.id for m in metas if n in m.indicators)
        status, reason = _status(checks, ind.observability, gaps.indicators.get(n))
        points: tuple[float, float, float] | None = None
        if profile is not None and n in profile.indicators:
            totals = dict.fromkeys(ItemKind, 0.0)
            for item in profile.items_for(enterprise_type, n):
                totals[item.kind] += item.points
            points = (totals[ItemKind.AUTO], totals[ItemKind.REVIEW], totals[ItemKind.DOC])
        indicator_rows.append(
            Row(
                f"#{n}",
                ind.title.zh,
                ind.title.en,
                ind.observability,
                checks,
                status,
                reason,
                points,
            )
        )
    by_clause = {r.key: r for r in clause_rows}
    by_indicator = {int(r.key[1:]): r for r in indicator_rows}
    stale = [
        f"clause {c}" for c in gaps.clauses if c in by_clause and by_clause[c].status != "known gap"
    ] + [
        f"indicator #{n}"
        for n in gaps.indicators
        if n in by_indicator and by_indicator[n].status != "known gap"
    ]
    unknown = [f"clause {c}" for c in gaps.clauses if c not in by_clause] + [
        f"indicator #{n}" for n in gaps.indicators if n not in by_indicator
    ]
    return Coverage(tuple(clause_rows), tuple(indicator_rows), tuple(stale), tuple(unknown))


# --- rendering ---------------------------------------------------------------------------------

_OBS = {
    Observability.WEBSITE: ("网站可见", "website"),
    Observability.PARTLY: ("部分可见", "partly"),
    Observability.DOCUMENTS: ("仅文件", "documents"),
}
_STATUS_ZH: Mapping[Status, str] = {
    "covered": "已检查",
    "documents only": "仅文件",
    "known gap": "已知缺口",
    "not covered": "未覆盖",
    "heading": "章节标题",
}


def _obs(o: Observability | None, lang: str) -> str:
    if o is None:
        return "—"
    zh, en = _OBS[o]
    return zh if lang == "zh" else en


def _label(status: Status, lang: str) -> str:
    return _STATUS_ZH[status] if lang == "zh" else status


def _cells(row: Row, lang: str, indicator: bool) -> list[str]:
    title = row.title_zh if lang == "zh" else row.title_en
    served = ", ".join(row.checks) or ("—" if not row.reason else row.reason)
    cells = [row.key, title, _obs(row.observability, lang), _label(row.status, lang), served]
    if indicator:
        pts = row.points
        cells.insert(4, "—" if pts is None else " / ".join(f"{p:g}" for p in pts))
    return cells


def _summary(cov: Coverage, lang: str) -> list[str]:
    lines = []
    for which, name in (("clauses", ("条款", "clauses")), ("indicators", ("指标", "indicators"))):
        counts = cov.counts(which)  # type: ignore[arg-type]
        parts = ", ".join(f"{_label(s, lang)} {n}" for s, n in counts.items() if n)
        lines.append(f"{name[0] if lang == 'zh' else name[1]}: {parts}")
    return lines


def render_markdown(cov: Coverage, lang: str = "en", profile_id: str | None = None) -> str:
    zh = lang == "zh"
    out = [
        "# 条款覆盖 / Clause coverage" if zh else "# Clause and indicator coverage",
        "",
        "<!-- generated by `ecq-scan checks coverage --format markdown`; do not edit by hand -->",
        "",
        (
            "每个第 4–7 章条款与附录 A 指标由哪些检查服务；仅文件可证明的标为“仅文件”；"
            "网站可见但尚无检查的列为已知缺口"
            "（`src/ecq_scan/standard/coverage_gaps.yaml`，附原因）。"
            if zh
            else "Every clause of sections 4–7 and every Annex A indicator, with the checks that "
            "serve it (from each check's declared clauses and indicators). Items only documents "
            "can show are *documents only*; observable items without a check are *known gaps*, "
            "listed with a reason in `src/ecq_scan/standard/coverage_gaps.yaml`. "
            "`tests/standard/test_coverage.py` fails on anything else."
        ),
        "",
        *[f"- {line}" for line in _summary(cov, lang)],
        "",
        "## 条款 / Clauses" if zh else "## Clauses",
        "",
    ]
    head = ["条款", "标题", "可观察性", "状态", "检查 / 原因"] if zh else [
        "clause", "title", "observable", "status", "checks / reason"
    ]  # fmt: skip
    out += _table(head, [_cells(r, lang, False) for r in cov.clauses])
    out += ["", "## 附录 A 指标 / Annex A indicators" if zh else "## Annex A indicators", ""]
    pts = "自动/人工/文件分" if zh else "auto / review / doc points"
    if profile_id:
        pts += f" ({profile_id}, platform)"
    head = ["指标", "名称", "可观察性", "状态", pts, "检查 / 原因"] if zh else [
        "indicator", "title", "observable", "status", pts, "checks / reason"
    ]  # fmt: skip
    out += _table(head, [_cells(r, lang, True) for r in cov.indicators])
    return "\n".join(out) + "\n"


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    def esc(s: str) -> str:
        return s.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]
    return lines


def display_width(text: str) -> int:
    """Terminal columns `text` takes: CJK characters are two wide (for aligned tables)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def render_table(cov: Coverage, lang: str = "en", reason_chars: int = 90) -> str:
    """Plain text for a terminal: aligned columns per clause and indicator, then the summary;
    long gap reasons are cut (the Markdown and JSON forms keep them whole)."""
    lines: list[str] = []
    for title, rows, indicator in (
        ("Clauses" if lang != "zh" else "条款", cov.clauses, False),
        ("Annex A indicators" if lang != "zh" else "附录 A 指标", cov.indicators, True),
    ):
        table = [_cells(r, lang, indicator) for r in rows]
        for cells in table:
            if len(cells[-1]) > reason_chars:
                cells[-1] = cells[-1][: reason_chars - 1] + "…"
        widths = [max(display_width(c[i]) for c in table) for i in range(len(table[0]) - 1)]
        lines.append(title)
        for cells in table:
            padded = [c + " " * (w - display_width(c)) for c, w in zip(cells, widths, strict=False)]
            lines.append("  " + "  ".join([*padded, cells[-1]]).rstrip())
        lines.append("")
    lines += _summary(cov, lang)
    return "\n".join(lines)


def as_json(cov: Coverage) -> dict[str, object]:
    def row(r: Row) -> dict[str, object]:
        return {
            "key": r.key,
            "title": {"zh": r.title_zh, "en": r.title_en},
            "observability": r.observability.value if r.observability else None,
            "status": r.status,
            "checks": list(r.checks),
            "reason": r.reason or None,
            "points": list(r.points) if r.points is not None else None,
        }

    return {
        "clauses": [row(r) for r in cov.clauses],
        "indicators": [row(r) for r in cov.indicators],
        "summary": {
            "clauses": cov.counts("clauses"),
            "indicators": cov.counts("indicators"),
        },
        "problems": cov.problems,
    }
