"""Rule changes announced in advance (standard 6.2.6; 电子商务法 第34条; clause-signals
SIG-RULE-CHANGE).

第34条: a platform that changes its service agreement or trading rules consults publicly and
publishes the change at least seven days before it takes effect. The number of days is policy,
read from `standard/statutory_periods.yaml` (`periods.rule-change-notice.days`), not written here.

Finding notices. A notice starts at a short title block (≤ `MAX_TITLE_CHARS`) such as
关于修改《交易规则》的公告, 规则变更公示, 《用户协议》修订通知, 公开征求意见,
"Notice of changes to our marketplace rules", "Changes to our terms" (privacy-policy updates are
not rule changes and are left out). Its block is the title's own element when that holds more
than the title (a list row); else the nearest list item / article / section around it, or a
`div.notice`-like box the title opens; else — for a heading — the run of blocks up to the next
heading of the same or a higher level. A block always ends at the next notice title, at a short
"…通知/公告" title of another notice, at a "相关公告" / `div.related` box, and at a dated list row
outside the title's own (a row that is only a date label and its date — 发布日期 | 2026-02-20 —
is the notice's own metadata); so a date printed in the next notice is never read as this one's.

Reading dates (`_dates.ANY_DATE`: 2026年3月1日, 2026-03-01, 2026/3/1, 2026.03.01, March 1, 2026,
1 March 2026). Published: after 发布/公示/公告/公布(日期|时间), 发布于, 公示期, "published (on)",
"posted", "publication date", or 于<date>发布. Effective: after 生效/实施/施行/执行(日期|时间),
生效于, "effective (date|from|on|as of)", "take(s) effect on", or <date>(起)(正式)生效/施行/实施.
Only labelled dates count: a list page's bare dates pair with nothing. Text in hidden nodes is
not page text at all.

Verdict, platforms only (the duty is the platform operator's; other types → not applicable):

- a notice with exactly one published and one effective date, both printed in its block, under a
  title that names a particular notice (公告/通知/公示/征求意见, notice, announcement — not a bare
  index heading such as 规则变更公告), and fewer than the statutory days apart → fail, with the
  URL, the notice's locator, both dates quoted and the gap;
- every paired notice at least the statutory days apart → pass (several dates of one kind pair
  only when even the closest combination keeps the gap);
- a doubtful pair — the effective date before the publication date, a title naming no particular
  notice (a "Changes to these terms" section, an index heading), a block cut at the length bound —
  or notices whose dates cannot be paired (one date, none, several, or 自发布之日起施行) → needs
  review;
- no notice found → needs review through `absent()` (notices may sit on pages not crawled, in an
  app, or behind login), never fail.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any, Final

from ecq_scan.artifacts import PageArtifacts, TextBlock
from ecq_scan.artifacts.selector import css_path
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._common import context, t
from ecq_scan.checks.builtin._dates import ANY_DATE, date_of
from ecq_scan.errors import RuleError
from ecq_scan.models import CheckMeta, EnterpriseType, Outcome, PageRole, Severity
from ecq_scan.standard._io import read_yaml_mapping

PERIODS_FILE: Final = "statutory_periods.yaml"


@cache
def statutory_days(key: str) -> int:
    """Days of the statutory period `key` in `standard/statutory_periods.yaml` (packaged data)."""
    where = f"ecq_scan/standard/{PERIODS_FILE}"
    text = resources.files("ecq_scan.standard").joinpath(PERIODS_FILE).read_text("utf-8")
    raw = read_yaml_mapping(text, where, "periods: {<check id>: {days, basis, text}}")
    periods = raw.get("periods")
    entry = periods.get(key) if isinstance(periods, dict) else None
    days = entry.get("days") if isinstance(entry, dict) else None
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise RuleError(f"{where}: field periods.{key}.days: a whole number of days ≥ 1 is needed")
    return days


#: 电子商务法 第34条: published at least this many days before taking effect
MIN_NOTICE_DAYS: Final = statutory_days("rule-change-notice")

_RULE_NOUN = r"(?:规则|协议|条款|规范|细则|办法|须知|公约|标准|政策)"
NOTICE_TITLE: Final = re.compile(
    rf"{_RULE_NOUN}》?(?:的)?(?:变更|修订|修改|更新|调整)(?:的)?(?:公示|公告|通知|说明)"
    rf"|关于(?:修改|修订|调整|变更|更新|发布|实施)[^。\n]{{0,40}}?{_RULE_NOUN}[^。\n]{{0,16}}?"
    r"(?:公告|通知|公示)"
    r"|(?:公开)?征求意见|意见征集|规则(?:变更)?公示"
    r"|\b(?:changes?|updates?|amendments?|revisions?|modifications?)\s+to\s+(?:our|these|the)\s+"
    r"(?:[\w'’-]+\s+){0,3}?(?:terms|rules|agreement|conditions|polic(?:y|ies))\b"
    r"|\b(?:terms|rules|agreement|polic(?:y|ies))\s+(?:of\s+[\w-]+\s+)?"
    r"(?:updates?|changes?|revisions?|amendments?)\b"
    r"|\bnotice\s+of\s+(?:changes?|amendments?|revisions?|updates?)\b"
    r"|\bwe(?:'re|’re|\s+are)\s+updating\s+our\b",
    re.I,
)
#: a title that names a notice: only such a notice can fail (a "Changes to our terms" section of
#: an agreement describes the procedure, it is not itself an announcement)
STRONG_TITLE: Final = re.compile(
    r"公告|通知|公示|征求意见|意见征集|\bnotice\b|\bannouncement\b|\bwe(?:'re|’re|\s+are)\s+updating",
    re.I,
)
#: privacy-policy updates are not changes of the service agreement or trading rules (第34条)
NOT_RULES: Final = re.compile(r"隐私|个人信息|\bprivacy\b|\bcookies?\b|\bpersonal\s+data\b", re.I)
#: a short block titling another notice ("系统维护通知"), which ends the current one
OTHER_TITLE: Final = re.compile(r"^(?!特此|本)[^。.!?！？]{2,40}(?:通知|公告|公示)[\s。.]*$")
#: a box of other notices or links next to this one ("相关公告", "More notices")
RELATED_TITLE: Final = re.compile(
    r"^(?:相关|最新|更多|热门|推荐|其他|往期)(?:公告|通知|规则|阅读|文章|资讯|动态)"
    r"|^(?:related|more|latest|other|recent)\s+(?:notices|announcements|rules|articles|news|posts)\b"
    r"|^see\s+also\b",
    re.I,
)
#: id/class of such a box
BOX_HINT: Final = re.compile(
    r"(?:^|[\s_-])(?:related|recommend|recommended|side|sidebar|aside|hot|latest|more|other"
    r"|similar|xiangguan|tuijian)(?:$|[\s_-])",
    re.I,
)
#: id/class of an element that holds one notice (`div.notice`, `div.article`), which a title
#: that is not a heading may open
NOTICE_BOX: Final = re.compile(
    r"(?:^|[\s_-])(?:notice|announce|announcement|gonggao|article|post|entry|bulletin)(?:$|[\s_-])",
    re.I,
)
#: an index heading over a list of notices ("规则变更公告", "Policy updates"): it names no rule,
#: so the dates under it belong to the entries, and it can never fail
GENERIC_TITLE: Final = re.compile(
    r"(?:平台)?(?:规则|协议)?(?:变更|修订|修改|更新|调整)?(?:公开)?"
    r"(?:公示|公告|通知|征求意见|意见征集)(?:栏目|列表|中心|专区)?"
    r"|(?:rules?|polic(?:y|ies)|terms)?\s*(?:changes?|updates?)?\s*(?:notices?|announcements?)?",
    re.I,
)
MAX_TITLE_CHARS: Final = 80
#: text beyond the title that makes the title's own element the notice block (a list row)
TITLE_SLACK: Final = 6
#: a notice block is cut here; a cut block can never fail
MAX_SPAN_BLOCKS: Final = 120
MAX_SPAN_CHARS: Final = 12_000
MAX_NOTICES_PER_PAGE: Final = 12
#: characters quoted either side of a date in evidence
QUOTE_CHARS: Final = 18
MAX_ASCENT: Final = 8
MAX_DEPTH: Final = 60

HEADINGS: Final = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
#: elements that hold one entry of a list of notices
ITEM_TAGS: Final = frozenset({"li", "tr", "dd", "article", "section", "details", "dialog"})
#: never a notice block: the page itself and its landmarks
PAGE_TAGS: Final = frozenset(
    {"html", "body", "main", "header", "footer", "nav", "aside", "-document", "form"}
)

_SEP = r"\s*[:：]?\s*(?:(?:为|是|于|自|从|在|on|from|as\s+of|is)\s*)?[:：]?\s*"
PUBLISHED_LABEL: Final = re.compile(
    r"(?:发布|公示|公告|公布|发文|通知)(?:日期|时间)|(?:发布|公示|公告|公布)于|公示期(?:间|限)?"
    r"|\b(?:published|posted|announced|issued)(?:\s+on)?\b"
    r"|\b(?:date\s+of\s+(?:publication|notice|issue)|publication\s+date|notice\s+date"
    r"|date\s+posted|posted\s+date|issue\s+date)\b",
    re.I,
)
EFFECTIVE_LABEL: Final = re.compile(
    r"(?:生效|实施|施行|执行|适用)(?:日期|时间)|(?:生效|实施|施行)于"
    r"|\beffective(?:\s+date)?\b|\b(?:takes?|taking|will\s+take)\s+effect\b"
    r"|\b(?:comes?|coming|will\s+come)\s+into\s+(?:force|effect)\b"
    r"|\bwill\s+(?:become|be)\s+effective\b|\bapplies\s+from\b",
    re.I,
)
SEP: Final = re.compile(_SEP, re.I)
#: <date> then 起生效 / 正式施行 … in the same block (blocks are joined by newlines)
EFFECTIVE_AFTER: Final = re.compile(
    r"[ (（]*(?:含)?[ )）]*(?:零时|0时|0点|零点|00:00(?::00)?)? ?起? ?(?:正式)? ?"
    r"(?:生效|施行|实施|执行|适用)"
)
#: 于<date>发布
PUBLISHED_BEFORE: Final = re.compile(r"[于在] ?$")
PUBLISHED_AFTER: Final = re.compile(r" ?(?:正式)?(?:发布|公布|公示|公告|发出)")
ON_PUBLICATION: Final = re.compile(
    r"自(?:发布|公布|公告|公示)之日起(?:生效|施行|实施|执行)"
    r"|\beffective\s+(?:immediately|upon\s+(?:publication|posting))\b",
    re.I,
)


@dataclass(frozen=True, slots=True)
class _Dated:
    when: date
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Notice:
    """One notice: its title block, where its block ends, and the dates read in it."""

    title: TextBlock
    locator: str
    start: int
    end: int
    strong: bool
    cut: bool
    #: blocks read (1: the title alone — a list entry or an index heading)
    blocks: int


def _parent(node: Any) -> Any:
    return getattr(node, "parent", None)


def _inside(node: Any, ancestor: Any) -> bool:
    cur = node
    for _ in range(MAX_DEPTH):
        if cur is None:
            return False
        if cur == ancestor:
            return True
        cur = _parent(cur)
    return False


def _tag(node: Any) -> str:
    return str(getattr(node, "tag", "") or "")


def _item_of(node: Any, stop: Any) -> Any:
    """The nearest list-entry element around `node`, below `stop` (None when there is none)."""
    cur = node
    for _ in range(MAX_DEPTH):
        if cur is None or (stop is not None and cur == stop) or _tag(cur) in PAGE_TAGS:
            return None
        if _tag(cur) in ITEM_TAGS:
            return cur
        cur = _parent(cur)
    return None


def _landmark(node: Any) -> Any:
    """The page landmark (`main`, `aside`, `body` …) that holds `node`."""
    cur = node
    for _ in range(MAX_DEPTH):
        if cur is None or _tag(cur) in PAGE_TAGS:
            return cur
        cur = _parent(cur)
    return None


def _same(a: Any, b: Any) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and bool(a == b))


def _box_of(node: Any, stop: Any) -> Any:
    """The nearest element around `node`, below `stop`, whose id or class names a side box of
    other content (`div.related`, `ul.hot-news`), or None."""
    cur = node
    for _ in range(MAX_DEPTH):
        if cur is None or (stop is not None and _same(cur, stop)) or _tag(cur) in PAGE_TAGS:
            return None
        attrs = getattr(cur, "attributes", None) or {}
        hint = " ".join(str(v) for k, v in attrs.items() if k in ("id", "class") and v)
        if hint and BOX_HINT.search(hint):
            return cur
        cur = _parent(cur)
    return None


def _holds_more(page: PageArtifacts, i: int, node: Any) -> bool:
    """Whether `node` holds text besides title block `i` (a neighbouring block inside it)."""
    blocks = page.blocks
    return any(0 <= j < len(blocks) and _inside(blocks[j].node, node) for j in (i - 1, i + 1))


def _opens_box(page: PageArtifacts, i: int, node: Any) -> bool:
    """Whether title block `i` opens `node`, an element whose id/class says it holds a notice."""
    attrs = getattr(node, "attributes", None) or {}
    hint = " ".join(str(v) for k, v in attrs.items() if k in ("id", "class") and v)
    first = i == 0 or not _inside(page.blocks[i - 1].node, node)
    return first and bool(hint) and bool(NOTICE_BOX.search(hint))


def _is_label(text: str) -> bool:
    """Whether `text` is only a date label ("发布日期：", "Effective date")."""
    s = text.strip().rstrip(":：").strip()
    return bool(s) and any(rx.fullmatch(s) for rx in (PUBLISHED_LABEL, EFFECTIVE_LABEL))


def _container(page: PageArtifacts, i: int, title_len: int) -> Any:
    """The element holding notice `i` (see the module docstring), or None."""
    block = page.blocks[i]
    node = block.node
    heading = _tag(node) in HEADINGS
    if not heading and (len(block.norm) - title_len > TITLE_SLACK or _holds_more(page, i, node)):
        return node
    cur = node
    for _ in range(MAX_ASCENT):
        cur = _parent(cur)
        if cur is None or _tag(cur) in PAGE_TAGS:
            return None
        if _holds_more(page, i, cur):
            if _tag(cur) in ITEM_TAGS or heading or _opens_box(page, i, cur):
                return cur
            return None  # a plain wrapper shared with siblings: not known to be one notice
    return None


def _notice_at(page: PageArtifacts, i: int, match: re.Match[str]) -> _Notice:
    blocks = page.blocks
    title = blocks[i]
    container = _container(page, i, match.end() - match.start())
    heading = HEADINGS.get(_tag(title.node))
    if container is None and heading is None:
        end = i + 1  # a bare line: only its own text is known to belong to it
    else:
        title_item = _item_of(title.node, container)
        title_landmark = _landmark(title.node) if container is None else None
        stop_at = container if container is not None else title_landmark
        title_box = _box_of(title.node, stop_at)
        row, row_start = title_item, i
        end = i + 1
        while end < len(blocks) and end - i < MAX_SPAN_BLOCKS:
            b = blocks[end]
            if container is not None and not _inside(b.node, container):
                break
            if container is None and (
                b.region != title.region or not _same(_landmark(b.node), title_landmark)
            ):
                break  # a sidebar, or the page's footer
            level = HEADINGS.get(_tag(b.node))
            if level is not None and (heading is None or level <= heading):
                break
            if len(b.norm) <= MAX_TITLE_CHARS and (
                NOTICE_TITLE.search(b.norm)
                or OTHER_TITLE.match(b.norm)
                or RELATED_TITLE.match(b.norm)
            ):
                break
            box = _box_of(b.node, stop_at)
            if box is not None and not _same(box, title_box):
                break  # a "related notices" box beside the notice
            item = _item_of(b.node, container)
            if not _same(item, row):
                row, row_start = item, end
            dm = ANY_DATE.search(b.norm) if item is not None else None
            if dm is not None and not _same(item, title_item):
                # a dated row of a list is another entry — unless it is the notice's own
                # metadata: a row (发布日期 | 2026-02-20) or a <dd> after its <dt> label
                before = page.text[blocks[row_start].start : b.start + dm.start()]
                own = _is_label(before) or (
                    not before.strip()
                    and row_start - 1 > i
                    and _is_label(blocks[row_start - 1].norm)
                )
                if not own:
                    break
            end += 1
    last = blocks[end - 1]
    stop = last.start + len(last.norm)
    cut = (end < len(blocks) and end - i >= MAX_SPAN_BLOCKS) or stop - title.start > MAX_SPAN_CHARS
    return _Notice(
        title=title,
        locator=css_path(container) if container is not None else title.locator,
        start=title.start,
        end=min(stop, title.start + MAX_SPAN_CHARS),
        strong=bool(STRONG_TITLE.search(title.norm))
        and not GENERIC_TITLE.fullmatch(title.norm.strip(" 。.:：")),
        cut=cut,
        blocks=end - i,
    )


def _labelled(text: str, start: int, end: int, label: re.Pattern[str]) -> list[_Dated]:
    """Dates that follow `label` directly (only separators and 于/自/on/from between)."""
    out: list[_Dated] = []
    for lm in label.finditer(text, start, end):
        sep = SEP.match(text, lm.end(), end)
        pos = sep.end() if sep is not None else lm.end()
        dm = ANY_DATE.match(text, pos, end)
        if dm is None:
            continue
        when = date_of(dm)
        if when is not None:
            out.append(_Dated(when, dm.start(), dm.end()))
    return out


def _read_dates(text: str, start: int, end: int) -> tuple[list[_Dated], list[_Dated]]:
    """(published, effective) dates of the notice text `text[start:end]`."""
    published = _labelled(text, start, end, PUBLISHED_LABEL)
    effective = _labelled(text, start, end, EFFECTIVE_LABEL)
    for dm in ANY_DATE.finditer(text, start, end):
        when = date_of(dm)
        if when is None:
            continue
        # `ANY_DATE` may take the whitespace after 日; a date's own words never cross into the
        # next block (blocks are joined by newlines)
        after = dm.start() + len(dm.group().rstrip())
        if EFFECTIVE_AFTER.match(text, after, end):
            effective.append(_Dated(when, dm.start(), after))
        elif PUBLISHED_BEFORE.search(text, max(start, dm.start() - 3), dm.start()) and (
            PUBLISHED_AFTER.match(text, after, end)
        ):
            published.append(_Dated(when, dm.start(), after))
    return published, effective


def _quote(text: str, notice: _Notice, d: _Dated) -> str:
    """A date with `QUOTE_CHARS` either side, never beyond its notice (evidence quotes only
    what the notice says)."""
    return context(
        text[notice.start : notice.end], d.start - notice.start, d.end - notice.start, QUOTE_CHARS
    )


def _distinct(dated: list[_Dated]) -> list[_Dated]:
    seen: dict[date, _Dated] = {}
    for d in sorted(dated, key=lambda d: d.start):
        seen.setdefault(d.when, d)
    return sorted(seen.values(), key=lambda d: d.when)


class RuleChangeNotice(Check):
    """Rule-change notices published at least the statutory days before they take effect."""

    meta = CheckMeta(
        id="rule-change-notice",
        title_pass=t(
            f"规则变更公告均在实施前至少 {MIN_NOTICE_DAYS} 日公示",
            f"Rule changes are published at least {MIN_NOTICE_DAYS} days before they take effect",
        ),
        title_fail=t(
            f"规则变更公示不足 {MIN_NOTICE_DAYS} 日即实施",
            f"A rule change took effect less than {MIN_NOTICE_DAYS} days after it was published",
        ),
        description=t(
            "平台修改服务协议和交易规则，应公开征求意见，并至少在实施前"
            f" {MIN_NOTICE_DAYS} 日予以公示（电子商务法第三十四条）；读取规则变更公告的发布日期与"
            "生效日期并比较。",
            "A platform that changes its service agreement or trading rules must consult publicly "
            f"and publish the change at least {MIN_NOTICE_DAYS} days before it takes effect "
            "(E-Commerce Law art. 34); the publication and effective dates of rule-change "
            "notices are read and compared.",
        ),
        severity=Severity.SERIOUS,
        clauses=["6.2.6"],
        indicators=[16],
        enterprise_types=[EnterpriseType.PLATFORM],
        page_roles=[],
        scope="site",
        absence_is_failure=False,
        legal_basis=["电子商务法 第34条", "电子商务企业服务质量规程 6.2.6"],
    )

    def observe(self, page: PageArtifacts) -> list[Hit]:
        if page.role in (PageRole.PRODUCT, PageRole.CATEGORY):
            return []
        hits: list[Hit] = []
        blocks = page.blocks
        i = 0
        while i < len(blocks) and len(hits) < MAX_NOTICES_PER_PAGE:
            block = blocks[i]
            m = (
                NOTICE_TITLE.search(block.norm)
                if block.region == "main" and len(block.norm) <= MAX_TITLE_CHARS
                else None
            )
            if m is None or NOT_RULES.search(block.norm):
                i += 1
                continue
            hits.append(self._reading(page, _notice_at(page, i, m)))
            i += 1
        return hits

    def _reading(self, page: PageArtifacts, notice: _Notice) -> Hit:
        """One hit per notice: signal short / ok / doubtful / unpaired; value
        `published|effective|gap` (ISO dates, '' when unknown); note says why."""
        text = page.text
        published, effective = (_distinct(d) for d in _read_dates(text, notice.start, notice.end))
        title = notice.title.raw[:MAX_TITLE_CHARS]

        def hit(signal: str, p: _Dated | None, e: _Dated | None, note: str) -> Hit:
            parts = [title]
            for d in (p, e):
                if d is not None:
                    parts.append(_quote(text, notice, d))
            gap = str((e.when - p.when).days) if p is not None and e is not None else ""
            value = "|".join(
                (p.when.isoformat() if p else "", e.when.isoformat() if e else "", gap)
            )
            return Hit(
                self.meta.id,
                signal,
                page.url,
                page.role,
                notice.locator,
                " … ".join(parts),
                value=value,
                region=notice.title.region,
                note=note,
            )

        if not published and not effective and notice.blocks == 1:
            return hit("index", None, None, "title-only")
        if not published or not effective:
            if not effective and ON_PUBLICATION.search(text, notice.start, notice.end):
                note = "on-publication"
            else:
                note = "one-date" if published or effective else "no-date"
            return hit(
                "unpaired",
                published[-1] if published else None,
                effective[0] if effective else None,
                note,
            )
        p, e = published[-1], effective[0]  # the closest combination
        gap = (e.when - p.when).days
        if len(published) == 1 and len(effective) == 1:
            if gap < 0:
                return hit("doubtful", p, e, "negative")
            if gap >= MIN_NOTICE_DAYS:
                return hit("ok", p, e, "paired")
            if not notice.strong:
                return hit("doubtful", p, e, "not-a-notice")
            if notice.cut:
                return hit("doubtful", p, e, "cut")
            return hit("short", p, e, "paired")
        if gap >= MIN_NOTICE_DAYS:
            return hit("ok", p, e, "closest")
        return hit("unpaired", p, e, "several")

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        if site.enterprise_type is not EnterpriseType.PLATFORM:
            return self.not_applicable(
                t(
                    "不适用：规则变更公示是第三方平台经营者的义务"
                    f"（当前类型 {site.enterprise_type.value}）",
                    "Not applicable: announcing rule changes in advance is a duty of third-party "
                    f"platforms (type {site.enterprise_type.value})",
                )
            )
        if not hits:
            return self.absent(
                site,
                [PageRole.HOME, PageRole.RULES, PageRole.HELP],
                t(
                    "未发现规则变更公告，无法核对公示期",
                    "No rule-change notice found; the notice period cannot be checked",
                ),
            )
        short = [h for h in hits if h.signal == "short"]
        doubtful = [h for h in hits if h.signal == "doubtful"]
        ok = [h for h in hits if h.signal == "ok"]
        unpaired = [h for h in hits if h.signal == "unpaired"]
        if short:
            listed = [_dates_of(h) for h in short[:3]]
            msg = t(
                "规则变更公告公示不足 "
                f"{MIN_NOTICE_DAYS} 日即实施（电子商务法第三十四条）："
                + "；".join(f"{p} 发布、{e} 生效，间隔 {g} 日" for p, e, g in listed),
                f"A rule change took effect less than {MIN_NOTICE_DAYS} days after it was "
                "published (E-Commerce Law art. 34): "
                + "; ".join(f"published {p}, effective {e}, {g} days apart" for p, e, g in listed),
            )
            return Verdict([self.finding(Outcome.FAIL, msg, hits=short)])
        if doubtful:
            doubts = [(*_dates_of(h), *DOUBTS[h.note or "cut"]) for h in doubtful[:3]]
            msg = t(
                "规则变更公告的日期需人工确认："
                + "；".join(
                    f"{p} 发布、{e} 生效，间隔 {g} 日（{zh}）" for p, e, g, zh, _ in doubts
                ),
                "Dates of rule-change notices need a look: "
                + "; ".join(
                    f"published {p}, effective {e}, {g} days apart ({en})"
                    for p, e, g, _, en in doubts
                ),
            )
            return Verdict([self.finding(Outcome.NEEDS_REVIEW, msg, hits=doubtful)])
        if ok:
            gaps = [int(_dates_of(h)[2]) for h in ok]
            more_zh = f"；另有 {len(unpaired)} 条公告的日期无法配对" if unpaired else ""
            more_en = f"; {len(unpaired)} more notice(s) could not be paired" if unpaired else ""
            msg = t(
                f"{len(ok)} 条规则变更公告在实施前至少 {MIN_NOTICE_DAYS} 日公示"
                f"（最短 {min(gaps)} 日）{more_zh}",
                f"{len(ok)} rule-change notice(s) published at least {MIN_NOTICE_DAYS} days "
                f"before taking effect (shortest: {min(gaps)} days){more_en}",
            )
            return Verdict([self.finding(Outcome.PASS, msg, hits=ok)])
        if not unpaired:
            index = [h for h in hits if h.signal == "index"]
            msg = t(
                f"发现 {len(index)} 个规则变更公告标题（列表或栏目），但未读到日期；"
                f"请打开公告核对是否在实施前至少 {MIN_NOTICE_DAYS} 日公示",
                f"{len(index)} rule-change notice title(s) found (a list or a section heading) "
                "with no dates; open the notices to confirm changes are published "
                f"{MIN_NOTICE_DAYS} days ahead",
            )
            return Verdict([self.finding(Outcome.NEEDS_REVIEW, msg, hits=index)])
        on_publication = any(h.note == "on-publication" for h in unpaired)
        msg = t(
            f"发现 {len(unpaired)} 条规则变更公告，但无法同时读出发布日期与生效日期"
            + ("（含“自发布之日起施行”）" if on_publication else "")
            + f"；请人工确认是否在实施前至少 {MIN_NOTICE_DAYS} 日公示",
            f"{len(unpaired)} rule-change notice(s) found, but their publication and effective "
            "dates cannot both be read"
            + (" (one takes effect on publication)" if on_publication else "")
            + f" — confirm by hand that changes are published {MIN_NOTICE_DAYS} days ahead",
        )
        return Verdict([self.finding(Outcome.NEEDS_REVIEW, msg, hits=unpaired)])


#: why a pair of dates is only a doubt (Hit.note → zh, en)
DOUBTS: Final = {
    "negative": ("生效日期早于发布日期", "effective before published"),
    "not-a-notice": (
        "标题未指明具体公告，可能是条款章节或栏目标题",
        "the title names no particular notice: a section of the terms or a list heading",
    ),
    "cut": ("公告过长，未能完整读取", "the notice is too long to read whole"),
}


def _dates_of(h: Hit) -> tuple[str, str, str]:
    p, e, g = ((h.value or "") + "||").split("|")[:3]
    return p, e, g
