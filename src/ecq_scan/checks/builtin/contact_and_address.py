"""Company address and contact details (standard 6.1.4 透明的信息披露机制, 便捷获取企业资质和经营
信息; Annex A #16; clause-signals 6.1.4 `info.about_contact`; 消费者权益保护法 第28条; EU
E-Commerce Directive art. 5 for English imprints).

On the home, about, contact, licence/imprint, help and complaints pages:

- a postal address after its label — Chinese (地址/住所/经营场所/办公地点: with 省/市/区/县 and
  路/街/号/大厦 …) or English (registered office / address: with a number and a street word,
  UK postcode or US ZIP code);
- a way to reach the company — a labelled phone number, an e-mail address, a `tel:` or
  `mailto:` link.

Both → pass. Either missing → needs review, naming what was not found (it may be an image, a
map widget or a page the crawl did not reach). Never fail: the business-licence and
customer-service checks own the legal minimums.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from ecq_scan.artifacts import PageArtifacts
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._common import error_text, site_failed, t
from ecq_scan.checks.builtin._contact import PHONE, address_in, iter_emails, service_mailbox
from ecq_scan.checks.prefilter import finditer
from ecq_scan.models import CheckMeta, EnterpriseType, Outcome, PageRole, Severity

ROLES: Final = [
    PageRole.HOME,
    PageRole.ABOUT,
    PageRole.CONTACT,
    PageRole.LICENCE,
    PageRole.HELP,
    PageRole.COMPLAINTS,
]
#: `links_matching` searches all link URLs joined one per line: the anchor needs re.M
_TEL_OR_MAIL: Final = re.compile(r"^\s*(?:tel|mailto):", re.I | re.M)
MAX_PER_SIGNAL: Final = 3


class ContactAndAddress(Check):
    """A company address and a phone or e-mail contact on the about/contact/imprint pages."""

    meta = CheckMeta(
        id="contact-and-address",
        title_pass=t("已公示企业地址和联系方式", "Company address and contact details published"),
        title_fail=t("未发现企业地址或联系方式", "Company address or contact details not found"),
        description=t(
            "企业应建立透明的信息披露机制，在网站（关于我们、联系我们、证照信息等页面）公示经营地址"
            "和联系电话或电子邮箱，便于用户获取。",
            "The enterprise should make its business information easy to obtain: a postal "
            "address and a phone number or e-mail on the site (about, contact or imprint pages).",
        ),
        severity=Severity.MODERATE,
        clauses=["6.1.4"],
        indicators=[16],
        enterprise_types=list(EnterpriseType),
        page_roles=ROLES,
        scope="site",
        absence_is_failure=False,
        legal_basis=["消费者权益保护法 第28条", "电子商务企业服务质量规程 6.1.4"],
    )

    def observe(self, page: PageArtifacts) -> list[Hit]:
        if page.role not in ROLES:
            return []
        text = page.text
        hits: list[Hit] = []
        for start, end, addr in address_in(text):
            if sum(1 for h in hits if h.signal == "address") >= MAX_PER_SIGNAL:
                break
            hits.append(self.hit(page, "address", start, end, value=addr))
        contacts = 0
        for m in finditer(PHONE, text, page.lower_text):
            hits.append(self.hit(page, "contact", m.start(), m.end(), value=m.group("num")))
            contacts += 1
            if contacts >= MAX_PER_SIGNAL:
                break
        for start, end, email in iter_emails(text):
            if contacts >= 2 * MAX_PER_SIGNAL:
                break
            if service_mailbox(email):
                hits.append(self.hit(page, "contact", start, end, value=email.lower()))
                contacts += 1
        for link in page.links_matching(_TEL_OR_MAIL, "url"):
            if contacts >= 3 * MAX_PER_SIGNAL:
                break
            if not link.hidden:
                hits.append(
                    Hit(
                        self.meta.id,
                        "contact",
                        page.url,
                        page.role,
                        link.locator,
                        f"{link.text_raw or link.title} → {link.href}",
                        value=link.href,
                        region=link.region,
                    )
                )
                contacts += 1
        return hits

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        address = [h for h in hits if h.signal == "address"]
        contact = [h for h in hits if h.signal == "contact"]
        if address and contact:
            return Verdict([self.finding(Outcome.PASS, hits=[address[0], contact[0]])])
        searched = site.searched(ROLES)
        if not searched:
            failed = site_failed(site, ROLES) or [site.home_url or "?"]
            return Verdict([self.finding(Outcome.ERROR, error_text(failed))])
        if address:
            msg = t(
                "发现企业地址，但未发现联系电话或电子邮箱，请人工确认",
                "A company address was found but no phone number or e-mail; confirm by hand",
            )
        elif contact:
            msg = t(
                "发现联系方式，但未发现企业经营地址（可能以图片或地图展示），请人工确认",
                "Contact details were found but no company address (it may be an image or a "
                "map); confirm by hand",
            )
        else:
            msg = t(
                "在关于我们、联系我们、证照等页面未发现企业地址和联系方式，请人工确认",
                "No company address or contact details on the about, contact or imprint pages; "
                "confirm by hand",
            )
        return Verdict(
            [
                self.finding(
                    Outcome.NEEDS_REVIEW, msg, hits=[*address, *contact], pages_searched=searched
                )
            ]
        )
