"""Customer-service channels (standard 6.1.7 / 6.2.7 / 6.3.7 多渠道客户服务, 4.4; Annex A #20;
clause-signals SIG-CS).

Five kinds of channel are recognised, Chinese and English:

- phone — a labelled number (客服热线/电话/Tel/Phone/Call … followed by 400/800/95xxx, a landline,
  a mobile or an international number) or a `tel:` link;
- e-mail — an address in the text or a `mailto:` link (jobs@, press@, privacy@, noreply@ … are
  not customer channels);
- online chat — a link labelled 在线客服/人工客服/智能客服/在线咨询/live chat, a button whose whole
  text is such a label, or a chat-widget script from a known host (美洽, 网易七鱼, 53KF, 智齿,
  Udesk, 环信, Zendesk, tawk.to, Intercom, LiveChat, Crisp, Tidio);
- instant messaging — 微信客服/企业微信/QQ客服/WhatsApp text, links (`wpa.qq.com`, `wa.me`,
  `work.weixin.qq.com/kfid`) or QR-code images so labelled;
- form or ticket — 在线留言/提交工单/意见反馈/contact form/support ticket links or text.

Two or more kinds → pass (SIG-CS "multi-channel"); one → needs review; none → `absent()`:
a fail only when the home page and every page that could hold the channels loaded
(消费者权益保护法 第28条 requires remote sellers to give consumers their 联系方式; the standard's
6.1.7 says 应). Service hours (7×24, 9:00–21:00, Mon–Fri) are disclosed when the block they sit
in is about service. Every channel found is a `customer_service` disclosure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Final

from ecq_scan.artifacts import Link, PageArtifacts
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._common import t
from ecq_scan.checks.builtin._contact import (
    HOURS_CONTEXT,
    PHONE,
    iter_emails,
    iter_hours,
    phone_digits,
    service_mailbox,
)
from ecq_scan.checks.builtin._links import links_labelled
from ecq_scan.checks.prefilter import finditer
from ecq_scan.models import CheckMeta, Disclosure, EnterpriseType, Outcome, PageRole, Severity

KINDS: Final = ("phone", "email", "chat", "im", "form")
_KIND_NAMES: Final = {
    "phone": ("电话", "phone"),
    "email": ("电子邮件", "e-mail"),
    "chat": ("在线客服", "online chat"),
    "im": ("即时通讯（微信/QQ 等）", "instant messaging (WeChat, QQ …)"),
    "form": ("留言/工单", "form or ticket"),
}
#: roles whose visible text is read (product and category pages repeat the footer and add noise;
#: their links and widgets are still read)
TEXT_ROLES: Final = frozenset(PageRole) - {PageRole.PRODUCT, PageRole.CATEGORY}
#: hits kept per signal per page
MAX_PER_PAGE: Final = 5

CHAT_LABEL: Final = re.compile(
    r"在线客服|人工客服|智能客服|在线咨询|咨询客服|联系在线客服|客服在线|\blive\s*chat\b"
    r"|\bchat\s+(?:with\s+us|now|online|with\s+(?:an?\s+)?(?:agent|expert))\b|\bonline\s+chat\b"
    r"|\bstart\s+(?:a\s+)?chat\b",
    re.I,
)
CHAT_BUTTON: Final = re.compile(
    r"^\s*(?:在线客服|人工客服|智能客服|在线咨询|咨询客服|live\s*chat|chat\s+with\s+us|chat\s+now)\s*$",
    re.I,
)
#: chat-widget script hosts (SIG-CS; the second group was not verified by clause-signals)
CHAT_HOSTS: Final = re.compile(
    r"(?:^|[/.])(?:meiqia\.com|qiyukf\.com|53kf\.com|sobot\.com|udesk\.cn|easemob\.com"
    r"|zdassets\.com|zopim\.com|tawk\.to|intercom\.io|intercomcdn\.com|livechatinc\.com"
    r"|crisp\.chat|tidio\.co|kf5\.com|xiaoneng\.cn|ntalker\.com)(?:[/:]|$)",
    re.I,
)
IM_LABEL: Final = re.compile(
    r"微信客服|客服微信|企业微信客服|企业微信|QQ客服|客服QQ|在线QQ|\bWhatsApp\b|\bWeChat\s+(?:support|service)\b"
    # a WeChat ID to add: 加微信 youxuan8888 / 微信号：abc_123 (IDs: 6-20 chars, letter first)
    r"|(?:加|添加)\s*(?:客服)?微信(?:号)?\s*[:：]?\s*[A-Za-z][-_A-Za-z0-9]{5,19}"
    r"|微信号\s*[:：]\s*[A-Za-z][-_A-Za-z0-9]{5,19}",
    re.I,
)
IM_URL: Final = re.compile(
    r"wpa\.qq\.com|(?:^|//)wa\.me/|api\.whatsapp\.com|work\.weixin\.qq\.com/kf|(?:^|//)m\.me/", re.I
)
FORM_LABEL: Final = re.compile(
    r"在线留言|留言反馈|我要留言|留言板|提交工单|工单系统|我的工单|意见反馈|问题反馈|\bcontact\s+form\b"
    r"|\bsubmit\s+a\s+(?:request|ticket)\b|\bsupport\s+ticket\b|\bopen\s+a\s+ticket\b|\bhelp\s*desk\b"
    r"|\bfeedback\s+form\b|\bsend\s+us\s+a\s+message\b",
    re.I,
)
#: `links_matching` searches all of a page's link URLs joined one per line: anchors need re.M
_TEL_OR_MAIL: Final = re.compile(r"^\s*(?:tel|mailto):", re.I | re.M)
#: one pass over the link URLs for tel:, mailto: and IM hosts (pages with 100,000 links exist)
_URL_WORDS: Final = ("tel:", "mailto:", "qq.com", "wa.me", "whatsapp", "weixin", "m.me/")
_ANY_URL: Final = re.compile(f"(?:{_TEL_OR_MAIL.pattern})|(?:{IM_URL.pattern})", re.I | re.M)


class CustomerServiceChannels(Check):
    """At least two kinds of customer-service channel (phone, e-mail, chat, IM, form)."""

    meta = CheckMeta(
        id="customer-service-channels",
        title_pass=t("提供多种客服渠道", "Several customer-service channels offered"),
        title_fail=t("未发现客服渠道", "No customer-service channel found"),
        description=t(
            "企业应提供多渠道客户服务（电话、电子邮件、在线客服、微信/QQ 等即时通讯、留言或工单），"
            "并公布服务时间。至少两类渠道为通过。",
            "The enterprise should offer customer service through several channels (phone, "
            "e-mail, online chat, instant messaging, a form or tickets) and publish service "
            "hours. Two kinds or more pass.",
        ),
        severity=Severity.SERIOUS,
        clauses=["6.1.7", "6.2.7", "6.3.7", "4.4"],
        indicators=[20],
        enterprise_types=list(EnterpriseType),
        page_roles=[],
        scope="site",
        absence_is_failure=True,
        legal_basis=["消费者权益保护法 第28条", "电子商务企业服务质量规程 6.1.7"],
    )

    def observe(self, page: PageArtifacts) -> list[Hit]:
        hits: list[Hit] = []
        counts: dict[str, int] = {}

        def add(hit: Hit) -> None:
            n = counts.get(hit.signal, 0)
            if n < MAX_PER_PAGE:
                counts[hit.signal] = n + 1
                hits.append(hit)

        hrefs = "\n".join(ln.href for ln in page.links).lower()
        url_links = (
            page.links_matching(_ANY_URL, "url")
            if any(w in hrefs for w in _URL_WORDS)  # a cheap test before a regex over all URLs
            else []
        )
        for link in url_links:
            if link.hidden:
                continue
            href = link.href.strip()
            scheme = href.split(":", 1)[0].lower()
            if scheme in ("tel", "mailto"):
                target = href.split(":", 1)[1].split("?", 1)[0].strip()
                if scheme == "tel" and target:
                    add(self._link_hit(page, link, "phone", phone_digits(target)))
                elif "@" in target and service_mailbox(target):
                    add(self._link_hit(page, link, "email", target.lower()))
            elif IM_URL.search(link.url or href):
                add(self._link_hit(page, link, "im", link.url or href))
        for rx, kind in ((CHAT_LABEL, "chat"), (IM_LABEL, "im"), (FORM_LABEL, "form")):
            for link in links_labelled(page, rx):
                if not link.hidden:
                    add(self._link_hit(page, link, kind, link.url or link.text))
        for img in page.images:
            label = f"{img.alt} {img.title}"
            if label.strip() and IM_LABEL.search(label):
                add(
                    Hit(
                        self.meta.id,
                        "im",
                        page.url,
                        page.role,
                        img.locator,
                        f"<img alt={img.alt!r}>",
                        value=img.alt or img.title,
                        region=img.region,
                    )
                )
        for res in page.resources:
            if res.kind == "script" and CHAT_HOSTS.search(res.url):
                add(
                    Hit(
                        self.meta.id,
                        "chat",
                        page.url,
                        page.role,
                        res.locator,
                        f"<script src={res.raw}>",
                        value=res.url,
                        note="chat widget",
                    )
                )
        if page.role in TEXT_ROLES:
            self._text(page, add)
        return hits

    def _text(self, page: PageArtifacts, add: Callable[[Hit], None]) -> None:
        text = page.text
        for pm in finditer(PHONE, text, page.lower_text):
            add(self.hit(page, "phone", pm.start("num"), pm.end("num"), value=pm.group("num")))
        for start, end, address in iter_emails(text):
            if service_mailbox(address):
                add(self.hit(page, "email", start, end, value=address.lower()))
        for block in page.blocks:
            if len(block.norm) <= 24 and CHAT_BUTTON.match(block.norm):
                end = block.start + len(block.norm)
                add(self.hit(page, "chat", block.start, end, value=block.norm))
        for rx, kind in ((IM_LABEL, "im"), (FORM_LABEL, "form")):
            for fm in finditer(rx, text, page.lower_text):
                add(self.hit(page, kind, fm.start(), fm.end(), value=fm.group(0)))
                break
        for hm in iter_hours(text):
            holder = page.block_at(hm.start())
            if holder is not None and HOURS_CONTEXT.search(holder.norm):
                add(self.hit(page, "hours", hm.start(), hm.end(), value=hm.group(0)))

    def _link_hit(self, page: PageArtifacts, link: Link, kind: str, value: str) -> Hit:
        return Hit(
            self.meta.id,
            kind,
            page.url,
            page.role,
            link.locator,
            f"{link.text_raw or link.title} → {link.href}",
            value=value,
            region=link.region,
        )

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        by_kind: dict[str, list[Hit]] = {k: [] for k in KINDS}
        for h in hits:
            if h.signal in by_kind:
                by_kind[h.signal].append(h)
        found = [k for k in KINDS if by_kind[k]]
        hours = [h for h in hits if h.signal == "hours"]
        disclosures = self._disclosures(by_kind, hours)
        names_zh = "、".join(_KIND_NAMES[k][0] for k in found)
        names_en = ", ".join(_KIND_NAMES[k][1] for k in found)
        hours_zh = f"；服务时间：{hours[0].value}" if hours else "；未发现服务时间"
        hours_en = f"; service hours: {hours[0].value}" if hours else "; no service hours found"
        evidence = [by_kind[k][0] for k in found] + hours[:1]
        if len(found) >= 2:
            msg = t(
                f"提供 {len(found)} 类客服渠道：{names_zh}{hours_zh}",
                f"{len(found)} kinds of customer-service channel: {names_en}{hours_en}",
            )
            return Verdict([self.finding(Outcome.PASS, msg, hits=evidence)], disclosures)
        if found:
            msg = t(
                f"仅发现 1 类客服渠道（{names_zh}）{hours_zh}；多渠道客服需至少两类，"
                "其他渠道可能在 App 或登录后，请人工确认",
                f"Only one kind of customer-service channel found ({names_en}){hours_en}; "
                "several are expected — others may be in an app or behind login, confirm by hand",
            )
            return Verdict([self.finding(Outcome.NEEDS_REVIEW, msg, hits=evidence)], disclosures)
        verdict = self.absent(
            site,
            [PageRole.HOME, PageRole.CONTACT, PageRole.HELP, PageRole.ABOUT],
            t(
                "未发现任何客服渠道（电话、邮箱、在线客服、微信/QQ、留言或工单）",
                "No customer-service channel found (phone, e-mail, chat, WeChat/QQ, form or "
                "ticket)",
            ),
        )
        verdict.disclosures = disclosures
        return verdict

    def _disclosures(self, by_kind: dict[str, list[Hit]], hours: list[Hit]) -> list[Disclosure]:
        """Up to three distinct values per kind, then the hours; the note names the kind."""
        picked: list[Hit] = []
        for k in KINDS:
            seen: set[str] = set()
            for h in by_kind[k]:
                if h.value and h.value not in seen and len(seen) < 3:
                    seen.add(h.value)
                    picked.append(replace(h, note=_KIND_NAMES[k][1]))
        picked.extend(replace(h, note="service hours") for h in hours[:2])
        return self.disclose("customer_service", picked)
