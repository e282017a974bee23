"""clause-signals §11.2 test vectors against the shared patterns, plus the USCC check digit.

Positive vectors must match, negative ones must not (or must be filtered by the check that uses
the pattern). Inputs are NFKC-normalised first, as `PageArtifacts.text` is.
"""

from __future__ import annotations

import re
import time

import pytest

from ecq_scan.artifacts import normalise
from ecq_scan.checks import patterns as P
from ecq_scan.checks.builtin.absolute_ad_terms import candidates


def _n(s: str) -> str:
    return normalise(s)


# --- identifiers ------------------------------------------------------------------------------

POSITIVE: list[tuple[str, re.Pattern[str] | str]] = [
    ("京ICP备2024077296号-1", P.ICP_FILING),
    ("粤ICP备04000001号", P.ICP_FILING),
    ("蜀ICP备12014244号-2", P.ICP_FILING),
    ("陇ICP备 05000593", P.ICP_FILING),
    ("沪icp备 09007032", P.ICP_FILING),
    ("京ICP证030173号", P.ICP_LICENCE_OLD),
    ("京ICP证040867号-3", P.ICP_LICENCE_OLD),
    ("浙B2-20080101", "vats"),
    ("合字B2-20170010", "vats"),
    ("合字A1.B1.B2-20180017", "vats"),
    ("增值电信业务许可证 b2-20090462", "vats"),
    ("浙B2-20110446-1", "vats"),
    ("京公网安备 11000002000088号", P.PSB),
    ("京公网安备110108901530", P.PSB),
    ("粤公网安备44030002017573号", P.PSB),
    ("beian.gov.cn/portal/registerSystemInfo?recordcode=33010202000302", P.PSB_LINK),
    ("beian.mps.gov.cn/#/query/webSearch?code=44060602003342", P.PSB_LINK),
    ("统一社会信用代码：91330106673959654P", P.USCC_CONTEXT),
    ("营业执照号：91430121MAC3YJQM47", P.USCC_CONTEXT),
    (
        "zzlz.gsxt.gov.cn/businessCheck/verifKey.do?showType=p&serial=91330106673959654P-SAIC_SHOW_1",
        P.LZ_URL,
    ),
    ("sgs.gov.cn/lz/licenseLink.do?method=licenceView&entyId=20120321", P.LZ_URL),
    ("JY11108071215650", P.FOOD_OPERATING),
    ("(京)-经营性-2017-0020", P.DRUG_INFO_CERT),
    ("浙-（经营性）-2021-0139", P.DRUG_INFO_CERT),
    ("（苏）-非经营性-2016-0005", P.DRUG_INFO_CERT),
    ("（京）网药械信息备字（2021）第00159号", P.DRUG_INFO_FILING),
    ("（浙）网药平台备字〔2023〕第000013-000号", P.DRUG_PLATFORM),
    ("（京）网械平台备字（2018）第00005号", P.DEVICE_PLATFORM),
    ("（浙）网械平台备字[2018]第00002号", P.DEVICE_PLATFORM),
    ("药品经营许可证：粤BA1710104", P.DRUG_LICENCE),
    ("网信算备330109830471102220013号", P.ALGO_FILING),
    ("京网文[2020]0276-042号", P.CULTURE_LICENCE),
    ("客服热线：400-690-6760", P.CS_PHONE),
    ("95188", P.CS_PHONE),
    ("7×24小时在线", P.CS_HOURS),
    ("周一至周日 08:30~22:00", P.CS_HOURS),
]

NEGATIVE: list[tuple[str, re.Pattern[str] | str]] = [
    ("ICP备案查询", P.ICP_FILING),
    ("ICP备案查询", P.ICP_MALFORMED),
    ("浙D3-20210002", "vats"),
    ("B2B电商", "vats"),
    ("AB2-20200101", "vats"),
    ("订单 B2-20200101", "vats"),  # the 40-character context rule rejects it
    ("公安备案", P.PSB),
    ("JY0110807121565", P.FOOD_OPERATING),
    ("网信算备11000000000001号", P.ALGO_FILING),
    ("京ICP备XXXXX号", P.ICP_FILING),
    ("川公网安备1XXXXXXXXXXXX1", P.PSB),
    ("订单号：230415123456789012", P.USCC_CONTEXT),
]


def _matches(text: str, pattern: re.Pattern[str] | str) -> bool:
    if pattern == "vats":
        return any(True for _ in P.iter_vats(text))
    assert isinstance(pattern, re.Pattern)
    return pattern.search(text) is not None


@pytest.mark.parametrize(("text", "pattern"), POSITIVE, ids=[v for v, _ in POSITIVE])
def test_positive_vectors(text: str, pattern: re.Pattern[str] | str) -> None:
    assert _matches(_n(text), pattern)


@pytest.mark.parametrize(("text", "pattern"), NEGATIVE, ids=[v for v, _ in NEGATIVE])
def test_negative_vectors(text: str, pattern: re.Pattern[str] | str) -> None:
    assert not _matches(_n(text), pattern)


def test_vats_value_normalised() -> None:
    values = [P.vats_value(m) for m in P.iter_vats(_n("合字A1.B1.B2-20180017 浙B2-20110446-1"))]
    assert values == ["合字A1.B1.B2-20180017", "浙B2-20110446-1"]
    bare = [P.vats_value(m) for m in P.iter_vats("增值电信业务许可证 b2-20090462")]
    assert bare == ["B2-20090462"]


def test_icp_groups() -> None:
    m = P.ICP_FILING.search("京ICP备2024077296号-1")
    assert m is not None
    assert (m["prov"], m["num"], m["site"]) == ("京", "2024077296", "1")


def test_icp_malformed_catches_nonstandard_forms() -> None:
    assert P.ICP_MALFORMED.search("京ICP备案1004644")
    assert P.ICP_MALFORMED.search("ICP备12345678号")


def test_psb_link_code_from_fragment() -> None:
    m = P.PSB_LINK.search("https://beian.mps.gov.cn/#/query/webSearch?code=44060602003342")
    assert m is not None and m["code"] == "44060602003342"


def test_psb_province_table() -> None:
    assert P.PROV_CODE["鄂"] == "42" and P.PROV_CODE["湘"] == "43" and P.PROV_CODE["蜀"] == "51"
    assert P.CODE_PROV["31"] == "沪"


def test_lz_serial() -> None:
    m = P.LZ_SERIAL.search("verifKey.do?showType=p&serial=91330106673959654P-SAIC_SHOW_1000")
    assert m is not None and m["uscc"] == "91330106673959654P"


def test_lz_url_hosts() -> None:
    for url in (
        "https://www.gsxt.gov.cn/index.html",
        "http://gsxt.scjgj.beijing.gov.cn/x",
        "http://wljg.scjgj.wuhan.gov.cn/ztgs/x",
        "http://wljg.scjgj.cq.gov.cn/x",
    ):
        assert P.LZ_URL.search(url), url
    assert not P.LZ_URL.search("https://notgsxt.example.com/gsxt")


def test_company_registration_en() -> None:
    assert P.COMPANY_REG_EN.search("Registered in England and Wales, Company No. 09876543")
    assert P.COMPANY_REG_EN.search("Amtsgericht München HRB 123456")
    assert not P.COMPANY_REG_EN.search("Order No. 09876543")


# --- USCC check digit (GB 32100-2015) ----------------------------------------------------------


@pytest.mark.parametrize("code", ["91330106673959654P", "911101083303521997", "91110105MA003A481G"])
def test_uscc_valid(code: str) -> None:
    assert P.uscc_valid(code)
    assert P.uscc_valid(code.lower())


@pytest.mark.parametrize(
    "code",
    [
        "91350100M0001TGQXM",  # 福建 pilot code: lawful, fails the check digit (review only)
        "91330106673959654Q",  # wrong check character
        "9133010667395965",  # too short
        "91330106673959654I",  # I is not in the character set
    ],
)
def test_uscc_invalid(code: str) -> None:
    assert not P.uscc_valid(code)


def test_uscc_weights() -> None:
    assert P.USCC_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


# --- absolute terms ---------------------------------------------------------------------------

AD_HITS = [
    "行业第一品牌",
    "全网最低价",
    "国家级产品",
    "最佳选择",
    "顶级工艺",
    "极品大红袍",
    "销量第一",
    "NO.1品牌",
    "100%正品",
    "第一名",
    "首选好物",
    "The best coffee in the world",
    "#1 rated",
    "World's first",
    "lowest price guaranteed",
    "100% natural",
]
AD_TRAPS = [
    "本店第一次活动",
    "第一步：注册账号",
    "第一条 本协议由",
    "最佳赏味期90天",
    "最低消费满99元包邮",
    "最高可减50元",
    "国家级非物质文化遗产",
    "首页",
    "首重1kg 10元",
    "唯一标识",
    "Best before 2025-01-01",
    "Best regards",
    "Best Sellers",
    "Unit #1, 10 Main St",
    "Only 3 left in stock",
    "Members only",
    # extensions beyond §11.2: specifications, material content, adverbial advice
    "最大承重150kg",
    "面料：100%棉",
    "最好在一周内食用",
]


@pytest.mark.parametrize("text", AD_HITS)
def test_absolute_term_candidates(text: str) -> None:
    assert list(candidates(_n(text))), text


@pytest.mark.parametrize("text", AD_TRAPS)
def test_absolute_term_traps(text: str) -> None:
    assert list(candidates(_n(text))) == [], text


def test_exemption_hint() -> None:
    assert P.AD_EXEMPTION_HINT.search("荣获2023年度中国家电品牌第一名")
    assert P.AD_EXEMPTION_HINT.search("据第三方机构统计，销量第一")
    assert P.AD_EXEMPTION_HINT.search("截至2024年，用户数第一")


# --- price tokens -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["¥129.00", "￥129", "129元", "$19.99", "€ 5", "£3.50", "19,99 €"])
def test_price_tokens(text: str) -> None:
    assert P.PRICE.search(_n(text))


# --- linear time on hostile input (hostile-sites H23) -----------------------------------------

BAIT = [
    "1" * 40_000,
    "京ICP备" * 20_000,
    "a" * 50_000 + "!",
    "@" * 20_000 + "a" * 20_000,
    "B2-" * 15_000,
    "统一社会信用代码" * 5_000 + "9" * 20_000,
    ("最" * 10_000) + ("第一" * 10_000),
    "¥" + "9" * 40_000,
]
ALL_PATTERNS = {name: value for name, value in vars(P).items() if isinstance(value, re.Pattern)}


@pytest.mark.parametrize("name", sorted(ALL_PATTERNS))
def test_patterns_are_fast_on_bait(name: str) -> None:
    pattern = ALL_PATTERNS[name]
    started = time.perf_counter()
    for bait in BAIT:
        for _ in pattern.finditer(bait):
            pass
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"{name} took {elapsed:.2f}s on bait"
