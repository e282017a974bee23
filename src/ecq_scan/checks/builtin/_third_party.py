"""Numbers printed for another company: a partner, supplier or technical-support block.

Storefronts list their partners' credentials beside their own — a 合作伙伴 block naming a
warehousing firm with its 统一社会信用代码 and 沪B2 licence, a 技术支持 line with the hosting
company's number (clause-signals SIG-ICP-FILING and SIG-INDUSTRY-LIC traps: "an ICP number of the
hosting company in a 技术支持 line", "numbers of a supplier printed in a product description").
Such a number proves nothing about the operator: 电子商务法 第15条 asks the operator to show *its
own* licence. `third_party_at` says whether the text at an offset is introduced as someone
else's.

It is deliberately narrow, because dropping the operator's own number would turn a pass into a
false fail (the costly error):

- the partner word must come before the number in the same block, with no sentence or list
  separator (。；; |) and no word that speaks for the site itself (本站, 本公司, 我司, 运营, 经营者,
  主办, 版权所有, ©) between them; or
- the block right before the number's block is a short heading (at most `HEADING_CHARS`
  characters) that is a partner word, in the same page region, and the number sits near the
  start of its own block (`HEADING_REACH`) with nothing said for the site before it.

Every test is bounded (a window before the number, one binary search for the previous block), so
a hostile page of thousands of numbers stays linear.

A footer row that starts 合作伙伴：顺丰 | 杭州某某有限公司 统一社会信用代码… keeps its code: the
separator ends the partner list.
"""

from __future__ import annotations

import re
from typing import Final

from ecq_scan.artifacts import PageArtifacts

PARTNER: Final = re.compile(
    r"合作伙伴|合作单位|合作机构|合作商家|合作品牌|战略合作|友情链接|技术支持|服务商|服务提供商"
    r"|供应商|承运商|物流合作|支付合作|委托生产|生产商|制造商|代理商"
    r"|\bpartners?\b|\bsuppliers?\b|\bpowered\s+by\b|\btechnical\s+support\b",
    re.I,
)
#: words by which the site speaks for itself, or that end one list item: after a partner word
#: they mean the number is the operator's again
OWN_OR_BREAK: Final = re.compile(
    r"本站|本网站|本平台|本公司|本店|我司|我们|运营(?:方|主体|单位|商)?|经营者|主办|版权所有|©"
    r"|copyright|[。；;|]",
    re.I,
)
#: how far back in the block a partner word may introduce the number
WINDOW_CHARS: Final = 80
#: a heading longer than this is a sentence, not a section title
HEADING_CHARS: Final = 12
#: how far into its block a number may sit and still be under the previous block's heading
HEADING_REACH: Final = 200


def _introduced(text: str) -> bool:
    """`text` (what precedes the number) ends in a partner introduction not closed since."""
    ends = [m.end() for m in PARTNER.finditer(text)]
    return bool(ends) and not OWN_OR_BREAK.search(text, ends[-1])


def third_party_at(page: PageArtifacts, offset: int) -> bool:
    """The text at `offset` of `page.text` belongs to a partner or supplier block."""
    block = page.block_at(offset)
    if block is None or not (block.start <= offset <= block.start + len(block.norm)):
        return False
    before = page.text[max(block.start, offset - WINDOW_CHARS) : offset]
    if _introduced(before):
        return True
    if block.start == 0 or offset - block.start > HEADING_REACH:
        return False
    if OWN_OR_BREAK.search(page.text, block.start, offset):
        return False
    # blocks are joined by one newline: the character before this block is the previous one's
    heading = page.block_at(block.start - 1)
    return (
        heading is not None
        and heading is not block
        and heading.region == block.region
        and len(heading.norm) <= HEADING_CHARS
        and PARTNER.search(heading.norm) is not None
    )
