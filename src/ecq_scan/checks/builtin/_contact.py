"""Finders for contact details in visible text (clause-signals SIG-CS, 6.1.4): labelled phone
numbers, e-mail addresses, service hours and postal addresses, Chinese and English.

Used by `customer-service-channels` and `contact-and-address`. Every pattern is bounded and
anchored on a literal (a label word or the `@` of an address), so a hostile page of 40,000 digits
or 20,000 `@` stays linear (hostile-sites H23).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

#: a phone number counts only after one of these labels (a bare 11-digit run is as likely an
#: order, tracking or licence number)
PHONE: Final = re.compile(
    r"(?P<label>客服|热线|电话|咨询|售后|手机|座机|致电|拨打|联系|\bTel(?:ephone)?\b|\bPhone\b"
    r"|\bContact(?:\s+us)?\b"
    r"|\bCall(?:\s+us)?\b|\bHotline\b|\bMobile\b)"
    r"[^\d\n+()]{0,12}"
    r"(?P<num>(?:\+?86[-\s]?)?(?:(?:400|800)[-\s]?\d{3}[-\s]?\d{4}|95\d{3,6}|1[3-9]\d{9}"
    r"|0\d{2,3}[-\s]?\d{7,8})"
    r"|\+\d{1,3}[\s.-]?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]?\d{2,4}){1,4}"
    r"|\(?0\d{2,4}\)?[\s.-]?\d{3,4}[\s.-]?\d{3,4}"
    r"|\(\d{3}\)\s?\d{3}-\d{4}|\d{3}-\d{3}-\d{4})"
    r"(?![\d-])",
    re.I,
)
#: the parts of an e-mail address either side of its `@`
_LOCAL: Final = re.compile(r"[A-Za-z0-9._%+-]{1,64}$")
_DOMAIN: Final = re.compile(r"[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,4}\.[A-Za-z]{2,24}\b")
#: `@` signs looked at per text (a hostile page may hold thousands)
MAX_AT_SIGNS: Final = 200
#: mailboxes that are not for customers (jobs, press, privacy officer, robots)
NOT_SERVICE_MAILBOX: Final = re.compile(
    r"^(?:jobs?|hr|careers?|recruit\w*|zhaopin|press|media|pr|invest\w*|ir|privacy|dpo"
    r"|abuse|no-?reply|donotreply|security|legal|webmaster|postmaster)$",
    re.I,
)

#: service hours, when the block they sit in is about service (SIG-CS hours; "24小时" only with a
#: service word after it, so "24小时内发货/响应" — a delivery or response promise — is not hours)
HOURS_ZH: Final = re.compile(
    r"7\s*[×xX*]\s*24(?:\s*小时)?|24\s*小时\s*(?:在线|客服|服务|人工|热线|值守|不间断)|全天候"
    r"|(?:周|星期)[一二三四五六日天]\s*(?:至|到|-|~|—)\s*(?:周|星期)?[一二三四五六日天]"
    r"|(?<!\d)(?:[01]?\d|2[0-3]):[0-5]\d\s*[-—~～至到]\s*(?:[01]?\d|2[0-4]):[0-5]\d"
)
#: English day and am/pm ranges, 24/7
HOURS_EN: Final = re.compile(
    r"\b(?:Mon(?:day)?|Sun(?:day)?)\s*(?:-|–|to)\s*(?:Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?)\b"
    r"|\b\d{1,2}(?::\d{2})?\s*(?:am|pm)\s*(?:-|–|to)\s*\d{1,2}(?::\d{2})?\s*(?:am|pm)\b"
    r"|\b24/7\b",
    re.I,
)
HOURS_CONTEXT: Final = re.compile(
    r"客服|服务|热线|电话|在线|营业|工作时间|接听|咨询|hours|support|service|open|available|contact"
    r"|phone|call|\btel\b|e-?mail|chat",
    re.I,
)

#: a postal address after its label: Chinese (省/市/区 … 路/号) and English (street words,
#: UK postcodes, US ZIP codes)
ADDRESS_ZH: Final = re.compile(
    r"(?<!网站)(?<!IP)(?<!邮箱)(?<!邮件)(?<!网址)(?<!收货)"
    r"(?:(?:公司|企业|办公|联系|注册|经营|通讯|通信|总部|退货)?(?:地址|住所)|经营场所|办公地点)"
    r"\s*:?\s*(?P<addr>[^\n:]{4,80})"
)
ADDRESS_EN: Final = re.compile(
    r"\b(?:registered\s+(?:office|address)|(?:our\s+|postal\s+|business\s+)?address|head\s+office"
    r"|located\s+at|visit\s+us\s+at)\b\s*:?\s*(?P<addr>[^\n]{6,120})",
    re.I,
)
_ZH_AREA: Final = re.compile(r"省|市|区|县|自治州|盟|旗")
_ZH_STREET: Final = re.compile(r"路|街|道|号|弄|巷|村|镇|大厦|楼|园区|广场|中心|座")
_EN_STREET: Final = re.compile(
    r"\b(?:street|st|road|rd|avenue|ave|lane|ln|way|drive|dr|boulevard|blvd|square|place|floor"
    r"|suite|unit|building|house|court|park|close|crescent|terrace|row|wharf|quay|industrial)\b"
    r"|\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b|\b[A-Z]{2}\s+\d{5}(?:-\d{4})?\b",
    re.I,
)
ADDRESS_MAX: Final = 60


def iter_phones(text: str) -> Iterator[re.Match[str]]:
    yield from PHONE.finditer(text)


def phone_digits(number: str) -> str:
    return re.sub(r"[^\d+]", "", number)


def iter_emails(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, address) of e-mail addresses, found from their `@` outwards (an unanchored
    e-mail regex tries every position of the page; this looks only where an `@` is)."""
    pos = text.find("@")
    seen = 0
    while pos != -1 and seen < MAX_AT_SIGNS:
        seen += 1
        right = _DOMAIN.match(text, pos + 1)
        if right is not None:
            left = _LOCAL.search(text, max(0, pos - 64), pos)
            if left is not None and not left.group(0).startswith("."):
                yield left.start(), right.end(), text[left.start() : right.end()]
        pos = text.find("@", pos + 1)


def service_mailbox(address: str) -> bool:
    return NOT_SERVICE_MAILBOX.match(address.split("@", 1)[0]) is None


def iter_hours(text: str) -> Iterator[re.Match[str]]:
    yield from HOURS_ZH.finditer(text)
    yield from HOURS_EN.finditer(text)


def address_in(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, address) of labelled postal addresses that look like real ones."""
    for m in ADDRESS_ZH.finditer(text):
        addr = m.group("addr").strip()[:ADDRESS_MAX]
        if _ZH_AREA.search(addr) and _ZH_STREET.search(addr):
            yield m.start(), m.end("addr"), addr
    for m in ADDRESS_EN.finditer(text):
        addr = m.group("addr").strip()[: 2 * ADDRESS_MAX]
        if re.search(r"\d", addr) and _EN_STREET.search(addr):
            yield m.start(), m.end("addr"), addr
