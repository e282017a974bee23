"""Frontier ordering and caps, without a network."""

from __future__ import annotations

from ecq_scan.crawl.frontier import Frontier, Tier, classify
from ecq_scan.models import PageRole

B = "https://shop.cn"


def test_classify() -> None:
    assert classify(f"{B}/", "") == (Tier.HOME, PageRole.HOME)
    assert classify(f"{B}/x", "隐私政策") == (Tier.POLICY, PageRole.PRIVACY)
    assert classify(f"{B}/help/faq", "") == (Tier.POLICY, PageRole.HELP)
    assert classify(f"{B}/product/1", "iPhone") == (Tier.PRODUCT, PageRole.PRODUCT)
    assert classify(f"{B}/category/3", "Phones") == (Tier.CATEGORY, PageRole.CATEGORY)
    assert classify(f"{B}/news/1", "News") == (Tier.OTHER, PageRole.OTHER)


def test_order_is_tier_then_depth_then_discovery() -> None:
    f = Frontier(sample_products=5, sample_categories=5)
    f.offer(f"{B}/news/1", "News", 1)
    f.offer(f"{B}/product/1", "", 1)
    f.offer(f"{B}/terms-deep", "用户协议", 3)
    f.offer(f"{B}/about", "关于我们", 1)
    f.offer(f"{B}/news/2", "News", 1)
    order = []
    while (entry := f.pop()) is not None:
        order.append(entry.url.removeprefix(B))
    assert order == ["/about", "/terms-deep", "/product/1", "/news/1", "/news/2"]


def test_better_link_text_moves_a_url_up_and_frees_its_sample_slot() -> None:
    f = Frontier(sample_products=1, sample_categories=1)
    assert f.offer(f"{B}/p/1", "", 2) is None
    assert f.offer(f"{B}/p/2", "", 2) == "product sample full (1 pages)"
    assert f.offer(f"{B}/p/1", "退货政策", 1) is None  # now a returns page
    assert f.offer(f"{B}/p/2", "", 2) is None  # the product slot is free again
    first = f.pop()
    assert first is not None and (first.url, first.role, first.depth) == (
        f"{B}/p/1",
        PageRole.RETURNS,
        1,
    )
    assert len(f) == 1


def test_done_urls_are_never_queued_again() -> None:
    f = Frontier(6, 3)
    f.offer(f"{B}/a", "", 1)
    f.mark_done(f"{B}/a")
    f.offer(f"{B}/a", "联系我们", 1)
    assert f.pop() is None and len(f) == 0
    f.offer(f"{B}/b", "", 1)
    assert [e.url for e in f.drain()] == [f"{B}/b"] and f.pop() is None
