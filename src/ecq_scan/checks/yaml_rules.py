"""Declarative YAML rules compiled to the `Check` interface.

A rule names matchers (visible text, link text/URL, title, image alt, headers, JSON-LD keys) and
says when the site passes (`pass_when`: `any` / `all` / `none`, at most two levels deep). A rule
that does not validate is an error naming the file and the field.

```yaml
id: return-policy
title_pass: {zh: 已公开退换货政策, en: Return policy published}
...
signals:
  policy-link: {link_text: '退换货|return policy', disclose: true}
  policy-text: {text: '七天无理由退货', roles: [returns, help], value_from: page}
pass_when: {any: [policy-link, policy-text]}
disclosure: return_policy
candidate_roles: [home, returns, help]
```

Optional fields added after the first release (all default to the old behaviour):

- `exclude` on a link matcher drops a link whose text/title or URL matches it (on a text matcher
  it still drops a hit that lies inside an exclude match);
- `value_from: page` makes a text hit's value the page URL (for disclosures that name the page
  holding a policy rather than the words that matched);
- `follow: true` on a link matcher: a link whose target was fetched and failed to load does not
  count; if nothing else passes, the outcome is `error` naming that page (a policy link to a 500
  page shows neither that the policy is published nor that it is missing);
- `candidate_roles` (rule level) names the page roles that could hold the item: when one of them
  failed to load, absence is `error`, not `fail`. Default: the union of the matchers' roles.

Disclosures come from the hits of `disclose: true` matchers, in the order the matchers are
declared, one per distinct value: declare the matcher with the most telling snippet first. Each
matcher keeps at most `MAX_HITS_PER_SIGNAL` hits per page.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ecq_scan.artifacts import PageArtifacts, Region
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.prefilter import finditer
from ecq_scan.checks.redos import UnsafePatternError, check_pattern
from ecq_scan.errors import RuleError
from ecq_scan.models import CheckMeta, DisclosureKey, I18nText, Outcome, PageRole

_KINDS = ("text", "link_text", "link_url", "title", "image_alt", "header", "jsonld_key", "url")
#: hits kept per matcher per page: enough evidence, and bounded work on hostile pages (each
#: link/image hit computes a CSS locator, which is linear in the number of siblings)
MAX_HITS_PER_SIGNAL = 10


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    """Compile a rule pattern, refusing one that is invalid or open to catastrophic backtracking.

    Every rule's patterns pass here when the rule loads (built-in and `--rules` alike), so a
    pattern such as `(a+)+$`, which would hang a scan on a page of `aaaa…!`, is an error naming
    the file, the field and the sub-pattern rather than a stalled scan (see `checks.redos`)."""
    try:
        compiled = re.compile(pattern, re.I)
    except re.error as exc:
        raise ValueError(f"{where}: invalid regular expression: {exc}") from exc
    try:
        check_pattern(pattern, re.I)
    except UnsafePatternError as exc:
        raise ValueError(f"{where}: {exc}") from exc
    return compiled


class Matcher(BaseModel):
    """Exactly one of the kinds in `_KINDS`, plus optional filters."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = None
    link_text: str | None = None
    link_url: str | None = None
    title: str | None = None
    image_alt: str | None = None
    header: str | None = Field(default=None, description="header name; `pattern` matches its value")
    jsonld_key: str | None = None
    url: str | None = None
    pattern: str | None = None
    exclude: str | None = Field(
        default=None,
        description="text: drop a hit that lies inside a match; links: drop a link whose "
        "text/title or URL matches",
    )
    regions: list[Region] = Field(default_factory=list)
    roles: list[PageRole] = Field(default_factory=list)
    disclose: bool = False
    value_group: str | None = None
    value_from: Literal["match", "page"] = Field(
        default="match", description="text hits: disclose the matched words or the page URL"
    )
    follow: bool = Field(
        default=False,
        description="links: the hit counts only if its target did not fail to load; a failed "
        "target makes the outcome error rather than pass or fail",
    )

    @model_validator(mode="after")
    def _one_kind(self) -> Matcher:
        kinds = [k for k in _KINDS if getattr(self, k) is not None]
        if len(kinds) == 0:
            raise ValueError(f"a matcher needs one of: {', '.join(_KINDS)}")
        if len(kinds) > 1 and set(kinds) != {"link_text", "link_url"}:
            raise ValueError(f"a matcher has exactly one kind, found {kinds}")
        if self.follow and not {"link_text", "link_url"} & set(kinds):
            raise ValueError("follow applies to link matchers (link_text / link_url) only")
        for k in (
            "text",
            "link_text",
            "link_url",
            "title",
            "image_alt",
            "url",
            "pattern",
            "exclude",
        ):
            v = getattr(self, k)
            if v is not None:
                _compile(v, k)
        return self


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    any: list[str | Condition] | None = None
    all: list[str | Condition] | None = None
    none: list[str | Condition] | None = None

    @model_validator(mode="after")
    def _one_op(self) -> Condition:
        ops = [k for k in ("any", "all", "none") if getattr(self, k) is not None]
        if len(ops) != 1:
            raise ValueError("a condition has exactly one of any / all / none")
        return self

    def names(self) -> set[str]:
        out: set[str] = set()
        for item in self.any or self.all or self.none or []:
            out |= {item} if isinstance(item, str) else item.names()
        return out

    def depth(self) -> int:
        items = self.any or self.all or self.none or []
        return 1 + max((i.depth() for i in items if isinstance(i, Condition)), default=0)

    def holds(self, found: set[str]) -> bool:
        def ok(item: str | Condition) -> bool:
            return item in found if isinstance(item, str) else item.holds(found)

        if self.any is not None:
            return any(ok(i) for i in self.any)
        if self.all is not None:
            return all(ok(i) for i in self.all)
        return not any(ok(i) for i in self.none or [])


class RuleSpec(CheckMeta):
    """A YAML rule file: check metadata plus matchers and the pass condition."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    signals: dict[str, Matcher] = Field(min_length=1)
    pass_when: Condition
    disclosure: DisclosureKey | None = None
    not_found: I18nText | None = None
    candidate_roles: list[PageRole] | None = Field(
        default=None,
        description="roles of pages that could hold the item; default: the matchers' roles",
    )

    @field_validator("signals")
    @classmethod
    def _names(cls, v: dict[str, Matcher]) -> dict[str, Matcher]:
        for name in v:
            if not re.match(r"^[a-z][a-z0-9-]*$", name):
                raise ValueError(f"signal name {name!r} must be lower-case kebab-case")
        return v

    @field_validator("pass_when")
    @classmethod
    def _refs(cls, v: Condition, info: ValidationInfo) -> Condition:
        # a field validator (not a model validator) so the RuleError names `pass_when`
        if v.depth() > 2:
            raise ValueError("pass_when nests deeper than two levels")
        signals = info.data.get("signals")
        if signals is not None:
            unknown = v.names() - set(signals)
            if unknown:
                raise ValueError(f"pass_when names unknown signals: {sorted(unknown)}")
        return v


class YamlRule(Check):
    """A compiled rule. Matching is pure over page artifacts."""

    def __init__(self, spec: RuleSpec) -> None:
        self.spec = spec
        self.meta = CheckMeta.model_validate(
            spec.model_dump(
                exclude={"signals", "pass_when", "disclosure", "not_found", "candidate_roles"}
            )
        )
        self._compiled = {
            name: {
                # link patterns run over one label (or URL) per line: ^ and $ are per link
                k: re.compile(v, re.I | re.M if k in ("link_text", "link_url") else re.I)
                for k, v in m.model_dump().items()
                if k
                in (
                    "text",
                    "link_text",
                    "link_url",
                    "title",
                    "image_alt",
                    "url",
                    "pattern",
                    "exclude",
                )
                and v is not None
            }
            for name, m in spec.signals.items()
        }

    def observe(self, page: PageArtifacts) -> list[Hit]:
        hits: list[Hit] = []
        for name, m in self.spec.signals.items():
            if m.roles and page.role not in m.roles:
                continue
            hits.extend(self._match(name, m, self._compiled[name], page))
        return hits

    def _match(
        self, name: str, m: Matcher, rx: dict[str, re.Pattern[str]], page: PageArtifacts
    ) -> list[Hit]:
        out: list[Hit] = []
        if "text" in rx:
            # exclude matches are ordered and non-overlapping: a binary search per hit keeps a
            # page of 20,000 excluded phrases linear
            excl = [e.span() for e in rx["exclude"].finditer(page.text)] if "exclude" in rx else []
            excl_starts = [start for start, _ in excl]
            for mt in finditer(rx["text"], page.text, page.lower_text):
                i = bisect_right(excl_starts, mt.start()) - 1
                if i >= 0 and mt.end() <= excl[i][1]:
                    continue
                block = page.block_at(mt.start())
                if m.regions and (block is None or block.region not in m.regions):
                    continue
                if m.value_from == "page":
                    value = page.url
                else:
                    value = mt.group(m.value_group) if m.value_group else mt.group(0)
                out.append(self.hit(page, name, mt.start(), mt.end(), value=value))
                if len(out) >= MAX_HITS_PER_SIGNAL:
                    break
        elif "link_text" in rx or "link_url" in rx:
            links = (
                page.links_matching(rx["link_text"])
                if "link_text" in rx
                else page.links_matching(rx["link_url"], "url")
            )
            for link in links:
                if link.hidden or (m.regions and link.region not in m.regions):
                    continue
                label = f"{link.text} {link.title}".strip()
                if "link_url" in rx and not rx["link_url"].search(link.url or link.href):
                    continue
                if "exclude" in rx and (
                    rx["exclude"].search(label) or rx["exclude"].search(link.url or link.href)
                ):
                    continue
                out.append(
                    Hit(
                        self.meta.id,
                        name,
                        page.url,
                        page.role,
                        link.locator,
                        f"{link.text_raw or link.title} → {link.url or link.href}",
                        value=link.url or link.href,
                        region=link.region,
                    )
                )
                if len(out) >= MAX_HITS_PER_SIGNAL:
                    break
        elif "title" in rx:
            for label in (page.title, page.h1):
                if rx["title"].search(label):
                    out.append(
                        Hit(
                            self.meta.id,
                            name,
                            page.url,
                            page.role,
                            "title" if label is page.title else "h1",
                            label,
                            value=page.url,
                        )
                    )
                    break
        elif "image_alt" in rx:
            for img in page.images:
                label = f"{img.alt} {img.title}".strip()
                if (
                    label
                    and rx["image_alt"].search(label)
                    and (not m.regions or img.region in m.regions)
                ):
                    out.append(
                        Hit(
                            self.meta.id,
                            name,
                            page.url,
                            page.role,
                            img.locator,
                            f"<img alt={img.alt!r}>",
                            value=img.link_url or img.src,
                            region=img.region,
                        )
                    )
                    if len(out) >= MAX_HITS_PER_SIGNAL:
                        break
        elif "url" in rx:
            if rx["url"].search(page.url):
                out.append(
                    Hit(self.meta.id, name, page.url, page.role, None, page.url, value=page.url)
                )
        elif m.header is not None:
            for hname, hval in page.headers.items():
                if hname.lower() == m.header.lower() and (
                    "pattern" not in rx or rx["pattern"].search(hval)
                ):
                    out.append(
                        Hit(
                            self.meta.id,
                            name,
                            page.url,
                            page.role,
                            f"header:{hname}",
                            f"{hname}: {hval}",
                            value=hval,
                        )
                    )
        elif m.jsonld_key is not None and _jsonld_has(page.jsonld, m.jsonld_key):
            out.append(
                Hit(
                    self.meta.id,
                    name,
                    page.url,
                    page.role,
                    'script[type="application/ld+json"]',
                    f"JSON-LD {m.jsonld_key}",
                    value=page.url,
                )
            )
        return out

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        if self.spec.candidate_roles is not None:
            roles = list(self.spec.candidate_roles)
        else:
            roles = sorted({r for m in self.spec.signals.values() for r in m.roles})
        # a `follow` link whose target was fetched and failed proves nothing: set it aside
        failed = {_url_key(p.url) for p in site.pages if not p.ok}
        dead = [
            h for h in hits
            if self.spec.signals[h.signal].follow and h.value and _url_key(h.value) in failed
        ]  # fmt: skip
        if dead:
            hits = [h for h in hits if h not in dead]
        found = {h.signal for h in hits}
        if self.spec.pass_when.holds(found):
            wanted = self.spec.pass_when.names()
            evidence = [h for h in hits if h.signal in wanted]
            verdict = Verdict([self.finding(Outcome.PASS, hits=evidence)])
            if self.spec.disclosure:
                # in the order the matchers are declared: for one value (say a policy page URL
                # reached by a link and by its own text) the first matcher supplies the snippet
                order = {name: i for i, name in enumerate(self.spec.signals)}
                disclosed = sorted(
                    (h for h in hits if self.spec.signals[h.signal].disclose),
                    key=lambda h: order[h.signal],
                )
                verdict.disclosures = self.disclose(self.spec.disclosure, disclosed or evidence[:1])
            return verdict
        if dead:
            urls = ", ".join(dict.fromkeys(h.value or "" for h in dead[:5]))
            message = I18nText(
                zh=f"无法判断：链接指向的页面加载失败（{urls}）",
                en=f"Could not decide: the linked page failed to load ({urls})",
            )
            return Verdict(
                [
                    self.finding(
                        Outcome.ERROR, message, hits=dead, pages_searched=site.searched(roles)
                    )
                ]
            )
        return self.absent(site, roles, self.spec.not_found)


def _url_key(url: str) -> str:
    """Compare URLs ignoring scheme, fragment and an empty path."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.netloc.lower()}{parts.path or '/'}{query}"


def _jsonld_has(data: Any, key: str, depth: int = 0) -> bool:
    if depth > 12:
        return False
    if isinstance(data, dict):
        return key in data or any(_jsonld_has(v, key, depth + 1) for v in data.values())
    if isinstance(data, list):
        return any(_jsonld_has(v, key, depth + 1) for v in data)
    return False


def load_rule(path: Path) -> YamlRule:
    """Load and validate one rule file; errors name the file and the field."""
    try:
        raw = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RuleError(f"rule file {path}: cannot be read as YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise RuleError(
            f"rule file {path}: must be a mapping with id, titles, signals and pass_when"
        )
    raw.setdefault("source", f"yaml:{path.name}")
    try:
        spec = RuleSpec.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "(top level)"
        raise RuleError(
            f"rule file {path}: field {field}: {err['msg']}", "fix the rule or remove the file"
        ) from exc
    if spec.id != path.stem:
        raise RuleError(
            f"rule file {path}: field id: {spec.id!r} must equal the file name {path.stem!r}"
        )
    return YamlRule(spec)


def load_rules(directory: Path) -> list[YamlRule]:
    return [load_rule(p) for p in sorted(directory.rglob("*.yaml"))]
