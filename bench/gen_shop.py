"""Generate a deterministic N-page Chinese storefront on disk for the crawl benchmark.

The shop imitates a server-rendered Chinese e-commerce site: every page carries the same inline
stylesheet and SVG sprite, a header with a category mega-menu, a footer with filing numbers and
policy links, and an inline JSON state blob, for about 90 KB a page (roughly 40 % script). Pages:
the home page, eight policy pages (about, contact, licence, returns, shipping, privacy, terms,
complaints), category pages and product pages with prices, specification tables, marketing copy
(including traps and a few absolute ad claims), detail images and buyer reviews.

Links: home, categories and products form an 8-ary tree in breadth-first order (node i links to
nodes 8i+1 … 8i+8), so every page is reachable within depth 4 from / for up to 4,681 pages. Every
page also links to the home page, the eight categories (menu), the eight policy pages (footer)
and four pseudo-random products: 20-30 distinct internal targets and about 64 <a> elements a
page. Crawl cost grows with <a> elements per page (every link is resolved, filtered and
de-duplicated), so the generator prints that figure; keep it when comparing runs. Same seed and
page count → byte-identical output.

    python bench/gen_shop.py --pages 2000 --out bench/out/shop
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

GENERATOR_VERSION = 2
FANOUT = 8
MENU_ITEMS = 4  # dropdown entries per category in the header menu
DEFAULT_PAGES = 2000
DEFAULT_PAGE_KB = 90
DEFAULT_OUT = Path(__file__).resolve().parent / "out" / "shop"
META_FILE = ".shop.json"
_TAG = re.compile(r"<[a-zA-Z]")

POLICIES: list[tuple[str, str]] = [
    ("about.html", "关于我们"),
    ("contact.html", "联系我们"),
    ("licence.html", "营业执照"),
    ("help/returns.html", "退换货政策"),
    ("help/shipping.html", "配送说明"),
    ("privacy.html", "隐私政策"),
    ("terms.html", "用户协议"),
    ("complaint.html", "投诉与建议"),
]

CATEGORY_NAMES = [
    "茶叶",
    "茶具",
    "坚果炒货",
    "休闲零食",
    "粮油调味",
    "厨房用品",
    "家居日用",
    "床上用品",
    "个护清洁",
    "母婴用品",
    "运动户外",
    "数码配件",
]
ADJ = [
    "精选",
    "臻品",
    "经典",
    "手工",
    "原产地",
    "新款",
    "家用",
    "便携",
    "加厚",
    "轻量",
    "有机",
    "礼盒装",
]
NOUNS = [
    "明前龙井",
    "白牡丹",
    "普洱熟茶",
    "紫砂壶",
    "玻璃公道杯",
    "每日坚果",
    "碧根果",
    "东北大米",
    "压榨花生油",
    "不粘炒锅",
    "纯棉毛巾",
    "蚕丝被",
    "洗衣凝珠",
    "保温杯",
    "瑜伽垫",
    "充电宝",
]
SPECS = ["250g", "500g", "1kg", "2kg", "1.6L", "600ml", "200×230cm", "10000mAh", "3只装", "12袋/箱"]
ORIGINS = ["浙江杭州", "福建福鼎", "云南勐海", "江苏宜兴", "黑龙江五常", "山东临沂", "广东佛山"]
SENTENCES = [
    "产地直采，减少中间环节，每一批次都经过第三方检测机构检测。",
    "精选当季原料，按照传统工艺加工，口感醇厚，回味悠长。",
    "采用食品级材质，无异味，耐高温，日常使用更安心。",
    "独立小包装设计，便于携带和保存，打开即可食用。",
    "下单后48小时内发货，顺丰、京东物流配送，全国大部分地区三日内送达。",
    "支持七天无理由退货，商品质量问题退货运费由本店承担。",
    "满99元包邮，不满99元收取运费10元，偏远地区运费以结算页为准。",
    "温馨提示：开封后请密封冷藏保存，最佳赏味期18个月。",
    "第一次购物？新人礼包已放入您的账户，下单即可使用。",
    "最低消费满99元即可参加满减活动，活动时间以页面公示为准。",
    "首重1kg 10元，续重每kg 5元，详见配送说明。",
    "本品为国家级非物质文化遗产 代表性项目传承人监制。",
    "细节处理到位，边缘打磨圆润，不刮手，不伤物。",
    "每件商品附有产地批次号，可在订单详情中查询溯源信息。",
    "客服热线400-690-6760，服务时间09:00-21:00，售后客服24小时内响应。",
    "包装采用可回收纸箱和环保缓冲材料，减少塑料使用。",
    "尺寸为手工测量，可能存在1-2厘米误差，请以实物为准。",
    "由于显示器设置不同，图片颜色可能与实物略有差异。",
    "适合日常自用，也适合节日送礼，礼盒内附手提袋。",
    "我们与合作工坊签订年度协议，稳定品质，稳定供应。",
]
# a few ad claims a compliance scan should flag for review (real shops have them)
CLAIMS = [
    "全网最低价，错过再等一年！",
    "行业第一品牌，品质有保障。",
    "顶级工艺，匠心打造。",
    "100%正品，假一赔十。",
]
FOOTER = (
    '<footer class="site-footer"><div class="wrap"><div class="promise">'
    "<div><b>产地直采</b>全程可溯源</div>"
    "<div><b>七天无理由退货</b>符合条件的商品</div>"
    "<div><b>满99元包邮</b>不满99元收取运费10元</div>"
    "<div><b>48小时内发货</b>顺丰 / 京东物流</div></div>\n"
    '<div class="cols">{policy_links}<div class="hotline">'
    "客服热线 <b>400-690-6760</b> 服务时间 09:00-21:00</div></div>\n"
    '<p class="legal">© 2018-2025 北京青禾优选电子商务有限公司 版权所有 '
    "地址：北京市朝阳区酒仙桥路10号院2号楼5层501<br>\n"
    '<a href="https://beian.miit.gov.cn/" target="_blank" rel="noopener">'
    "京ICP备2024077296号-1</a>\n"
    '<a href="https://beian.mps.gov.cn/#/query/webSearch?code=11010502030143" target="_blank" '
    'rel="noopener">京公网安备11010502030143号</a>\n'
    "<span>食品经营许可证：JY11101050123456</span>\n"
    '<a href="/licence.html"><svg class="ico"><use href="#i-licence"/></svg>营业执照</a></p>\n'
    "</div></footer>"
)


@dataclass(frozen=True)
class Node:
    """A page of the tree (home, category or product)."""

    index: int
    path: str
    title: str
    kind: str  # home | category | product
    price: str = ""


def _css(rng: random.Random) -> str:
    """A stylesheet of the size real shops inline (~12 KB), identical on every page."""
    rules = []
    props = ["margin:0", "padding:4px 8px", "display:flex", "color:#333", "font-size:14px"]
    for i in range(260):
        picked = ";".join(rng.sample(props, 3))
        rules.append(f".c{i:03d}-{rng.randrange(16**4):04x}{{{picked}}}")
    base = (
        "body{margin:0;font:14px/1.6 'PingFang SC','Microsoft YaHei',sans-serif;color:#222}"
        ".wrap{max-width:1200px;margin:0 auto}.price{color:#c81623;font-weight:700}"
        ".card{border:1px solid #eee;padding:10px}.grid{display:grid;grid-template-columns:"
        "repeat(4,1fr);gap:12px}.site-footer{border-top:3px solid #3f7d3a;font-size:12px}"
    )
    return base + "".join(rules)


def _sprite(rng: random.Random) -> str:
    """An inline SVG icon sprite (~6 KB), identical on every page."""
    symbols = []
    for name in ("cart", "user", "search", "licence", "phone", "truck", "shield", "star"):
        pts = " ".join(f"{rng.randrange(24)},{rng.randrange(24)}" for _ in range(48))
        symbols.append(
            f'<symbol id="i-{name}" viewBox="0 0 24 24"><polyline points="{pts}"/></symbol>'
        )
    return f'<svg style="display:none" aria-hidden="true">{"".join(symbols)}</svg>'


def _price(rng: random.Random) -> str:
    return f"{rng.randrange(9, 999)}.{rng.choice(['00', '90', '50', '80'])}"


def _plan(pages: int, rng: random.Random) -> list[Node]:
    """The home page, categories and products in breadth-first tree order."""
    tree_size = pages - len(POLICIES)
    n_categories = min(FANOUT, max(0, tree_size - 1))
    nodes = [Node(0, "/", "青禾优选 - 产地直采的好物", "home")]
    for c in range(n_categories):
        name = CATEGORY_NAMES[c % len(CATEGORY_NAMES)]
        nodes.append(Node(len(nodes), f"/category/c{c + 1:02d}.html", name, "category"))
    while len(nodes) < tree_size:
        i = len(nodes)
        title = f"{rng.choice(ADJ)}{rng.choice(NOUNS)} {rng.choice(SPECS)}"
        nodes.append(Node(i, f"/product/{100000 + i}.html", title, "product", _price(rng)))
    return nodes


def _file_for(path: str) -> str:
    return "index.html" if path == "/" else path.lstrip("/")


def _card(node: Node) -> str:
    return (
        f'<div class="card"><a href="{node.path}"><img src="/img/p.svg" alt="{node.title}" '
        f'width="220" height="220" loading="lazy"></a><h3><a href="{node.path}">{node.title}</a>'
        f'</h3><p class="price">¥{node.price}</p></div>'
    )


def _state_blob(rng: random.Random, size: int) -> str:
    """Inline JSON state of about `size` bytes (SSR frameworks ship one on every page)."""
    items: list[dict[str, object]] = []
    length = 0
    while length < size:
        item: dict[str, object] = {
            "skuId": rng.randrange(10**9),
            "spec": rng.choice(SPECS),
            "stock": rng.randrange(500),
            "price": _price(rng),
            "tags": rng.sample(ADJ, 3),
            "trace": f"{rng.getrandbits(64):016x}",
        }
        items.append(item)
        length += 150
    return json.dumps({"skus": items, "abtest": rng.getrandbits(32)}, ensure_ascii=False)


def _mega_menu(cats: list[Node]) -> str:
    """Header category menu with dropdowns (hidden by CSS class, as real menus are)."""
    out = []
    for c in cats:
        subs = "".join(
            f'<li class="mm-i"><a class="mm-a" href="{c.path}#s{j}">'
            f"<span>{ADJ[j % len(ADJ)]}{NOUNS[(j + c.index) % len(NOUNS)]}</span></a></li>"
            for j in range(MENU_ITEMS)
        )
        out.append(
            f'<li class="mm"><a class="mm-t" href="{c.path}">{c.title}</a>'
            f'<div class="mm-drop"><ul class="mm-l">{subs}</ul></div></li>'
        )
    return f'<ul class="mega">{"".join(out)}</ul>'


def _reviews(rng: random.Random, count: int) -> str:
    """Buyer reviews with avatars, stars, photos and meta lines (dense markup)."""
    out = []
    for k in range(count):
        text = "".join(rng.choices(SENTENCES[:4] + SENTENCES[12:], k=2))
        out.append(
            '<div class="rv"><div class="rv-h"><img class="av" src="/img/p.svg" alt="" '
            f'width="24" height="24"><span class="nick">用户***{rng.randrange(10, 99)}</span>'
            f'<span class="stars" data-s="{rng.randrange(3, 6)}"></span></div>'
            f'<p class="rv-t">{text}</p><div class="rv-img">'
            '<img src="/img/p.svg" alt="晒单图" width="80" height="80" loading="lazy">'
            '<img src="/img/p.svg" alt="晒单图" width="80" height="80" loading="lazy"></div>'
            f'<div class="rv-m"><span>2025-03-{k % 28 + 1:02d}</span>'
            f"<span>{rng.choice(SPECS)}</span><span>有用({rng.randrange(40)})</span></div></div>"
        )
    return f'<section class="reviews"><h2>商品评价</h2>{"".join(out)}</section>'


def _detail_images(title: str, count: int) -> str:
    return "".join(
        f'<div class="dimg"><img src="/img/p.svg" data-src="/img/p.svg" alt="{title} 详情{k}" '
        'width="790" height="600" loading="lazy"></div>'
        for k in range(count)
    )


def _page(
    node: Node,
    nodes: list[Node],
    *,
    css: str,
    sprite: str,
    menu: str,
    policy_links: str,
    rng: random.Random,
    page_bytes: int,
) -> str:
    children = nodes[FANOUT * node.index + 1 : FANOUT * node.index + 1 + FANOUT]
    related = (
        [nodes[rng.randrange(1 + FANOUT, len(nodes))] for _ in range(4)] if len(nodes) > 9 else []
    )
    paras = "".join(f"<p>{''.join(rng.choices(SENTENCES, k=6))}</p>" for _ in range(14))
    if node.kind == "product" and rng.random() < 0.15:
        paras = f'<p class="slogan">{rng.choice(CLAIMS)}</p>' + paras
    if node.kind == "product":
        specs = "".join(
            f"<tr><th>{k}</th><td>{v}</td></tr>"
            for k, v in (
                ("品名", node.title),
                ("规格", rng.choice(SPECS)),
                ("产地", rng.choice(ORIGINS)),
                ("保质期", f"{rng.choice([12, 18, 24, 36])}个月"),
                ("货号", f"QH{node.index:06d}"),
            )
        )
        main = (
            f'<div class="crumbs"><a href="/">首页</a> &gt; {node.title}</div>'
            f'<section class="pd"><img src="/img/p.svg" alt="{node.title}" width="400" '
            'height="400">'
            f'<div><h1>{node.title}</h1><p class="price">¥{node.price}</p>'
            "<p>配送：下单后48小时内发货 满99元包邮</p>"
            '<button type="button">加入购物车</button><button type="button">立即购买</button></div>'
            f'</section><table class="spec">{specs}</table><section class="desc">{paras}'
            f"{_detail_images(node.title, 16)}</section>{_reviews(rng, 14)}"
        )
    elif node.kind == "category":
        main = (
            f"<h1>{node.title}</h1><p>共 {len(children)} 件商品</p>{paras[:2000]}"
            f"{_reviews(rng, 10)}"
        )
    else:
        main = (
            f'<section class="hero"><h2>春季上新</h2>{paras[:1500]}</section>'
            f"{_detail_images(node.title, 12)}{_reviews(rng, 10)}"
        )
    subcats = "".join(
        f'<li><a href="{c.path}">{c.title}</a></li>' for c in children if c.kind == "category"
    )
    cards = "".join(_card(c) for c in children + related if c.kind == "product")
    listing = f'<h2>全部分类</h2><ul class="cats">{subcats}</ul>' if subcats else ""
    listing += f'<h2>相关推荐</h2><div class="grid">{cards}</div>' if cards else ""
    head = (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{node.title} - 青禾优选</title>"
        f'<meta name="description" content="{node.title}，产地直采，满99元包邮。">'
        f"<style>{css}</style></head><body>{sprite}"
        '<header class="site-header"><div class="wrap"><a href="/"><img src="/img/logo.svg" '
        'alt="青禾优选" width="150" height="44"></a><form action="/search" method="get">'
        '<input name="q" aria-label="搜索"><button>搜索</button></form></div></header>'
        f'<nav class="main-nav"><a href="/">首页</a>{menu}</nav>'
    )
    body = f'<main class="wrap">{main}{listing}</main>'
    foot = FOOTER.format(policy_links=policy_links)
    fixed = len(head.encode()) + len(body.encode()) + len(foot.encode()) + 80
    blob = _state_blob(rng, max(0, page_bytes - fixed))
    script = f"<script>window.__INITIAL_STATE__={blob};</script>"
    return f"{head}{body}{foot}{script}</body></html>\n"


def _policy_page(
    title: str, *, css: str, sprite: str, menu: str, policy_links: str, rng: random.Random
) -> str:
    paras = "".join(f"<p>{''.join(rng.choices(SENTENCES, k=5))}</p>" for _ in range(20))
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{title} - 青禾优选</title><style>{css}</style></head><body>{sprite}"
        f'<nav class="main-nav"><a href="/">首页</a>{menu}</nav>'
        f'<main class="wrap"><h1>{title}</h1>'
        f"<p>更新日期：2025年03月01日</p>{paras}</main>"
        f"{FOOTER.format(policy_links=policy_links)}</body></html>\n"
    )


def generate(
    out: Path, pages: int = DEFAULT_PAGES, seed: int = 2025, page_kb: int = DEFAULT_PAGE_KB
) -> Path:
    """Write the shop into `out` (replacing it) and return `out`."""
    if pages < len(POLICIES) + 2:
        raise ValueError(f"--pages must be at least {len(POLICIES) + 2}")
    rng = random.Random(seed)
    css = _css(rng)
    sprite = _sprite(rng)
    nodes = _plan(pages, rng)
    policy_links = "".join(f'<a href="/{path}">{title}</a> ' for path, title in POLICIES)
    menu = _mega_menu(nodes[1 : 1 + FANOUT])
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for sub in ("category", "product", "help", "img"):
        (out / sub).mkdir()
    total = anchors = elements = 0
    for node in nodes:
        page_rng = random.Random(seed * 1_000_003 + node.index)
        html = _page(
            node,
            nodes,
            css=css,
            sprite=sprite,
            menu=menu,
            policy_links=policy_links,
            rng=page_rng,
            page_bytes=page_kb * 1024,
        )
        data = html.encode("utf-8")
        total += len(data)
        anchors += html.count("<a ")
        elements += len(_TAG.findall(html))
        (out / _file_for(node.path)).write_bytes(data)
    for i, (path, title) in enumerate(POLICIES):
        html = _policy_page(
            title,
            css=css,
            sprite=sprite,
            menu=menu,
            policy_links=policy_links,
            rng=random.Random(seed + i),
        )
        total += len(html.encode("utf-8"))
        (out / path).write_text(html, "utf-8")
    (out / "robots.txt").write_text("User-agent: *\nAllow: /\n", "utf-8")
    (out / "img" / "p.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8" '
        'fill="#9fbf6a"/></svg>\n',
        "utf-8",
    )
    (out / "img" / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8" '
        'fill="#3f7d3a"/></svg>\n',
        "utf-8",
    )
    meta = {
        "generator": GENERATOR_VERSION,
        "pages": pages,
        "seed": seed,
        "page_kb": page_kb,
        "bytes": total,
        "anchors_per_page": round(anchors / len(nodes), 1),
        "elements_per_page": round(elements / len(nodes), 1),
    }
    (out / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", "utf-8")
    return out


def is_current(out: Path, pages: int, seed: int = 2025, page_kb: int = DEFAULT_PAGE_KB) -> bool:
    """True when `out` already holds the shop these arguments would generate."""
    try:
        meta = json.loads((out / META_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return False
    want = {"generator": GENERATOR_VERSION, "pages": pages, "seed": seed, "page_kb": page_kb}
    return all(meta.get(k) == v for k, v in want.items())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=DEFAULT_PAGES, help="HTML pages (default 2000)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (replaced)")
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--page-kb", type=int, default=DEFAULT_PAGE_KB, help="target page size")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    out = generate(args.out, args.pages, args.seed, args.page_kb)
    meta = json.loads((out / META_FILE).read_text("utf-8"))
    print(
        f"wrote {args.pages} pages, {meta['bytes'] / 2**20:.1f} MiB "
        f"({meta['bytes'] / args.pages / 1024:.0f} KB/page, {meta['anchors_per_page']:.0f} "
        f"<a> and {meta['elements_per_page']:.0f} elements a page) to {out} "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
