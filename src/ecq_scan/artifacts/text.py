"""Text normalisation for matching: NFKC, no zero-width characters, collapsed whitespace.

NFKC folds full-width digits, letters, brackets and colons (`（京）` → `(京)`, `１２３` → `123`),
which Chinese footers use freely. Zero-width characters are removed because some sites insert
them to defeat scrapers, and they would break every pattern. The original text is kept elsewhere
for evidence.
"""

from __future__ import annotations

import re
import unicodedata

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_WS = re.compile(r"\s+")


def collapse(text: str) -> str:
    """Collapse whitespace runs to one space and strip the ends."""
    return _WS.sub(" ", text).strip()


def normalise(text: str) -> str:
    """NFKC-normalise, drop zero-width characters and collapse whitespace."""
    if not unicodedata.is_normalized("NFKC", text):  # the quick check is much cheaper
        text = unicodedata.normalize("NFKC", text)
    return collapse(text.translate(_ZERO_WIDTH))
