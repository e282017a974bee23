"""A linear pre-parse bound on how deep, and how large, Lexbor's tree of a page can grow (H22).

Why this exists. Lexbor's tree builder, like the HTML standard it implements, has two costs that
a hostile page can make explode:

- **depth**: every `<div>`, `<section>`, `<ul>` … start tag first asks "is a `<p>` open in
  button scope?", which walks the stack of open elements down to the nearest scope marker. N
  nested `<div>`s cost N²/2 steps; measured: 30,000 levels ≈ 1 s, 100,000 ≈ 14 s, and a 5 MiB
  body (the byte cap) holds a million;
- **reconstruction**: an unclosed `<b>`, `<font>`, `<a>` … stays on the "list of active formatting
  elements" and is re-created (cloned) in every following paragraph. Identical entries are capped
  at three (the "Noah's Ark" clause) but entries with different attributes are not: measured,
  2,000 `<font a=N>` and 5,000 `<p>x</p>` — a 65 KB page — make 10 million elements, 6.5 s and
  4.4 GiB of RSS.

Parsing runs in a worker thread that cannot be cancelled, so one such page would hold the whole
scan past its deadline, or kill it.

The guard: before Lexbor sees the document, `depth_cut` replays a small model of the tree
builder — its stack of open elements and its list of active formatting elements — over the text
in one left-to-right pass (a regex tokenizer plus amortised O(1) work per tag and per element the
parser would create), and returns the offset of the first tag at which the stack would pass the
depth limit or the re-created elements would pass their budget. The caller keeps the text before
that offset — honest content ahead of a bomb is still checked — and marks the page truncated, so
whatever the cut removed (a footer after the bomb) makes checks inconclusive, never a fail.

The model follows the standard, as Lexbor implements it, in every rule that moves the depth —
a rule it left out would be a way to build a bomb it does not see — and where it simplifies, it
errs towards *not* cutting honest pages:

- what closes implicitly is closed: `<p>` by the blocks that end a paragraph, `<li>`/`<dd>`/`<dt>`
  by their siblings, cells and rows by the next cell or row, everything inside an element by that
  element's end tag (`<div><span></div>` leaves nothing open); end tags only reach as far as the
  standard's scopes allow (a `</div>` inside a table cell does not close a `<div>` outside the
  table); `<table><td>` implies `<tbody>` and `<tr>`;
- raw-text content (`<script>`, `<style>`, `<textarea>`, `<title>` …), comments and quoted
  attribute values are skipped, so markup inside them is not counted;
- SVG and MathML subtrees are tracked with their namespaces: `/>` closes an element only there
  (`<div/>` nests), `foreignObject`/`desc`/`title` and MathML text elements switch back to HTML,
  and the breakout tags (`<div>`, `<p>`, `<font color>`, `</p>`, `</br>` …) end the subtree;
- `</br>` is read as `<br>`, `</p>` with no paragraph open changes nothing, and the form element
  pointer is kept as the standard keeps it (`<form>` inside a form is ignored until `</form>`);
- unclosed formatting elements are re-created after the text that follows them, with the
  Noah's Ark clause and the list markers of cells; the adoption agency (a misnested `</b>` with
  a block inside it, an `<a>` inside an open `<a>`) is reduced to "take the formatting element
  off the list and the stack": the standard also drops ordinary elements between it and the
  block, so the model may stay deeper by those, never shallower;
- `<select>` follows the customizable-select rules Lexbor implements (content is parsed as
  usual, end tags do not reach out of it); `</form>` takes the form off the stack, but the form
  still counts towards the depth of what is inside it, as in the tree.

Checked against Lexbor: on every HTML file of this repository's fixtures and about a thousand
real-world documents (Rust and Debian documentation) the model is never deeper than Lexbor's
tree; on 37 bomb patterns (nested blocks, unclosed tables, lists, foreign content, misnested
formatting, forms, selects, templates, ruby …) it is within a few levels of it; on random
sloppy markup (5 % of end tags dropped, 20,000 tags) within about 10 % either way; and a search
over every repeated unit of two and three tags from a 24-tag vocabulary, and 40,000 random units
of two to six tags from a 70-tag one, found none that Lexbor nests more than twice as deep.

Why 4,096 levels: Chromium's and WebKit's HTML parsers stop nesting at 512
(`kMaximumHTMLParserDOMTreeDepth`; deeper elements become siblings), so no page renders in a
browser the way a deeper tree would read, and real storefronts stay far below 100. Eight times
the browser cap leaves room for sloppy markup, while the quadratic cost at the limit stays
negligible ((4,096 / 30,000)² × 1 s ≈ 20 ms). Re-created elements get 32 per level of the limit
(131,072 by default: tens of MiB in Lexbor, where an honest page with a few unclosed `<font>`s
re-creates hundreds).
"""

from __future__ import annotations

import re

#: the default bound (Settings.max_html_depth); see the module docstring for the figure
MAX_HTML_DEPTH = 4096
#: elements re-created from the active formatting list, per level of the depth limit
RECONSTRUCTED_PER_LEVEL = 32

# A tokenizer that follows the HTML tokenizer's states closely enough to find every tag: comments
# (ended by `-->`, `--!>`, or abruptly by `<!-->`), declarations and bogus comments (`<!…>`,
# `<?…>`), end tags, and start tags whose attribute values may hold `>` or `<` when quoted.
# A quote opens a value only after `=`, as in the spec (`<div a"b>` is an attribute named `a"b`).
# Possessive quantifiers keep every alternative linear on hostile input.
_TOKEN = re.compile(
    r"""
    <!--(?:-?>|.*?(?:--!?>|\Z))
  | <[!?][^>]*+>?
  | </([A-Za-z][^\s/>]*+)[^>]*+>?
  | <([A-Za-z][^\s/>]*+)
    ((?:[^>"'=]++|=\s*+"[^"]*+(?:"|\Z)|=\s*+'[^']*+(?:'|\Z)|=|["'])*+)
    (>?)
    """,
    re.S | re.X,
)


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


_VOID = _names(
    "area base basefont bgsound br col embed frame hr image img input keygen link meta param "
    "source track wbr"
)
#: elements whose content is text up to their own end tag (RCDATA and RAWTEXT in the spec);
#: noscript is parsed as markup because Lexbor, like our checks, runs without scripting
_RAW = _names("script style textarea title xmp iframe noembed noframes")
#: elements the tree builder never nests (merged into the existing one or ignored in <body>)
_IGNORED = _names("html head body frameset")
_HEADING_NAMES = ("h1", "h2", "h3", "h4", "h5", "h6")
_HEADINGS = frozenset(_HEADING_NAMES)
#: what "generate implied end tags" closes
_IMPLIED_END = _names("dd dt li optgroup option p rb rp rt rtc")
#: start tags that first close a `<p>` open in button scope
_CLOSES_P = _names(
    "address article aside blockquote center details dialog dir div dl fieldset figcaption figure "
    "footer header hgroup main menu nav ol p search section summary ul pre listing form li dd dt "
    "table xmp plaintext h1 h2 h3 h4 h5 h6"
)
#: the default scope's boundaries (the HTML ones; foreign integration points are added on push);
#: Lexbor follows the customizable-select rules, under which end tags do not reach out of a
#: `<select>` either
_MARKERS = _names("applet caption html table td th marquee object template select")
#: elements that put a marker on the active formatting list (formatting stops at a cell edge)
_LIST_MARKERS = _names("applet caption td th marquee object template")
#: foreign elements that switch back to HTML parsing: MathML text integration points, SVG HTML
#: integration points (and MathML annotation-xml with an HTML encoding)
_MATH_TEXT = _names("mi mo mn ms mtext")
_SVG_HTML = _names("foreignobject desc title")
#: a <font> with one of these attributes ends foreign content like the breakout tags
_FONT_BREAKOUT = re.compile(r"(?:^|\s)(?:color|face|size)(?=[\s=/]|$)", re.I)
#: the spec's "special" category: a generic end tag never closes past one of these
_SPECIAL = _names(
    "address applet area article aside base basefont bgsound blockquote body br button caption "
    "center col colgroup dd details dir div dl dt embed fieldset figcaption figure footer form "
    "frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html iframe img input keygen li link "
    "listing main marquee menu meta nav noembed noframes noscript object ol p param plaintext pre "
    "script search section select source style summary table tbody td template textarea tfoot th "
    "thead title tr track ul wbr xmp"
)
#: special elements that stop the search for an open `<li>`/`<dd>`/`<dt>` (all but these three;
#: the element searched for is itself one, found before the search would stop at it)
_LIST_STOPS = _SPECIAL - {"address", "div", "p"}
_FORMATTING = _names("a b big code em font i nobr s small strike strong tt u")
#: start tags before which the tree builder does *not* re-create formatting elements
_NO_RECONSTRUCT = (_SPECIAL | _RAW | _IGNORED | _names("rb rp rt rtc")) - _names(
    "applet marquee object button select area br embed img keygen wbr input xmp"
)
#: start tags that end foreign content (the "breakout" list of the spec)
_BREAKOUT = _names(
    "b big blockquote body br center code dd div dl dt em embed h1 h2 h3 h4 h5 h6 head hr i img li "
    "listing menu meta nobr ol p pre ruby s small span strong strike sub sup table tt u ul var"
)
#: end tags whose element must be in (default) scope to be closed, else the tag is ignored
_SCOPED_END = _names(
    "address article aside blockquote button center details dialog dir div dl fieldset figcaption "
    "figure footer header hgroup listing main menu nav ol pre search section summary ul applet "
    "marquee object template select"
)
#: elements whose content is read as foreign (SVG and MathML rules)
_MODAL = _names("svg math")
_TABLE_PARTS = _names("caption colgroup tbody thead tfoot tr td th")
#: start tags the model must look at; any other name is simply pushed (the fast path)
_START_RULES = (
    _VOID
    | _RAW
    | _IGNORED
    | _CLOSES_P
    | _MARKERS
    | _SPECIAL
    | _MODAL
    | _TABLE_PARTS
    | _FORMATTING
    | _names("option optgroup rb rp rt rtc plaintext")
)
#: end tags that need more than popping the current element when it has their name
_END_RULES = _FORMATTING | _LIST_MARKERS | {"form"}
#: end tags that matter even with no element of their name open
_END_ALWAYS = _HEADINGS | {"form", "br"}
#: position flags of an element: a scope marker, special, a list-item stop, an integration point
_MARK, _SPEC, _STOP, _INTEG = 1, 2, 4, 8
_FLAGS: dict[str, int] = {
    name: (_MARK if name in _MARKERS else 0)
    | (_SPEC if name in _SPECIAL else 0)
    | (_STOP if name in _LIST_STOPS else 0)
    for name in _MARKERS | _SPECIAL
}
_SECTIONS = ("tbody", "thead", "tfoot")
#: where whitespace is inserted as it is, without re-creating formatting elements
_TABLE_CONTEXT = _names("table tbody thead tfoot tr")
#: a stack slot whose element left the stack but still encloses what is above it
_GHOST = "\x00"
_CELLS = ("td", "th")
_RAW_END: dict[str, re.Pattern[str]] = {
    name: re.compile(rf"</{name}(?=[\s/>])", re.I) for name in _RAW
}


class _Entry:
    """One element on the list of active formatting elements (a doubly linked list, so an entry
    leaves it in O(1) wherever it is), or a marker (`name` "")."""

    __slots__ = ("alive", "key", "name", "next", "pos", "prev", "segment")

    def __init__(self, name: str, key: str, pos: int, segment: int) -> None:
        self.name = name
        self.key = key  # name and attributes: what the Noah's Ark clause compares
        self.pos = pos  # position on the stack of open elements, -1 when popped
        self.segment = segment  # which list marker it follows
        self.alive = True
        self.prev: _Entry | None = None
        self.next: _Entry | None = None


class _Tree:
    """The stack of open elements and the list of active formatting elements, by name.

    `where[name]` lists the stack positions of the open elements of that name (ascending); `marks`,
    `special` and `stops` list the positions of scope markers, special elements and list-item
    stops; `modal` counts open `<svg>`/`<math>`, so the common case skips the foreign rules.
    `tail` is the last entry of the active formatting list, `on_stack` maps a stack position to
    its entry, `popped` counts live entries no longer on the stack (what the next text would
    re-create) and `recreated` counts the elements re-created so far. Every position and entry is
    added once and removed once: all the work is amortised O(1) per tag and per element created.
    """

    __slots__ = (
        "by_key",
        "by_name",
        "form_pointer",
        "holes",
        "integration",
        "list_marks",
        "marks",
        "modal",
        "names",
        "on_stack",
        "popped",
        "recreated",
        "segments",
        "serial",
        "special",
        "stops",
        "tail",
        "where",
    )

    def __init__(self) -> None:
        self.names: list[str] = []  # "" and _GHOST: elements removed from the middle
        self.holes = 0
        self.where: dict[str, list[int]] = {}
        self.marks: list[int] = []
        self.special: list[int] = []
        self.stops: list[int] = []
        self.integration: list[int] = []
        self.modal = 0
        self.tail: _Entry | None = None
        self.list_marks: list[int] = []  # stack positions of elements that put a list marker
        self.segments: list[int] = [0]  # ids of the open list segments; the last is current
        self.serial = 0
        self.by_name: dict[str, list[_Entry]] = {}
        self.by_key: list[dict[str, list[_Entry]]] = [{}]  # per open segment
        self.on_stack: dict[int, _Entry] = {}
        self.popped = 0
        self.recreated = 0
        #: the standard's form element pointer, set by <form> and cleared only by </form>: the
        #: form's stack position, -1 once it was popped, None when cleared
        self.form_pointer: int | None = None

    # --- the stack of open elements ---------------------------------------------------------

    def depth(self) -> int:
        return len(self.names) - self.holes

    def top(self) -> str:
        return self.names[-1] if self.names else ""

    def last(self, name: str) -> int:
        """Position of the topmost open `name` element, or -1."""
        at = self.where.get(name)
        return at[-1] if at else -1

    def last_of(self, names: tuple[str, ...]) -> int:
        return max(map(self.last, names))

    def last_mark(self) -> int:
        return self.marks[-1] if self.marks else -1

    def last_special(self) -> int:
        return self.special[-1] if self.special else -1

    def last_stop(self) -> int:
        return self.stops[-1] if self.stops else -1

    def push(self, name: str, flags: int | None = None) -> int:
        at = len(self.names)
        self.names.append(name)
        positions = self.where.get(name)
        if positions is None:
            self.where[name] = [at]
        else:
            positions.append(at)
        if flags is None:
            flags = _FLAGS.get(name, 0)
        if flags:
            if flags & _MARK:
                self.marks.append(at)
            if flags & _SPEC:
                self.special.append(at)
            if flags & _STOP:
                self.stops.append(at)
            if flags & _INTEG:
                self.integration.append(at)
        if name in _MODAL:
            self.modal += 1
        return at

    def pop_to(self, at: int) -> None:
        """Pop every element from the top down to and including position `at`."""
        names, where = self.names, self.where
        end = len(names)
        if at >= end:
            return
        popped = names[at:]
        del names[at:]
        for name in popped:  # each name's popped positions are its topmost ones, in any order
            if not name:
                self.holes -= 1
            elif name != _GHOST:
                where[name].pop()
        self.trim()
        if self.modal:
            self.modal -= sum(1 for name in popped if name in _MODAL)
        for positions in (self.marks, self.special, self.stops, self.integration):
            while positions and positions[-1] >= at:
                positions.pop()
        if self.on_stack:
            for pos in range(at, end):
                entry = self.on_stack.pop(pos, None)
                if entry is not None:
                    entry.pos = -1
                    self.popped += 1
        while self.list_marks and self.list_marks[-1] >= at:
            self.list_marks.pop()
            self._clear_to_marker()
        if self.form_pointer is not None and self.form_pointer >= at:
            self.form_pointer = -1

    def pop_top(self) -> None:
        self.pop_to(len(self.names) - 1)

    def remove_at(self, at: int, *, ancestor: bool = False) -> None:
        """Take one element out of the middle of the stack, as the adoption agency and `</form>`
        do. Its position stays (so the positions above it stay valid) as a hole, or, when it
        is still an ancestor of what is above it (`</form>`), as a ghost that keeps counting
        towards the depth until everything above it is closed."""
        name = self.names[at]
        lists = [self.where[name]]
        if _FLAGS.get(name):
            lists += [self.marks, self.special, self.stops]
        for positions in lists:
            i = len(positions) - 1
            while i >= 0 and positions[i] > at:  # it is almost always near the top
                i -= 1
            if i >= 0 and positions[i] == at:
                del positions[i]
        if ancestor:
            self.names[at] = _GHOST
        else:
            self.names[at] = ""
            self.holes += 1
        self.trim()

    def trim(self) -> None:
        names = self.names
        while names and (not names[-1] or names[-1] == _GHOST):
            if not names.pop():
                self.holes -= 1

    def in_scope(self, names: tuple[str, ...], bound: int = -1) -> int:
        """Position of the topmost `names` element in the default scope (or above `bound`,
        whichever is higher), or -1. An element that is itself a marker is in its own scope."""
        at = self.last_of(names) if len(names) > 1 else self.last(names[0])
        return at if at >= 0 and at >= max(self.last_mark(), bound) else -1

    def foreign_root(self) -> int:
        """Position of the `<svg>`/`<math>` whose content is being parsed as foreign, or -1
        (none open, or an HTML integration point inside it switched back to HTML)."""
        root = max(self.last("svg"), self.last("math"))
        if root < 0:
            return -1
        return root if not self.integration or root > self.integration[-1] else -1

    # --- the list of active formatting elements ---------------------------------------------

    def _append(self, entry: _Entry) -> None:
        entry.prev = self.tail
        if self.tail is not None:
            self.tail.next = entry
        self.tail = entry

    def _unlink(self, entry: _Entry) -> None:
        if entry.prev is not None:
            entry.prev.next = entry.next
        if entry.next is not None:
            entry.next.prev = entry.prev
        if self.tail is entry:
            self.tail = entry.prev
        entry.prev = entry.next = None

    def add_list_marker(self, at: int) -> None:
        self.list_marks.append(at)
        self.serial += 1
        self._append(_Entry("", "", -1, self.serial))
        self.segments.append(self.serial)
        self.by_key.append({})

    def _clear_to_marker(self) -> None:
        while self.tail is not None:
            entry = self.tail
            self._unlink(entry)
            if not entry.name:  # the marker
                break
            self._forget(entry)
        if len(self.segments) > 1:
            self.segments.pop()
            self.by_key.pop()

    def entry(self, name: str) -> _Entry | None:
        """The latest live entry for `name` after the last list marker, or None."""
        entries = self.by_name.get(name)
        while entries and not entries[-1].alive:
            entries.pop()
        if entries and entries[-1].segment == self.segments[-1]:
            return entries[-1]
        return None

    def _forget(self, entry: _Entry) -> None:
        """Take `entry` off the list (its element stays on the stack if it is there)."""
        if not entry.alive:
            return
        entry.alive = False
        self._unlink(entry)
        if entry.pos >= 0:
            self.on_stack.pop(entry.pos, None)
        else:
            self.popped -= 1

    def add_formatting(self, name: str, key: str) -> None:
        """Push a formatting element and its list entry; at most three identical entries follow
        the last marker (the Noah's Ark clause drops the earliest)."""
        same = self.by_key[-1].setdefault(key, [])
        same[:] = [e for e in same if e.alive]  # at most three
        if len(same) >= 3:
            self._forget(same.pop(0))
        at = self.push(name, 0)
        entry = _Entry(name, key, at, self.segments[-1])
        self._append(entry)
        self.on_stack[at] = entry
        self.by_name.setdefault(name, []).append(entry)
        same.append(entry)

    def adopt(self, entry: _Entry, *, remove: bool = False) -> None:
        """The adoption agency, reduced. Out of scope, the tag is ignored (unless `remove`: an
        `<a>` start tag takes the old link off the list and the stack regardless). With no
        special element above the formatting element, it and everything above it are popped;
        otherwise (misnested markup) the elements above it are rearranged under clones of it and
        it leaves the stack: the model takes out just the formatting element, which may leave
        it deeper than Lexbor (the standard also drops ordinary elements in between), never
        shallower."""
        at = entry.pos
        if at >= 0 and at < self.last_mark() and not remove:
            return
        self._forget(entry)
        if at < 0:
            return
        if self.last_special() < at and at >= self.last_mark():
            self.pop_to(at)
        else:
            self.remove_at(at)

    def reconstruct(self) -> None:
        """Re-create, on top of the stack, the trailing entries that are no longer on it."""
        first = self.tail
        if first is None or not first.name or first.pos >= 0:
            return
        while first.prev is not None and first.prev.name and first.prev.pos < 0:
            first = first.prev
        entry: _Entry | None = first
        while entry is not None:
            entry.pos = self.push(entry.name, 0)
            self.on_stack[entry.pos] = entry
            self.popped -= 1
            self.recreated += 1
            entry = entry.next


def depth_cut(html: str, limit: int = MAX_HTML_DEPTH) -> int | None:
    """The offset of the first tag at which Lexbor's tree of `html` would pass `limit` levels of
    nesting (or re-create more than `limit` × RECONSTRUCTED_PER_LEVEL formatting elements), or
    None when the whole document stays within both. Linear in `len(html)`, about 1.5 µs per tag
    (a third to a half of what parsing the same page costs)."""
    return _scan(html, limit, limit * RECONSTRUCTED_PER_LEVEL)[0]


def estimate_depth(html: str) -> int:
    """The deepest the model's stack of open elements gets over the whole of `html` (for tests
    and measurements; `depth_cut` stops at its limit instead)."""
    return _scan(html, len(html) + 1, len(html) ** 2 + 1)[1]


def _scan(html: str, limit: int, max_recreated: int) -> tuple[int | None, int]:
    """One pass of the tokenizer and the model: (cut offset or None, deepest stack)."""
    tree = _Tree()
    names, where = tree.names, tree.where
    deepest = 0
    pos = 0
    search = _TOKEN.search
    while True:
        m = search(html, pos)
        if m is None:
            return None, deepest
        start = m.start()
        if tree.popped and start > pos and _recreates_for_text(tree, html, pos, start):
            tree.reconstruct()  # text: formatting elements are re-created around it
            if tree.depth() > limit or tree.recreated > max_recreated:
                return pos, deepest
        pos = m.end()
        end_name, start_name, attrs, closed = m.groups()
        if end_name is not None:
            name = end_name.lower()
            if names and names[-1] == name and name not in _END_RULES:
                # the fast path: the end tag of the current element (well-formed markup) pops it
                at = len(names) - 1
                names.pop()
                where[name].pop()
                for flagged in (tree.marks, tree.special, tree.stops, tree.integration):
                    if flagged and flagged[-1] == at:
                        flagged.pop()
                if tree.modal and name in _MODAL:
                    tree.modal -= 1
                if names and (not names[-1] or names[-1] == _GHOST):
                    tree.trim()
            # an end tag with nothing of its name open or listed can close nothing
            elif where.get(name) or name in _END_ALWAYS or name in tree.by_name or tree.modal:
                _end_tag(tree, name)
            continue
        if start_name is None:  # comment, doctype, bogus comment
            continue
        if not closed:  # a start tag cut by the end of the document is dropped
            return None, deepest
        name = start_name.lower()
        outcome = ""
        if name in _START_RULES or tree.modal:
            outcome = _start_tag(tree, name, attrs)
        else:  # the fast path: an ordinary element (span, label, custom elements …)
            if tree.popped:
                tree.reconstruct()
            at = len(names)
            names.append(name)
            positions = where.get(name)
            if positions is None:
                where[name] = [at]
            else:
                positions.append(at)
        depth = len(names) - tree.holes
        if depth > deepest:
            if depth > limit:
                return start, deepest
            deepest = depth
        if tree.recreated > max_recreated:
            return start, deepest
        if outcome == "raw":
            close = _RAW_END[name].search(html, pos)
            if close is None:  # the rest of the document is that element's text
                return None, deepest
            pos = close.start()
        elif outcome == "stop":  # <plaintext>: the rest of the document is text
            return None, deepest


def _recreates_for_text(tree: _Tree, html: str, start: int, end: int) -> bool:
    """Whether the text between two tags makes the tree builder re-create formatting elements:
    not inside SVG/MathML, and not for the whitespace between a table's rows and cells."""
    if tree.modal and tree.foreign_root() >= 0:
        return False
    return not (tree.top() in _TABLE_CONTEXT and html[start:end].isspace())


def _start_tag(tree: _Tree, name: str, attrs: str) -> str:
    """Apply one start tag to the model; returns "raw" when its content is text up to its end
    tag, "stop" for `<plaintext>`, "" otherwise."""
    self_closing = attrs.endswith("/")
    if tree.modal:
        root = tree.foreign_root()
        if root >= 0:
            if name not in _BREAKOUT and not (name == "font" and _FONT_BREAKOUT.search(attrs)):
                if not self_closing:
                    _push_foreign(tree, name, attrs)
                return ""
            tree.pop_to(root)  # a breakout tag ends the foreign subtree, then is read as HTML
    if name in _IGNORED:
        return ""
    # formatting elements closed earlier are re-created before an inline element is inserted,
    # after what the tag itself closes (an <a> closes the open link first, then re-creates)
    reconstructs = name not in _NO_RECONSTRUCT
    if name in ("select", "input"):  # the customizable-select rules Lexbor follows
        select = tree.in_scope(("select",))
        if select >= 0:
            tree.pop_to(select)  # an open <select> is closed: a <select> in it is not nested
            if name == "select":
                return ""
    if name in _VOID:
        if reconstructs and tree.popped:
            tree.reconstruct()
        return ""
    if name in _RAW:
        if name == "xmp":
            _close_p(tree)
            if tree.popped:
                tree.reconstruct()
        return "raw"
    if name in _TABLE_PARTS:
        _table_part(tree, name)
        return ""
    if name in _FORMATTING:
        if name == "a":
            entry = tree.entry("a")
            if entry is not None:  # an open link is closed by the next one
                tree.adopt(entry, remove=True)
        elif name == "nobr":
            if tree.popped:
                tree.reconstruct()
            entry = tree.entry("nobr")
            if entry is not None and tree.in_scope(("nobr",)) >= 0:
                tree.adopt(entry)
        if tree.popped:
            tree.reconstruct()
        tree.add_formatting(name, f"{name} {attrs.strip()}")
        return ""
    if name in _CLOSES_P:
        _close_p(tree)
        if name == "plaintext":
            return "stop"
        if name in _HEADINGS:
            if tree.top() in _HEADINGS:
                tree.pop_top()
        elif name == "li":  # the search stops at any special element but address, div and p
            at = tree.last("li")
            if at >= 0 and at >= tree.last_stop():
                tree.pop_to(at)
        elif name in ("dd", "dt"):
            at = max(tree.last("dd"), tree.last("dt"))
            if at >= 0 and at >= tree.last_stop():
                tree.pop_to(at)
        elif name == "table":
            table = tree.last("table")
            if table >= 0 and table > max(tree.last_of(_CELLS), tree.last("caption")):
                tree.pop_to(table)  # a table directly inside a table closes the first one
        elif name == "form" and tree.last("template") < 0:
            if tree.form_pointer is not None:
                return ""  # a form inside a form is ignored
            tree.form_pointer = len(tree.names)  # where it is about to be pushed
    elif name == "button":
        at = tree.in_scope(("button",))
        if at >= 0:
            tree.pop_to(at)
    elif name in ("option", "optgroup"):
        _close_option(tree, name)
    elif name in ("rb", "rp", "rt", "rtc") and tree.in_scope(("ruby",)) >= 0:
        while tree.top() in _IMPLIED_END:
            tree.pop_top()
    elif name in ("svg", "math") and self_closing:
        return ""
    if reconstructs and tree.popped:
        tree.reconstruct()
    at = tree.push(name)
    if name in _LIST_MARKERS:
        tree.add_list_marker(at)
    return ""


def _push_foreign(tree: _Tree, name: str, attrs: str) -> None:
    """Push an SVG or MathML element, named "<namespace> <name>" so that it never matches an
    HTML element of the same name; the roots opened from HTML are plain "svg" and "math"."""
    top = tree.top()
    space = "svg" if top == "math annotation-xml" and name == "svg" else top.split(" ", 1)[0]
    if space == "math":
        marker = name == "annotation-xml" or name in _MATH_TEXT
        integration = name in _MATH_TEXT or (marker and "html" in attrs.lower())
    else:
        marker = integration = name in _SVG_HTML
    flags = _MARK | _SPEC | _STOP if marker else 0  # a scope marker
    if integration:
        flags |= _INTEG  # HTML parsing resumes inside it
    tree.push(f"{space} {name}", flags)


def _close_p(tree: _Tree) -> None:
    at = tree.in_scope(("p",), tree.last("button"))
    if at >= 0:
        tree.pop_to(at)


def _close_option(tree: _Tree, name: str) -> None:
    """Inside a `<select>`, an option or optgroup first closes the elements whose end tags may be
    left out (an open option, a paragraph …) while one is the current node; elsewhere only an
    option that is the current node is closed (an optgroup outside a select nests)."""
    if tree.in_scope(("select",)) >= 0:
        while tree.top() in _IMPLIED_END and (name == "optgroup" or tree.top() != "optgroup"):
            tree.pop_top()
        return
    if tree.top() == "option":
        tree.pop_top()


def _table_part(tree: _Tree, name: str) -> None:
    """Captions, sections, rows and cells close what is open in the table up to their level and
    imply the levels they skip (`<table><td>` is table > tbody > tr > td). Outside a table they
    are ignored, as in the spec."""
    table = tree.last("table")
    if table < 0 or table < tree.last("template"):
        return
    if name in ("caption", "colgroup", *_SECTIONS):
        tree.pop_to(table + 1)
        at = tree.push(name)
        if name == "caption":
            tree.add_list_marker(at)
        return
    if name == "tr" or tree.last("tr") <= table:
        section = tree.last_of(_SECTIONS)
        if section > table:
            tree.pop_to(section + 1)
        else:
            tree.pop_to(table + 1)
            tree.push("tbody")
        tree.push("tr")
        if name == "tr":
            return
    tree.pop_to(tree.last("tr") + 1)
    tree.add_list_marker(tree.push(name))


def _end_tag(tree: _Tree, name: str) -> None:
    """Apply one end tag: close the element and everything inside it when the spec's scope rules
    let the tag reach it; otherwise the tag is ignored, as the tree builder ignores it."""
    top = tree.top()
    if tree.modal and name in ("p", "br"):  # these end the foreign subtree, then are read as HTML
        root = tree.foreign_root()  # (-1 when the current node is an integration point)
        if root >= 0:
            tree.pop_to(root)
    elif tree.modal and (" " in top or top in _MODAL):  # the current node is SVG or MathML
        at = max(tree.last(f"svg {name}"), tree.last(f"math {name}"))
        if name in _MODAL:
            at = max(at, tree.last(name))
        if at >= max(tree.last("svg"), tree.last("math")):  # within the foreign subtree
            tree.pop_to(at)
            return
    if name == "br":  # read as a <br> start tag
        _start_tag(tree, "br", "")
        return
    if name in _FORMATTING:
        entry = tree.entry(name)
        if entry is not None:
            tree.adopt(entry)
            return
        # not on the list: handled as any other end tag, below
    elif name == "p":
        _close_p(tree)
        return
    elif name == "li":
        at = tree.in_scope(("li",), max(tree.last("ol"), tree.last("ul")))
        if at >= 0:
            tree.pop_to(at)
        return
    elif name in ("dd", "dt") or name in _HEADINGS:
        at = tree.in_scope(("dd", "dt") if name in ("dd", "dt") else _HEADING_NAMES)
        if at >= 0:
            tree.pop_to(at)
        return
    elif name in _TABLE_PARTS or name == "table":
        at = tree.last(name)
        if at >= 0 and at >= tree.last("table") and at > tree.last("template"):
            tree.pop_to(at)
        return
    elif name == "form":  # the form element leaves the stack; what is inside it stays open
        if tree.last("template") >= 0:
            at = tree.in_scope(("form",))
            if at >= 0:
                tree.pop_to(at)
            return
        form, tree.form_pointer = tree.form_pointer, None
        if form is not None and form >= 0 and form >= tree.last_mark():
            tree.remove_at(form, ancestor=True)
        return
    elif name in _SCOPED_END:
        at = tree.in_scope((name,))
        if at >= 0:
            tree.pop_to(at)
        return
    # any other end tag closes up to its element, unless a special element is in between
    at = tree.last(name)
    if at >= 0 and at >= tree.last_special():  # the element itself may be special
        tree.pop_to(at)


__all__ = ["MAX_HTML_DEPTH", "RECONSTRUCTED_PER_LEVEL", "depth_cut", "estimate_depth"]
