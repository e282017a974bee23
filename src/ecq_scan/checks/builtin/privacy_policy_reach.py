"""The privacy policy is reachable within two clicks of the home page (standard 7.8.6).

个人信息保护法 第17条 requires the processing rules to be 显著方式、清晰易懂 and
公开、便于查阅和保存; the App 违法违规收集使用个人信息行为认定方法 (国信办秘字〔2019〕191号)
counts a policy that takes more than four clicks to reach from the main interface as 难以访问,
and GB/T 35273-2020 §5.5 asks that it
be easy to find. For a web shop the common expectation, and the one this check uses, is a link on
the home page (one click) or on a page the home page links to, such as a help or legal index
(two clicks) (clause-signals SIG-PRIVACY, "presence/reachability").

- a privacy link on the home page, or a privacy page the home page links to → pass (1 click);
- a privacy link on a page linked from the home page → pass (2 clicks), naming the page between;
- a privacy link or page seen only deeper → needs review: 难以访问 is a judgement (the 191号 text
  counts four clicks in an app), not a failure this check can prove;
- no privacy link or page anywhere → needs review; the `privacy-policy` check owns that verdict
  (it fails a site with no policy), so this one does not fail it twice.

Links hidden in the HTML (`display:none`, `hidden`) are not clickable and do not count. A policy
link whose page failed to load makes the outcome `error` rather than a guess.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ecq_scan.artifacts import Link, PageArtifacts
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._common import error_text, norm_url, on_home, site_failed, t
from ecq_scan.models import CheckMeta, EnterpriseType, Finding, Outcome, PageRole, Severity

PRIVACY_LABEL = re.compile(
    r"隐私政策|隐私权政策|个人信息保护政策|隐私声明|隐私保护指引|隐私条款|个人信息保护规则|privacy",
    re.I,
)
PRIVACY_TITLE = re.compile(
    r"隐私政策|隐私权政策|个人信息保护政策|隐私声明|privacy\s+(?:policy|notice)", re.I
)
#: outgoing links of the home page kept (header, navigation and footer first)
MAX_HOME_LINKS = 400
#: privacy links kept per page
_MAX_PER_PAGE = 3
_SEP = "\t"  # never inside an absolute URL (urlsplit drops tabs)
_CHROME_FIRST = {"footer": 0, "header": 1, "nav": 2, "main": 3}


def _visible_privacy_links(page: PageArtifacts) -> list[Link]:
    return [
        link
        for link in page.links_matching(PRIVACY_LABEL)
        if not link.hidden and (link.url or "").startswith("http")
    ][:_MAX_PER_PAGE]


class PrivacyPolicyReach(Check):
    """A privacy-policy link on the home page, or on a page one click away from it."""

    meta = CheckMeta(
        id="privacy-policy-reach",
        title_pass=t(
            "隐私政策可从首页两次点击内到达",
            "The privacy policy is within two clicks of the home page",
        ),
        title_fail=t(
            "隐私政策不便于从首页到达",
            "The privacy policy is hard to reach from the home page",
        ),
        description=t(
            "个人信息处理规则应公开、便于查阅。首页或首页直接链接的页面上应有隐私政策链接（两次点击内可达）；"
            "只在更深的页面出现时列为待人工确认。是否公示隐私政策由 privacy-policy 检查判定。",
            "The rules for processing personal information must be public and easy to consult. "
            "The home page, or a page it links to, should link to the privacy policy (two clicks "
            "at most); a policy seen only deeper is a review item. Whether a policy is published "
            "at all is decided by the privacy-policy check.",
        ),
        severity=Severity.MODERATE,
        clauses=["7.8.6"],
        indicators=[22],
        enterprise_types=list(EnterpriseType),
        page_roles=[],
        scope="site",
        absence_is_failure=False,
        legal_basis=[
            "个人信息保护法 第17条",
            "App违法违规收集使用个人信息行为认定方法（国信办秘字〔2019〕191号）",
            "GB/T 35273-2020 5.5",
        ],
    )

    def observe(self, page: PageArtifacts) -> list[Hit]:
        hits: list[Hit] = []
        for link in _visible_privacy_links(page):
            hits.append(
                Hit(
                    self.meta.id,
                    "privacy-link",
                    page.url,
                    page.role,
                    link.locator,
                    f"{link.text_raw or link.title} → {link.href}",
                    # one distinct value per page and target, so the analysis keeps every page's
                    value=f"{page.url}{_SEP}{link.url}",
                    region=link.region,
                    note=page.requested_url,
                )
            )
        if page.role is PageRole.PRIVACY or PRIVACY_TITLE.search(f"{page.title} {page.h1}"):
            hits.append(
                Hit(
                    self.meta.id,
                    "privacy-page",
                    page.url,
                    page.role,
                    "h1" if page.h1 else "title",
                    page.h1 or page.title or page.url,
                    value=page.url,
                    note=page.requested_url,
                )
            )
        if page.role is PageRole.HOME:
            ordered = sorted(
                (ln for ln in page.links if ln.url and not ln.hidden),
                key=lambda ln: _CHROME_FIRST.get(ln.region, 3),
            )
            targets = list(dict.fromkeys(norm_url(ln.url) for ln in ordered))[:MAX_HOME_LINKS]
            hits.append(
                Hit(
                    self.meta.id,
                    "home-links",
                    page.url,
                    page.role,
                    None,
                    f"{len(targets)} outgoing link(s)",
                    value="\n".join(targets),
                )
            )
        return hits

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        if not site.home_ok:
            return Verdict([self.finding(Outcome.ERROR, error_text(site_failed(site, [])))])
        from_home: set[str] = set()
        for h in hits:
            if h.signal == "home-links" and on_home(h, site) and h.value:
                from_home.update(h.value.split("\n"))

        def linked_from_home(h: Hit) -> bool:
            return norm_url(h.url) in from_home or norm_url(h.note or "") in from_home

        failed = {norm_url(p.url) for p in site.pages if not p.ok}
        links = [h for h in hits if h.signal == "privacy-link"]
        pages = [h for h in hits if h.signal == "privacy-page"]

        def working(h: Hit) -> bool:
            """A privacy page that loaded, or a link whose target did not fail to load."""
            return h.signal == "privacy-page" or norm_url(_target(h)) not in failed

        one = [h for h in links if on_home(h, site)]
        one += [h for h in pages if linked_from_home(h) and not on_home(h, site)]
        two = [h for h in links if not on_home(h, site) and linked_from_home(h)]
        for clicks, found in ((1, one), (2, two)):
            reached = [h for h in found if working(h)]
            if reached:
                return Verdict([self._reached(clicks, reached)])
        if one or two:  # every policy link near the home page points at a page that failed
            urls = list(dict.fromkeys(_target(h) for h in [*one, *two]))
            return Verdict([self.finding(Outcome.ERROR, error_text(urls))])
        if links or pages:
            where = ", ".join(dict.fromkeys(h.url for h in [*links, *pages][:5]))
            return Verdict(
                [
                    self.finding(
                        Outcome.NEEDS_REVIEW,
                        t(
                            f"首页及其直接链接的页面上未见隐私政策链接，仅在更深的页面出现（{where}）；"
                            "请人工判断是否“便于查阅”",
                            "No privacy link on the home page or on the pages it links to; one "
                            f"appears only deeper ({where}) — judge by hand whether it is easy "
                            "to find",
                        ),
                        hits=[*links, *pages],
                    )
                ]
            )
        return Verdict(
            [
                self.finding(
                    Outcome.NEEDS_REVIEW,
                    t(
                        "未发现隐私政策链接或页面，无法判断可达性；"
                        "是否公示隐私政策见 privacy-policy 检查",
                        "No privacy link or page found, so reach cannot be judged; whether a "
                        "policy is published is decided by the privacy-policy check",
                    ),
                    pages_searched=site.searched(),
                )
            ]
        )

    def _reached(self, clicks: int, found: Sequence[Hit]) -> Finding:
        first = found[0]
        if clicks == 1:
            policy = _target(first) if first.signal == "privacy-link" else first.url
            msg = t(
                f"首页直接链接隐私政策（1 次点击）：{policy}",
                f"The home page links to the privacy policy (1 click): {policy}",
            )
        else:
            msg = t(
                f"隐私政策可经 首页 → {first.url} → 隐私政策 到达（2 次点击）",
                f"The privacy policy is reached home → {first.url} → policy (2 clicks)",
            )
        return self.finding(Outcome.PASS, msg, hits=found)


def _target(h: Hit) -> str:
    """The policy a hit points at: a link's target, or the privacy page itself."""
    if h.signal == "privacy-link":
        return (h.value or "").split(_SEP, 1)[-1]
    return h.url
