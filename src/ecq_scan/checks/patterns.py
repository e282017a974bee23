"""Identifier patterns and lexicons shared by the Python checks (clause-signals §3, §11.2).

Every pattern runs on NFKC-normalised visible text (`PageArtifacts.text`): NFKC folds full-width
digits, brackets and colons (`（京）` → `(京)`, `：` → `:`), so the patterns only need ASCII
punctuation plus the brackets NFKC leaves alone (`〔〕【】［］`). Patterns are compiled once, at
import, and are written to run in linear time on hostile input (a 40,000-digit run,
`"京ICP备" * 20000`; hostile-sites H23): every repetition is bounded or anchored by a literal.

Sources: the province table and the GB/T 2260 codes, the ICP/VATS/公安 formats and the
GB 32100-2015 check digit are taken from clause-signals §3 (SIG-ICP-FILING, SIG-VATS, SIG-PSB,
SIG-USCC, SIG-LZ, SIG-INDUSTRY-LIC, SIG-CS, SIG-PRICE, SIG-AD-ABSOLUTE).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

#: Province abbreviations that prefix ICP / 公安 / 许可证 numbers. Both 蜀/川, 陇/甘, 黔/贵, 滇/云
#: occur in real numbers.
PROV: Final = (
    "京|津|冀|晋|蒙|辽|吉|黑|沪|苏|浙|皖|闽|赣|鲁|豫|鄂|湘|粤|桂|琼|渝|川|蜀|黔|贵|滇|云|藏|陕|秦|甘|陇"
    "|青|宁|新"
)

#: GB/T 2260 two-digit province codes: USCC chars 3–4, 公安备案 digits 1–2, JY digits 2–3.
PROV_CODE: Final[dict[str, str]] = {
    "京": "11", "津": "12", "冀": "13", "晋": "14", "蒙": "15", "辽": "21", "吉": "22", "黑": "23",
    "沪": "31", "苏": "32", "浙": "33", "皖": "34", "闽": "35", "赣": "36", "鲁": "37", "豫": "41",
    "鄂": "42", "湘": "43", "粤": "44", "桂": "45", "琼": "46", "渝": "50", "川": "51", "蜀": "51",
    "黔": "52", "贵": "52", "滇": "53", "云": "53", "藏": "54", "陕": "61", "秦": "61", "甘": "62",
    "陇": "62", "青": "63", "宁": "64", "新": "65",
}  # fmt: skip

#: Province code → the usual abbreviation (first one listed wins), for messages.
CODE_PROV: Final[dict[str, str]] = {}
for _abbr, _code in PROV_CODE.items():
    CODE_PROV.setdefault(_code, _abbr)

#: Hyphen and the dashes sites type instead of it (NFKC folds the full-width one already).
DASH: Final = r"[-－—–]"

_I = re.I

# --- ICP 备案号 / 旧式 ICP证 (互联网信息服务管理办法 第12条) ---------------------------------

#: `京ICP备2024077296号-1`, `陇ICP备 05000593`, `沪icp备 09007032`.
ICP_FILING: Final = re.compile(
    rf"(?P<prov>{PROV})\s*ICP\s*备\s*(?P<num>\d{{6,10}})(?!\d)\s*号?"
    rf"(?:\s*{DASH}\s*(?P<site>\d{{1,3}})(?!\d))?",
    _I,
)

#: Legacy display of an ICP 经营许可证: `京ICP证030173号`, `京ICP证040867号-3`.
ICP_LICENCE_OLD: Final = re.compile(
    rf"(?P<prov>{PROV})\s*ICP\s*证\s*(?P<num>\d{{6}})(?!\d)\s*号?"
    rf"(?:\s*{DASH}\s*(?P<site>\d{{1,3}})(?!\d))?",
    _I,
)

#: Anything that looks like an attempt at an ICP number but is not well-formed:
#: `京ICP备案1004644`, `ICP备12345678号` (no province), `中ICP备…` (no such abbreviation).
#: Only used where no well-formed number overlaps the match.
ICP_MALFORMED: Final = re.compile(
    r"(?:(?P<prov>[\u4e00-\u9fff])\s*)?ICP\s*(?:备案|备|证)?\s*(?:号|编号)?\s*:?\s*"
    r"(?P<num>\d{5,12})(?!\d)",
    _I,
)

#: Hosts of the MIIT filing system (BEIAN33 第13条: the number links to it) and stale ones.
MIIT_HOSTS: Final = frozenset({"beian.miit.gov.cn"})
MIIT_LEGACY_HOSTS: Final = frozenset(
    {"www.miitbeian.gov.cn", "miitbeian.gov.cn", "www.miibeian.gov.cn", "miibeian.gov.cn"}
)

# --- 增值电信业务经营许可证 ------------------------------------------------------------------

#: `浙B2-20080101`, `合字B2-20170010`, `合字A1.B1.B2-20180017`, `浙B2-20110446-1`, bare
#: `B2-20090462`. `D3-` (domain registrar) never matches: the class must be A1/A2/B1/B2.
VATS: Final = re.compile(
    rf"(?:(?P<prov>{PROV})|(?P<he>合字)|(?<![A-Za-z0-9]))\s*"
    rf"(?P<cls>(?:[AB][12]\s*[.．、]\s*){{0,4}}[AB][12])\s*{DASH}\s*"
    rf"(?P<year>(?:19|20)\d{{2}})(?P<seq>\d{{4}})(?:\s*{DASH}\s*(?P<site>\d{{1,3}}))?(?!\d)",
    _I,
)
#: An unprefixed licence number counts only within this many characters of `VATS_CONTEXT`
#: (`订单 B2-20200101` is an order number, not a licence).
VATS_CONTEXT_CHARS: Final = 40
VATS_CONTEXT: Final = re.compile(r"增值电信|电信业务|经营许可证|许可证|ICP证|EDI", _I)


_VATS_GATE: Final = re.compile(r"[AB][12]", _I)


def iter_vats(text: str) -> Iterator[re.Match[str]]:
    """Licence numbers in `text`; an unprefixed one only near a licence word (SIG-VATS)."""
    if not _VATS_GATE.search(text):  # a cheap scan rules out most pages
        return
    for m in VATS.finditer(text):
        if m.group("prov") or m.group("he"):
            yield m
            continue
        lo = max(0, m.start() - VATS_CONTEXT_CHARS)
        hi = min(len(text), m.end() + VATS_CONTEXT_CHARS)
        if VATS_CONTEXT.search(text, lo, m.start()) or VATS_CONTEXT.search(text, m.end(), hi):
            yield m


def vats_span(m: re.Match[str]) -> tuple[int, int]:
    """The match without the whitespace an unprefixed number may have swallowed before it."""
    for group in ("prov", "he", "cls"):
        if m.group(group):
            return m.start(group), m.end()
    return m.span()


def vats_value(m: re.Match[str]) -> str:
    """`浙B2-20080101`, `合字A1.B1.B2-20180017`, `B2-20090462-1` (spaces dropped, upper case)."""
    prefix = m.group("prov") or m.group("he") or ""
    cls = re.sub(r"\s*[.．、]\s*", ".", m.group("cls")).upper()
    site = f"-{m.group('site')}" if m.group("site") else ""
    return f"{prefix}{cls}-{m.group('year')}{m.group('seq')}{site}"


# --- 公安机关联网备案号 (计算机信息网络国际联网安全保护管理办法 第12条) ------------------------

#: `京公网安备 11000002000088号`, `京公网安备110108901530`.
PSB: Final = re.compile(
    rf"(?P<prov>{PROV})\s*公网安备\s*:?\s*(?P<code>\d{{12,14}})(?!\d)\s*号?", _I
)
#: Query links, old and new host; the new one keeps the code in the fragment, so match the
#: raw `href`, not the fragment-less absolute URL.
PSB_LINK: Final = re.compile(
    r"(?:beian\.gov\.cn/portal/registerSystemInfo\?(?:[\w%.=-]{0,80}&)?recordcode="
    r"|beian\.mps\.gov\.cn/#/query/webSearch\?(?:[\w%.=-]{0,80}&)?code=)(?P<code>\d{12,14})(?!\d)",
    _I,
)
#: `北京市公安局朝阳分局备案编号110105014669` — pre-2012 display, accepted for review only.
PSB_LEGACY: Final = re.compile(
    r"公安(?:局|分局)[\u4e00-\u9fff]{0,10}备案(?:编号|号)\s*:?\s*(?P<code>\d{12,14})(?!\d)"
)

# --- 统一社会信用代码 (GB 32100-2015) --------------------------------------------------------

USCC_CHARSET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS: Final = tuple(pow(3, i, 31) for i in range(17))

#: A code announced by a label. The label rules out order and tracking numbers of 18 chars.
USCC_CONTEXT: Final = re.compile(
    r"(?:统一社会信用代码|社会信用代码|信用代码|营业执照(?:注册)?号|执照编号"
    r"|Unified\s+Social\s+Credit\s+Code|USCC|Business\s+Licen[cs]e\s+(?:No\.?|Number))"
    r"[^0-9A-Za-z]{0,8}(?P<code>[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{18})(?![0-9A-Za-z])",
    _I,
)
#: A bare code: only inside licence pages and 亮照 serials.
USCC_BARE: Final = re.compile(
    r"(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Z])"
)
#: The 15-digit 工商注册号 of pre-2016 licences (a legacy number, never a failure).
LEGACY_REG_NO: Final = re.compile(
    r"(?:注册号|营业执照(?:注册)?号|执照编号)[^0-9A-Za-z]{0,6}(?P<code>[1-9]\d{14})(?![0-9A-Za-z])"
)


def uscc_valid(code: str) -> bool:
    """GB 32100-2015 check digit: weights 3**i mod 31 over the 31-symbol set, 18th = check.

    Early pilot codes (e.g. 福建 `91350100M0001TGQXM`) are lawful but fail this test, so a
    false result is a reason to review, never to fail a site (clause-signals SIG-USCC).
    """
    c = code.upper()
    if len(c) != 18 or any(x not in USCC_CHARSET for x in c):
        return False
    s = sum(USCC_CHARSET.index(c[i]) * USCC_WEIGHTS[i] for i in range(17))
    return USCC_CHARSET[(31 - s % 31) % 31] == c[17]


# --- 营业执照 “亮照” (电子商务法 第15条) ------------------------------------------------------

#: Links/images that point at a licence display: 电子营业执照亮照, 国家企业信用信息公示系统,
#: legacy 上海 `sgs.gov.cn/lz`, local 网络经济监管 `wljg.*.gov.cn`.
LZ_URL: Final = re.compile(
    r"(?:zzlz\.gsxt\.gov\.cn|(?<![\w-])(?:[\w-]{1,63}\.){0,4}gsxt\.gov\.cn"
    r"|(?<![\w-])gsxt\.(?:[\w-]{1,63}\.){1,4}gov\.cn|sgs\.gov\.cn/lz/licenseLink\.do"
    r"|(?<![\w-])wljg\.(?:[\w-]{1,63}\.){1,4}gov\.cn)",
    _I,
)
LZ_SERIAL: Final = re.compile(r"serial=(?P<uscc>[0-9A-Z]{18})-SAIC_SHOW", _I)
#: Link text / alt / title of a 亮照 entry on the home page.
LZ_LABEL: Final = re.compile(
    r"营业执照|电子营业执照|工商亮照|亮照|证照信息|经营证照|资质证照|企业资质|工商网监"
)
#: Licence fields besides the code (a licence page shows the code plus at least one of these).
LZ_FIELDS: Final = re.compile(
    r"(?:企业|公司|单位|主体)?名称\s*:|类型\s*:|法定代表人|负责人\s*:|经营者\s*:|住所|经营场所|"
    r"注册资本|成立日期|登记机关"
)

#: The registered name printed next to a label (`名称: 北京…有限公司`), for the disclosure.
LZ_NAME: Final = re.compile(
    r"(?:企业名称|公司名称|主体名称|经营者名称|名称)\s*:?\s*"
    r"(?P<name>[\u4e00-\u9fff()·]{2,40}?(?:有限责任公司|股份有限公司|有限公司|集团|分公司|合作社"
    r"|商行|经营部|工作室|店|厂))"
)

# --- English imprint / company information -----------------------------------------------

#: UK company number, German Handelsregister, and the common "Registration No." forms.
COMPANY_REG_EN: Final = re.compile(
    r"(?:Company\s+(?:Registration\s+)?(?:No\.?|Number|Reg(?:istration)?\.?\s+No\.?)"
    r"|Registered\s+in\s+England(?:\s+(?:and|&)\s+Wales)?,?(?:\s+(?:under\s+)?(?:[Cc]ompany\s+)?"
    r"(?:No\.?|number))?|Company\s+registered\s+(?:No\.?|number)|Commercial\s+Register\s+No\.?)"
    r"\s*[:.#]?\s*(?P<num>(?:[A-Z]{2})?\d{6,8})(?![0-9A-Za-z])"
    r"|(?<![A-Za-z])(?P<hr>HR[AB]\s?\d{3,6}(?:\s?[A-Z]{1,2})?)(?![0-9A-Za-z])"
)

# --- 行业许可 / 其他编号 (clause-signals SIG-INDUSTRY-LIC, SIG-ALGO, SIG-CS) --------------------

FOOD_OPERATING: Final = re.compile(r"(?<![A-Z0-9])JY(?P<d>[1-9](?P<prov>\d{2})\d{11})(?!\d)")
FOOD_PRODUCTION: Final = re.compile(r"(?<![A-Z0-9])SC\d{14}(?!\d)")
DRUG_INFO_CERT: Final = re.compile(
    rf"\(?\s*(?P<prov>{PROV}|国)\s*\)?\s*{DASH}\s*\(?\s*(?P<kind>非?经营性)\s*\)?\s*{DASH}\s*"
    rf"(?P<year>(?:19|20)\d{{2}})\s*{DASH}\s*(?P<seq>\d{{4}})(?!\d)"
)
DRUG_INFO_FILING: Final = re.compile(
    rf"\(\s*(?P<prov>{PROV})\s*\)\s*网药械信息备字\s*[(〔\[]\s*(?P<year>\d{{4}})\s*[)〕\]]\s*第?\s*"
    r"(?P<seq>\d{3,6})\s*号"
)
DRUG_PLATFORM: Final = re.compile(
    rf"\(\s*(?P<prov>{PROV})\s*\)\s*网药平台备字\s*[(〔\[]\s*(?P<year>\d{{4}})\s*[)〕\]]\s*第?\s*"
    r"(?P<seq>[\d-]{3,12})\s*号"
)
DEVICE_PLATFORM: Final = re.compile(
    rf"\(\s*(?P<prov>{PROV})\s*\)\s*网械平台备字\s*[(〔\[]\s*(?P<year>\d{{4}})\s*[)〕\]]\s*第?\s*"
    r"(?P<seq>[0-9Oo]{3,6})\s*号"
)
DRUG_LICENCE: Final = re.compile(
    rf"药品经营许可证(?:编号|号)?\s*:?\s*(?P<num>(?:{PROV})[A-Z]{{2}}\d{{7}})(?!\d)"
)
CULTURE_LICENCE: Final = re.compile(
    rf"(?P<prov>{PROV})网文\s*[\[［〔【(]\s*(?P<year>\d{{4}})\s*[\]］〕】)]\s*"
    rf"(?P<seq>\d{{3,5}}\s*{DASH}\s*\d{{2,4}})\s*号"
)
ALGO_FILING: Final = re.compile(r"网信算备\s*:?\s*(?P<num>\d{21})\s*号")
CS_PHONE: Final = re.compile(
    r"(?<!\d)(?:400|800)[-\s]?\d{3}[-\s]?\d{4}(?!\d)|(?<!\d)95\d{3,6}(?!\d)"
    r"|(?<!\d)0\d{2,3}[-\s]?\d{7,8}(?!\d)"
)
CS_HOURS: Final = re.compile(
    r"7\s*[×xX*]\s*24|24\s*(?:小时|h|H)|全天候"
    r"|(?<!\d)(?:[01]?\d|2[0-3]):[0-5]\d\s*[-—~至到]\s*(?:[01]?\d|2[0-4]):[0-5]\d"
)

# --- 价格 (明码标价和禁止价格欺诈规定 第5–9、13条) ---------------------------------------------

#: A visible price: `¥129.00`, `129元`, `$19.99`, `€ 5`, `£3.50`, `19,99 €`, `RMB 99`.
PRICE: Final = re.compile(
    r"(?:US\$|HK\$|NT\$|C\$|A\$|S\$|NZ\$|RMB|CNY|[$€£¥])\s?(?P<a>\d{1,3}(?:,\d{3}){1,3}|\d{1,7})"
    r"(?:\.\d{1,2})?(?!\d)"
    r"|(?<![\d.,])(?P<b>\d{1,7})(?:\.\d{1,2})?\s?元"
    r"|(?<![\d.,])(?P<c>\d{1,7})(?:[.,]\d{1,2})?\s?(?:€|EUR|USD|GBP|CNY|RMB)(?![A-Za-z])"
)
#: Amounts that are not the product's price: thresholds, discounts, fees (`满99元包邮`,
#: `立减¥20`, `运费 ¥10`, "orders over £50", "save $5"). Checked on the few characters before
#: the amount.
PRICE_NOT_PRODUCT: Final = re.compile(
    r"(?:满|减|省|返|抵|(?<!免)运费|邮费|快递费|首重|续重|差"
    r"|\bover|\babove|\bspend|\bsave|\boff|\bminimum|\bshipping|\bdelivery|\bpostage)\s*:?\s*$",
    _I,
)
#: How far back `PRICE_NOT_PRODUCT` looks.
PRICE_LOOKBEHIND: Final = 12
#: Commerce cues that make a `product`-role page a real product page (a news "detail" page
#: shares the URL shape).
COMMERCE_CUE: Final = re.compile(
    r"加入购物车|加购物车|立即购买|马上抢|立即抢购|到货通知|库存|规格|型号|数量|已售|月销"
    r"|add\s+to\s+(?:cart|bag|basket)|buy\s+(?:it\s+)?now|in\s+stock|out\s+of\s+stock|quantity|\bSKU\b",
    _I,
)
#: A product page that is sold out or withdrawn may lawfully show no price.
PRODUCT_UNAVAILABLE: Final = re.compile(
    r"已下架|已售罄|商品不存在|暂不销售|停止销售|no\s+longer\s+available|discontinued"
    r"|currently\s+unavailable|sold\s+out",
    _I,
)

# --- 绝对化用语 (广告法 第9条(三); 广告绝对化用语执法指南) ----------------------------------------

AD_ABSOLUTE_ZH: Final = re.compile(
    r"国家级|最高级|最佳|最好|最优|最强|最大|最先进|最有效|最安全|最科学|最便宜|全网最低|最低价|史上最"
    r"|最受欢迎|最畅销"
    r"|最权威|最专业|最正宗|第一(?:品牌|名)?|NO\.?\s?1(?![\d.,])|TOP\s?1(?![\d.,])|首选|首个|首家"
    r"|首创|唯一|独一无二|独家|顶级|顶尖|极品|极致|至尊|王牌|冠军|世界级|全球级|国际级|宇宙级"
    r"|全球领先|世界领先|遥遥领先|领导品牌|绝对|万能|完美|绝无仅有|空前绝后|史无前例"
    r"|100\s*%(?=\s*[\u4e00-\u9fff])|百分之百|特供|专供|驰名商标|免检|国家(?:机关)?推荐",
    _I,
)
AD_ABSOLUTE_EN: Final = re.compile(
    r"\b(?:best|number\s+one|world['’]?s\s+(?:first|best|leading|only)|the\s+only"
    r"|top[-\s]?rated|unbeatable|lowest\s+prices?\s+guaranteed|guaranteed\s+lowest|cheapest"
    r"|ultimate|perfect|100\s*%\s*(?:effective|guaranteed|safe|natural|pure)|miracle"
    r"|risk[-\s]?free)\b|#1\b",
    _I,
)
#: A hit that lies inside one of these is not an advertising claim: ordinals (第一次/第一条),
#: consumption hints (最佳赏味期), thresholds (最低消费/最高可减), official titles (国家级非遗),
#: compound words (首页/首重/唯一标识/绝对值), specifications (最大承重), material content
#: (100%棉), adverbial advice (最好不要). Extensions beyond clause-signals are the last three.
AD_TRAPS_ZH: Final = re.compile(
    r"第一(?:次|步|天|时间|[章条款节项]|批|期|季|单|件|页|眼|口|手|个月|周|年度?|部分|阶段|层|排|行|列)"
    r"|最佳(?:赏味|食用|饮用|使用|保存|观赏|体验请|浏览)"
    r"|(?:最低|最高|最多|最少)(?:消费|起订|起送|购买|配送|订购|可[减省返抵赠选]|[减省返抵]|优惠|立减)"
    r"|国家级(?:非物质文化遗产|非遗|高新技术企业|专精特新|重点|实验室|工程(?:技术)?研究中心|示范"
    r"|科技企业孵化器)"
    r"|首(?:页|次|单|付|重|发|件)|唯一(?:标识|编号|识别码|ID|指定收货)|绝对(?:值|路径|定位|坐标)"
    r"|顶级域名"
    r"|最(?:大|小|高|低)(?:承重|容量|功率|输出|输入|电流|电压|转速|尺寸|负载|分辨率|亮度|速度|续航"
    r"|扭矩|压力|温度|重量|支持|可)"
    r"|100\s*%\s*(?:纯?棉|羊毛|羊绒|桑蚕丝|真丝|涤纶|聚酯纤维|锦纶|氨纶|亚麻|含量)"
    r"|最好(?:不要|别|在|提前|避免|先|及时|尽快)",
    _I,
)
AD_TRAPS_EN: Final = re.compile(
    r"\bbest\s+(?:before|by|regards|wishes|practices?|sellers?|enjoyed|served|stored|kept|used)\b"
    r"|\b(?:unit|apt|suite|no\.?|room)\s*#1\b|\bonly\s+\d+\s+left\b|\bmembers?\s+only\b",
    _I,
)
#: Near a hit, these suggest an award or a dated statistic: still a claim to review, but the
#: message says it needs evidence rather than that it is unsupported.
AD_EXEMPTION_HINT: Final = re.compile(
    r"荣获|评为|认定|据.{0,20}(?:统计|数据)|截至\s*\d{4}\s*年|\d{4}\s*年度?.{0,10}(?:销量|销售额|市场占有率)"
    r"|according\s+to|awarded|voted|as\s+of\s+\d{4}|source\s*:",
    _I,
)
#: Characters of context kept around each absolute-term hit.
AD_CONTEXT_CHARS: Final = 20


def is_placeholder_number(num: str) -> bool:
    """Demo numbers in templates: one repeated digit or a run like 1234567 / 7654321."""
    if len(set(num)) == 1:
        return True
    return num in "0123456789012" or num in "9876543210987"
