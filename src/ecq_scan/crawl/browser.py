"""The browser layer: Playwright driving a real Chromium, for pages static HTML cannot show.

Many Chinese storefronts build their footer (ICP number, 公安备案, 营业执照 link, policy links) and
their prices with JavaScript, and some load the footer only when it scrolls into view. A static
fetch sees an empty `<div id="app">` and the checks would call those items missing. So the
crawler fetches every page with httpx as before and, for the pages `RenderPolicy` picks, asks
`BrowserRenderer` for the DOM after scripts ran; the runner then parses that DOM instead.

Why it is built the way it is (figures: DESIGN §9, measured on our 2-core machines):

* ONE browser per scan and one context per site: launching costs ~0.15–1 s and a new context
  per URL drops throughput from ~6–7 to ~1.7 pages/s. Pages are pooled (`render_concurrency`)
  and reused; a page that misbehaved (timed out, crashed, spammed dialogs) is thrown away.
* Images are switched off with Chromium's own `--blink-settings=imagesEnabled=false`, never with
  `page.route()`: any Playwright route turns the HTTP cache off and costs more than it saves.
  Third-party hosts are observed with `page.on("request")`, which does not touch the cache.
* Every page has a hard deadline (`render_timeout`): `goto(wait_until="load")` bounded, a short
  settle, a bounded scroll, never "networkidle" (analytics beacons keep a network busy forever).
  Dialogs are dismissed; `window.open` without a click is blocked as a visitor's pop-up blocker
  would (Playwright turns Chromium's off) and any other pop-up is closed; downloads are refused,
  service workers blocked. A page that opens too many dialogs or pop-ups, or keeps navigating, is
  closed and abandoned with a plain-words error before its deadline. A crashed page or browser
  becomes `RenderInfo.error` for that page, the browser is relaunched (a bounded number of
  times) and the scan goes on.
* Cookies and the consent notice are read after the first load and before scrolling: scrolling
  is an interaction that some sites count as consent.
* axe-core (bundled by `axe-playwright-python`) runs on one sample page per role, asked for
  violations and incomplete results only (~0.3 s instead of ~1 s for full results), trimmed in
  the page (10 nodes per rule, 300 characters of HTML) before it crosses the protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import importlib.util
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ValidationError
from selectolax.lexbor import LexborHTMLParser

from ecq_scan.config import Settings
from ecq_scan.crawl.egress_proxy import EgressProxy
from ecq_scan.crawl.scope import host_of, in_scope, registrable_domain
from ecq_scan.crawl.ssrf import AddressPolicy, SSRFGuard
from ecq_scan.errors import InputError
from ecq_scan.models import AxeResults, CookieRecord, PageRole, RenderInfo

if TYPE_CHECKING:
    from playwright.async_api import (
        Browser,
        BrowserContext,
        Dialog,
        Frame,
        Page,
        Playwright,
        Request,
    )

ENV_BROWSER = "ECQ_BROWSER"
#: Executable names looked up on PATH, in order (Debian: chromium; Ubuntu: chromium-browser).
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Flags for a headless scanner in a container: no sandbox (we run as root), no GPU, nothing
#: that phones home or updates itself, /tmp instead of a small /dev/shm, and no images.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--blink-settings=imagesEnabled=false",
    # No speculative DNS lookups or preconnects: they open sockets to hosts a page names before
    # any request exists for the SSRF route to check (hostile-sites H30 saw a bare connection).
    "--dns-prefetch-disable",
    "--disable-features=NetworkPrediction,PreconnectToSearch,Prerender2,SpeculationRulesPrefetchProxy",
)

#: The reasons a check that needs a browser reports `error` (the words tests look for).
NO_BROWSER = "no browser available (install Debian's chromium or set ECQ_BROWSER)"
RENDER_OFF = "rendering turned off (--render never)"

LAUNCH_TIMEOUT = 30.0
#: After the load event, wait until the DOM has been quiet this long with no fetch/XHR in
#: flight (late scripts, a footer fetched as JSON), but never longer than SETTLE_SECONDS. A fixed
#: 300 ms pause would cap a page slot at ~3 pages/s; static pages settle in ~50 ms this way.
SETTLE_SECONDS = 0.3
QUIET_MS = 40
#: Scroll-to-load bounds: steps and seconds, then the page is taken as it is; at the bottom the
#: page gets up to BOTTOM_WAIT_MS to finish what scrolling started (a lazy footer's fetch).
SCROLL_MAX_STEPS = 10
SCROLL_MAX_SECONDS = 3.0
BOTTOM_WAIT_MS = 1000
#: A page that does more than this on its own is hostile or broken: abandon it.
MAX_DIALOGS = 10
MAX_POPUPS = 5
MAX_NAVIGATIONS = 6
#: The browser is relaunched at most this many times per scan after dying.
MAX_RESTARTS = 2
#: Bounds of what one page's RenderInfo keeps.
MAX_COOKIES = 200
MAX_HOSTS = 200
AXE_MAX_NODES = 10
AXE_MAX_HTML = 300
AXE_TIMEOUT = 20.0
SCREENSHOT_TIMEOUT = 10.0
#: A full-page screenshot taller than this is cut (an endless feed would make a huge PNG).
SCREENSHOT_MAX_HEIGHT = 12000
VIEWPORT = {"width": 1280, "height": 800}
SCREENSHOT_DIR = "screenshots"
#: Evidence screenshots: at most this many per scan, each within this many seconds, and the
#: whole stage within the budget.
EVIDENCE_SHOTS = 20
EVIDENCE_SHOT_TIMEOUT = 5.0
EVIDENCE_BUDGET = 20.0
#: Each page shot costs a fresh load (~0.3–0.5 s): evidence from at most this many pages.
EVIDENCE_PAGES = 8

#: Roles that get one axe-core sample page each (home, listing, product and the policy pages).
AXE_ROLES: frozenset[PageRole] = frozenset(
    {
        PageRole.HOME,
        PageRole.CATEGORY,
        PageRole.PRODUCT,
        PageRole.RETURNS,
        PageRole.PRIVACY,
        PageRole.TERMS,
        PageRole.COMPLAINTS,
        PageRole.RULES,
    }
)

RenderMode = Literal["auto", "always", "never"]


class BrowserStartError(Exception):
    """The browser could not be started; the scan goes on with static HTML only."""


# ------------------------------------------------------------------------------ discovery


@dataclass(frozen=True, slots=True)
class BrowserLocation:
    path: str
    source: str  # "setting", "ECQ_BROWSER", "playwright", "PATH"


def _executable(value: str) -> str | None:
    """An executable file named by `value`: a path, or a name looked up on PATH."""
    if os.sep in value or (os.altsep and os.altsep in value):
        path = Path(value).expanduser()
        return str(path) if path.is_file() and os.access(path, os.X_OK) else None
    return shutil.which(value)


def _playwright_browsers(env: Mapping[str, str]) -> list[Path]:
    """Where `playwright install chromium` would have put this Playwright's Chromium builds.

    Read from the package's own `browsers.json` (revision) and the documented cache location,
    without starting Playwright's driver (a Node process), so discovery stays cheap."""
    spec = importlib.util.find_spec("playwright")
    if spec is None or not spec.submodule_search_locations:
        return []
    package = Path(next(iter(spec.submodule_search_locations))) / "driver" / "package"
    try:
        data = json.loads((package / "browsers.json").read_text("utf-8"))
        revisions = {b["name"]: str(b["revision"]) for b in data["browsers"]}
    except (OSError, ValueError, KeyError, TypeError):
        return []
    configured = env.get("PLAYWRIGHT_BROWSERS_PATH")
    if configured == "0":
        root = package / ".local-browsers"
    elif configured:
        root = Path(configured).expanduser()
    else:
        cache_home = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        root = Path(cache_home) / "ms-playwright"
    found: list[Path] = []
    if "chromium" in revisions:
        found.append(root / f"chromium-{revisions['chromium']}" / "chrome-linux64" / "chrome")
    if "chromium-headless-shell" in revisions:
        rev = revisions["chromium-headless-shell"]
        found.append(
            root
            / f"chromium_headless_shell-{rev}"
            / "chrome-headless-shell-linux64"
            / "chrome-headless-shell"
        )
    return found


def find_browser(
    configured: str | None = None, env: Mapping[str, str] | None = None
) -> BrowserLocation | None:
    """The browser to drive, or None when there is none.

    Order: the `browser` setting, then `ECQ_BROWSER`, then a Playwright-managed Chromium where
    `playwright install` worked, then Chromium or Chrome on PATH (Debian's /usr/bin/chromium).
    A browser named explicitly that is not an executable is a user error (InputError), not a
    quiet fallback: the user asked for that one.
    """
    env = os.environ if env is None else env
    for value, source in ((configured, "setting"), (env.get(ENV_BROWSER), ENV_BROWSER)):
        if value:
            path = _executable(value)
            if path is None:
                raise InputError(
                    f"browser {value!r} (from {source}) is not an executable file",
                    "give the path of chromium or chrome, or unset it to discover one",
                )
            return BrowserLocation(path, source)
    if sys.platform.startswith("linux"):
        for managed in _playwright_browsers(env):
            if managed.is_file() and os.access(managed, os.X_OK):
                return BrowserLocation(str(managed), "playwright")
    search = env.get("PATH", os.defpath)
    for name in BROWSER_NAMES:
        found = shutil.which(name, path=search)
        if found:
            return BrowserLocation(found, "PATH")
    return None


# ------------------------------------------------------------------------------ which pages


#: The same footer hints the artifacts parser uses for regions (`<div id="footer">` …).
_FOOTER_HINT = re.compile(
    r"(?:^|[\s_-])(?:footer|foot|bottom|copyright|site-info)(?:$|[\s_-])", re.I
)
#: Mount points of client-side frameworks (Vue, React, Next, Nuxt, Gatsby, Angular …).
_MOUNT_IDS = ("app", "root", "__next", "__nuxt", "___gatsby", "main-app", "react-root", "vue-app")
#: Visible characters below which a page with scripts is taken for a JavaScript shell.
SHELL_MAX_TEXT = 200
#: Visible characters that make a footer region real rather than a placeholder.
FOOTER_MIN_TEXT = 10


@dataclass(frozen=True, slots=True)
class StaticShape:
    """What the static HTML says about needing a browser (cheap: one Lexbor parse)."""

    text_chars: int
    scripts: int
    empty_mount: str | None
    footer: bool
    #: a footer region exists but is (nearly) empty, and none has text: a placeholder that a
    #: script fills, on load or when it scrolls into view
    empty_footer: bool = False


#: Pages with more tags than this are not JavaScript shells (checked before parsing anything,
#: so a static scan pays ~0.05 ms a page for the question, not a second parse).
SHELL_MAX_TAGS = 600


def js_shell_reason(html: str) -> str | None:
    """Why static `html` looks like a page that only JavaScript fills, or None.

    Used twice: to pick pages to render, and (when a page was not rendered) to count it as not
    loaded, so a missing item on it is `needs_review`, never `fail`."""
    if html.count("<") > SHELL_MAX_TAGS:
        return None
    return _shell(static_shape(html))


def _shell(shape: StaticShape) -> str | None:
    if shape.scripts and shape.empty_mount is not None:
        return f"static HTML has an empty #{shape.empty_mount} mount point and scripts"
    if shape.scripts and shape.empty_footer:
        return "static HTML has only an empty footer region, and scripts to fill it"
    if shape.scripts and shape.text_chars < SHELL_MAX_TEXT:
        return (
            f"static HTML looks like a JavaScript shell ({shape.text_chars} characters "
            f"of text, {shape.scripts} scripts)"
        )
    return None


def static_shape(html: str) -> StaticShape:
    tree = LexborHTMLParser(html)
    scripts = len(tree.css("script"))
    for node in tree.css("script, style, noscript, template"):
        node.decompose()
    # a footer region counts only with some text in it: an empty placeholder that a script
    # fills later (on load or when scrolled into view) is exactly what needs a browser
    footer = placeholder = False
    for node in tree.css("footer, [role=contentinfo], [id], [class]"):
        attrs = node.attributes
        hint = " ".join(v for v in (attrs.get("id"), attrs.get("class")) if v)
        if node.tag == "footer" or attrs.get("role") == "contentinfo" or _FOOTER_HINT.search(hint):
            if _chars(node.text(separator=" ")) >= FOOTER_MIN_TEXT:
                footer = True
                break
            placeholder = True
    empty_mount = None
    for mount in _MOUNT_IDS:
        found = tree.css_first(f'[id="{mount}"]')
        if found is not None and not (found.text(strip=True) or "").strip():
            empty_mount = mount
            break
    body = tree.body
    chars = _chars(body.text(separator=" ")) if body is not None else 0
    return StaticShape(chars, scripts, empty_mount, footer, placeholder and not footer)


def _chars(text: str | None) -> int:
    return sum(1 for ch in text or "" if not ch.isspace())


class RenderPolicy:
    """Which pages a browser renders, decided from static HTML (pure; one per scan).

    `always`: every HTML page. `auto`: the home page; pages that look like JavaScript shells
    (almost no text but scripts, or an empty framework mount point); pages without the footer
    region the home page's static HTML has (a footer inserted by script); and the first page of
    each role in `AXE_ROLES`, so accessibility checks get one rendered sample per role.
    """

    def __init__(self, mode: RenderMode) -> None:
        self.mode = mode
        self.home_footer: bool | None = None
        self._sampled: set[PageRole] = set()

    def reason(self, html: str, *, is_home: bool, role: PageRole | None) -> str | None:
        if self.mode == "never":
            return None
        shape = static_shape(html) if self.mode == "auto" or is_home else None
        if is_home and shape is not None:
            self.home_footer = shape.footer
        if self.mode == "always":
            return "render: always"
        assert shape is not None
        if is_home:
            self._sampled.add(PageRole.HOME)
            return "home page"
        shell = _shell(shape)
        if shell is not None:
            return shell
        if self.home_footer and not shape.footer:
            return "static HTML has no footer region, the home page has one"
        if role is not None and role in AXE_ROLES and role not in self._sampled:
            self._sampled.add(role)
            return f"sample {role.value} page for accessibility (axe-core)"
        return None


# ------------------------------------------------------------------------------ in the page

#: Installed in every document before its scripts run: counts fetch/XHR calls in flight and
#: remembers when the DOM last changed, so settling and scrolling can wait for "quiet" instead of
#: a fixed time. Only observes; nothing is blocked or rerouted (the HTTP cache stays on).
_INIT_JS = r"""
(() => {
  if (window.__ecq) return;
  const st = {pending: new Set(), lastMutation: 0};
  try { Object.defineProperty(window, '__ecq', {value: st}); } catch (e) { return; }
  const track = (p) => {
    const rec = {t: performance.now()};
    st.pending.add(rec);
    const done = () => st.pending.delete(rec);
    try { p.then(done, done); } catch (e) { done(); }
    return p;
  };
  const origFetch = window.fetch;
  if (typeof origFetch === 'function') {
    window.fetch = function (...args) { return track(origFetch.apply(this, args)); };
  }
  if (window.XMLHttpRequest) {
    const send = XMLHttpRequest.prototype.send;
    XMLHttpRequest.prototype.send = function (...args) {
      const rec = {t: performance.now()};
      st.pending.add(rec);
      this.addEventListener('loadend', () => st.pending.delete(rec));
      return send.apply(this, args);
    };
  }
  // window.open from a script is blocked and counted, as a browser's pop-up blocker blocks it
  // for a visitor who did not click (Playwright turns Chromium's own blocker off)
  st.opened = 0;
  window.open = function () { st.opened += 1; return null; };
  // what could react to scrolling: IntersectionObserver targets, scroll/wheel listeners
  st.scrollHooks = 0;
  const IO = window.IntersectionObserver;
  if (IO && IO.prototype && IO.prototype.observe) {
    const observe = IO.prototype.observe;
    IO.prototype.observe = function (...args) {
      st.scrollHooks += 1;
      return observe.apply(this, args);
    };
  }
  const add = EventTarget.prototype.addEventListener;
  EventTarget.prototype.addEventListener = function (type, ...rest) {
    if (type === 'scroll' || type === 'wheel' || type === 'touchmove') st.scrollHooks += 1;
    return add.call(this, type, ...rest);
  };
  new MutationObserver(() => { st.lastMutation = performance.now(); })
    .observe(document, {subtree: true, childList: true, characterData: true});
})();
"""

#: Shared by the settle and scroll scripts: `quiet(since, capMs)` resolves once the DOM has not
#: changed for quietMs and no fetch/XHR started after `since` is still in flight, or at the cap.
_QUIET_JS = """
  const st = window.__ecq;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const busy = (since) => !!st && [...st.pending].some((r) => r.t >= since);
  const quiet = async (since, capMs) => {
    const start = performance.now();
    while (performance.now() - start < capMs) {
      const last = Math.max(st ? st.lastMutation : 0, start);
      if (!busy(since) && performance.now() - last >= quietMs) return;
      await sleep(16);
    }
  };
"""

#: Settle after load: quiet since the navigation began, bounded by maxMs.
_SETTLE_JS = (
    "async ({quietMs, maxMs}) => {"
    + _QUIET_JS
    + """
  await quiet(0, maxMs);
  return true;
}
"""
)

#: Scroll to the bottom in viewport-sized steps (larger when the page is long, so the bottom is
#: always reached within maxSteps), one animation frame per step so IntersectionObserver and
#: scroll listeners fire; wait for what a step started; at the bottom wait for quiet and stop
#: unless the page grew. Bounded by maxSteps and maxMs. Returns the number of steps taken: 0
#: when the page fits the viewport or nothing on it listens for scrolling.
_SCROLL_JS = (
    "async ({maxSteps, maxMs, quietMs, bottomMs}) => {"
    + _QUIET_JS
    + """
  const el = document.scrollingElement || document.documentElement;
  if (!el) return 0;
  const t0 = performance.now();
  const view = () => window.innerHeight || 800;
  // one rendering frame, then a task: IntersectionObserver callbacks and scroll events queued
  // by that frame run before it (two frames per step would cost ~33 ms instead of ~17)
  const frames = () => Promise.race([
    new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))),
    sleep(100),
  ]);
  if (el.scrollHeight <= view() + 2) return 0;
  // nothing on the page can react to scrolling (no observer, no scroll listener, no lazy
  // frame): scrolling would only cost frames (~30 % of a page's render time), so skip it
  const hooked = !st || st.scrollHooks > 0 || window.onscroll || document.onscroll ||
    (document.body && document.body.onscroll) ||
    document.querySelector('[onscroll], iframe[loading=lazy]');
  if (!hooked) return 0;
  let steps = 0;
  while (steps < maxSteps && performance.now() - t0 < maxMs) {
    const before = performance.now();
    const left = Math.max(1, maxSteps - steps);
    const rest = el.scrollHeight - (window.scrollY + view());
    window.scrollTo(0, window.scrollY + Math.max(view(), Math.ceil(rest / left)));
    steps += 1;
    await frames();
    const budget = Math.max(0, maxMs - (performance.now() - t0));
    if (busy(before)) await quiet(before, Math.min(500, budget));
    if (window.scrollY + view() >= el.scrollHeight - 2) {
      const height = el.scrollHeight;
      await quiet(before, Math.min(bottomMs, Math.max(0, maxMs - (performance.now() - t0))));
      if (el.scrollHeight <= height + 2) break;
    }
  }
  window.scrollTo(0, 0);
  return steps;
}
"""
)

#: A visible accept/agree button whose surrounding box (up to 6 ancestors) talks about cookies,
#: privacy, personal information or consent: a consent notice, not a footer link.
_CONSENT_JS = r"""
() => {
  const notice = /cookie|隐私|个人信息|同意|consent/i;
  const accept = new RegExp('^(accept|agree|allow|ok|okay|got it|i agree|i accept|accept all|' +
    'allow all|同意|接受|允许|我同意|同意并继续|全部接受|接受全部|知道了|我知道了|好的|确定)', 'i');
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) return false;
    const s = getComputedStyle(el);
    return s.visibility !== 'hidden' && s.display !== 'none' && Number(s.opacity || '1') > 0.05;
  };
  const buttons = document.querySelectorAll(
    'button, a, [role=button], input[type=button], input[type=submit]');
  for (const b of buttons) {
    const label = (b.innerText || b.value || b.getAttribute('aria-label') || '').trim();
    if (!label || label.length > 24 || !accept.test(label) || !visible(b)) continue;
    let el = b.parentElement;
    for (let i = 0; el && el !== document.body && i < 6; i++, el = el.parentElement) {
      const text = el.innerText || '';
      if (text.length > 3000) break;
      if (notice.test(text.split(label).join(' ')) && visible(el)) return true;
    }
  }
  return false;
}
"""

#: axe-core, asked for violations and incomplete results only, trimmed before crossing over.
_AXE_RUN_JS = """
async ({maxNodes, maxHtml}) => {
  const r = await axe.run(document, {resultTypes: ['violations', 'incomplete']});
  const target = (t) => (Array.isArray(t) ? t.map(target).join(' ') : String(t));
  const trim = (rules) => rules.map((x) => ({
    id: x.id, impact: x.impact || null, help: x.help || '', help_url: x.helpUrl || '',
    tags: x.tags || [],
    nodes: (x.nodes || []).slice(0, maxNodes).map((n) => ({
      target: target(n.target || []),
      html: (n.html || '').slice(0, maxHtml),
      summary: (n.failureSummary || '').slice(0, maxHtml),
    })),
  }));
  return {
    engine_version: (r.testEngine && r.testEngine.version) || '',
    violations: trim(r.violations || []),
    incomplete: trim(r.incomplete || []),
    passes: (r.passes || []).length,
  };
}
"""


#: Scroll an element into view and return its visible box in viewport pixels (padded, clipped
#: to the viewport), or null when it is missing, hidden or empty. One round trip, then a clipped
#: page screenshot: Playwright's element screenshots wait for "stable" and "visible" and can
#: spend their whole timeout on an element that never settles.
_ELEMENT_BOX_JS = """
(selector) => {
  let el = null;
  try { el = document.querySelector(selector); } catch (e) { return null; }
  if (!el) return null;
  const style = getComputedStyle(el);
  if (style.visibility === 'hidden' || style.display === 'none') return null;
  const first = el.getBoundingClientRect();
  el.scrollIntoView({block: first.height > window.innerHeight ? 'start' : 'center'});
  const r = el.getBoundingClientRect();
  const pad = 4;
  const x = Math.max(0, r.left - pad), y = Math.max(0, r.top - pad);
  const w = Math.min(window.innerWidth, r.right + pad) - x;
  const h = Math.min(window.innerHeight, r.bottom + pad) - y;
  if (w < 3 || h < 3 || r.width < 1 || r.height < 1) return null;
  return {x: x, y: y, width: w, height: h};
}
"""


@cache
def axe_source() -> str:
    """axe.min.js as shipped inside `axe-playwright-python` (read, never downloaded)."""
    spec = importlib.util.find_spec("axe_playwright_python")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("axe-playwright-python is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "axe.min.js"
    return path.read_text("utf-8")


# ------------------------------------------------------------------------------ renderer


@dataclass(slots=True)
class Rendered:
    """The DOM after scripts ran (None when rendering failed) and what the browser saw."""

    html: str | None
    info: RenderInfo


@dataclass(slots=True)
class Shot:
    path: str  # relative to the run directory
    sha256: str


class _Abandon(Exception):
    """Rendering this page stops here; the message says why, in plain words."""


@dataclass(eq=False, slots=True)
class _Slot:
    """One pooled page and what it did during the current render."""

    page: Page
    site: str
    abort: asyncio.Future[str] | None = None
    stage: str = "starting"
    hosts: set[str] = field(default_factory=set)
    dialogs: int = 0
    popups: int = 0
    navigations: int = 0
    broken: bool = False
    target_id: str | None = None

    def reset(self) -> None:
        self.abort = asyncio.get_running_loop().create_future()
        self.stage = "starting"
        self.hosts = set()
        self.dialogs = self.popups = self.navigations = 0

    def give_up(self, reason: str) -> None:
        self.broken = True
        if self.abort is not None and not self.abort.done():
            self.abort.set_result(reason)


def _plain(exc: BaseException) -> str:
    """The first line of a Playwright error, bounded (its call logs run to pages)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = re.sub(r"^(?:Page|Frame|Locator|BrowserContext)\.\w+:\s*", "", text)
    return text[:300]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class BrowserRenderer:
    """One Chromium for one scan; see the module docstring for why it behaves as it does.

    Use as `async with BrowserRenderer(settings, path, site_url=..., run_dir=...) as r:` and call
    `await r.render(url, reason=...)` from any number of tasks; at most `render_concurrency`
    pages render at once. `start()` raises BrowserStartError when the browser cannot run.
    """

    def __init__(
        self,
        settings: Settings,
        executable: str,
        *,
        site_url: str,
        run_dir: Path | None = None,
        guard: SSRFGuard | None = None,
    ) -> None:
        self.settings = settings
        # Chromium fetches sub-resources itself (scripts, frames, fetch(), beacons): without a
        # check a hostile page pivots the scanner into its own network (hostile-sites H30).
        self.guard = guard or SSRFGuard(AddressPolicy(allow_private=settings.allow_private))
        self._proxy: EgressProxy | None = None
        self.executable = executable
        self.site_url = site_url
        self.site_key = registrable_domain(host_of(site_url))
        self.run_dir = run_dir
        self.mode: Literal["auto", "always"] = "always" if settings.render == "always" else "auto"
        self.version: str | None = None
        self.restarts = 0
        self.rendered = 0
        self.failed = 0
        self.first_error: str | None = None
        self._pw: Playwright | None = None
        self._browser: Browser | None = None
        self._context: BrowserContext | None = None
        self._idle: list[_Slot] = []
        self._sem = asyncio.Semaphore(settings.render_concurrency)
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._axe_done: set[PageRole] = set()
        self._axe_pending: set[PageRole] = set()
        self._gone: str | None = None

    async def __aenter__(self) -> BrowserRenderer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def running(self) -> bool:
        return self._browser is not None and self._gone is None

    # -------------------------------------------------------------- life cycle

    async def start(self) -> None:
        try:
            from playwright.async_api import async_playwright
        except ImportError as exc:  # pragma: no cover - a dependency, present when installed
            raise BrowserStartError(f"Playwright is not installed ({exc})") from exc
        try:
            self._pw = await async_playwright().start()
            if not self.guard.policy.allow_private:
                self._proxy = await EgressProxy(self.guard).__aenter__()
            await self._launch()
        except BrowserStartError:
            await self.close()
            raise
        except Exception as exc:
            await self.close()
            raise BrowserStartError(f"{self.executable}: {_plain(exc)}") from exc

    async def _launch(self) -> None:
        assert self._pw is not None
        try:
            browser = await self._pw.chromium.launch(
                executable_path=self.executable,
                args=[*CHROMIUM_ARGS, *self._proxy_args()],
                headless=True,
                timeout=LAUNCH_TIMEOUT * 1000,
                handle_sigint=False,
            )
        except Exception as exc:
            raise BrowserStartError(f"{self.executable} did not start: {_plain(exc)}") from exc
        self._browser = browser
        self.version = browser.version
        major = (self.version or "0").split(".")[0]
        # An honest user agent that still reads as Chrome: sites that sniff for a browser serve
        # their real page, and the site's logs name ecq-scan as the static fetches do.
        user_agent = (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            f"Chrome/{major}.0.0.0 Safari/537.36 {self.settings.user_agent}"
        )
        self._context = await browser.new_context(
            service_workers="block",
            accept_downloads=False,
            locale="zh-CN",
            viewport={"width": VIEWPORT["width"], "height": VIEWPORT["height"]},
            user_agent=user_agent,
        )
        self._context.set_default_timeout(self.settings.render_timeout * 1000)
        await self._context.add_init_script(_INIT_JS)
        self._idle = []

    def _proxy_args(self) -> list[str]:
        """All browser traffic through the guarding proxy (see crawl/egress_proxy.py);
        `<-loopback>` stops Chromium sending loopback requests around it. With --allow-private
        the operator opted into private targets and the browser connects directly."""
        if self._proxy is None:
            return []
        return [f"--proxy-server={self._proxy.url}", "--proxy-bypass-list=<-loopback>"]

    @property
    def refused_requests(self) -> list[tuple[str, str]]:
        """Browser requests the SSRF guard refused (URL, reason)."""
        return list(self._proxy.refused) if self._proxy is not None else []

    async def _relaunch(self) -> None:
        if self.restarts >= MAX_RESTARTS:
            self._gone = f"the browser died {self.restarts + 1} times; rendering stopped"
            raise _Abandon(self._gone)
        self.restarts += 1
        old, self._browser, self._context = self._browser, None, None
        if old is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(old.close(), 5)
        try:
            await self._launch()
        except BrowserStartError as exc:
            self._gone = f"the browser could not be restarted: {exc}"
            raise _Abandon(self._gone) from exc

    async def close(self) -> None:
        """Close pages, the browser and Playwright, each bounded in time."""
        for slot in self._idle:
            self._discard(slot)
        self._idle = []
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=5)
        browser, self._browser, self._context = self._browser, None, None
        if browser is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(browser.close(), 10)
        pw, self._pw = self._pw, None
        if pw is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(pw.stop(), 10)
        proxy, self._proxy = self._proxy, None
        if proxy is not None:
            await proxy.__aexit__(None, None, None)

    async def _close_target(self, slot: _Slot) -> None:
        """Close a page that `page.close` could not, through a browser-level DevTools session."""
        browser = self._browser
        if browser is None or slot.target_id is None:
            return
        with contextlib.suppress(Exception):
            session = await asyncio.wait_for(browser.new_browser_cdp_session(), 3)
            try:
                await asyncio.wait_for(
                    session.send("Target.closeTarget", {"targetId": slot.target_id}), 3
                )
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(session.detach(), 3)

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run a fire-and-forget protocol call (dismiss a dialog, close a pop-up) safely."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self._tasks.discard(t)
            if not t.cancelled():
                t.exception()  # retrieved: a page gone meanwhile is not worth a warning

        task.add_done_callback(done)

    def _discard(self, slot: _Slot) -> None:
        async def close() -> None:
            await asyncio.wait_for(slot.page.close(run_before_unload=False), 5)

        self._spawn(close())

    # -------------------------------------------------------------- page pool

    async def _acquire(self) -> _Slot:
        async with self._lock:
            if self._gone is not None:
                raise _Abandon(self._gone)
            if self._browser is None or not self._browser.is_connected():
                await self._relaunch()
            while self._idle:
                slot = self._idle.pop()
                if not slot.page.is_closed():
                    return slot
            assert self._context is not None
            try:
                page = await asyncio.wait_for(self._context.new_page(), 10)
            except Exception as exc:
                if self._browser is not None and self._browser.is_connected():
                    raise _Abandon(f"no new browser page: {_plain(exc)}") from exc
                await self._relaunch()
                assert self._context is not None
                page = await asyncio.wait_for(self._context.new_page(), 10)
        slot = _Slot(page, self.site_url)
        self._wire(slot)
        slot.target_id = await self._target_id(page)
        return slot

    async def _target_id(self, page: Page) -> str | None:
        """The page's DevTools target id, asked while the page is new and idle: closing a page
        in the middle of a navigation storm can stall Playwright's `page.close`, and closing
        the target through the browser session does not."""
        assert self._context is not None
        with contextlib.suppress(Exception):
            session = await asyncio.wait_for(self._context.new_cdp_session(page), 5)
            try:
                info = await asyncio.wait_for(session.send("Target.getTargetInfo"), 5)
                return str(info["targetInfo"]["targetId"])
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(session.detach(), 5)
        return None

    def _release(self, slot: _Slot) -> None:
        if slot.broken or slot.page.is_closed():
            self._discard(slot)
        else:
            self._idle.append(slot)

    def _wire(self, slot: _Slot) -> None:
        """Listeners that keep a hostile page from stalling us; none of them blocks a request
        (no route), so the HTTP cache stays on."""
        page = slot.page

        def on_request(request: Request) -> None:
            url = request.url
            if (
                len(slot.hosts) < MAX_HOSTS
                and url.startswith(("http:", "https:"))
                and not in_scope(url, slot.site)
            ):
                host = host_of(url)
                if host:
                    slot.hosts.add(host)

        def on_dialog(dialog: Dialog) -> None:
            slot.dialogs += 1
            if slot.dialogs > MAX_DIALOGS:
                # left open: the page's script stays blocked on it until the page is closed,
                # instead of spinning through more dialogs
                slot.give_up(f"the page kept opening dialogs ({MAX_DIALOGS}+ alert/confirm boxes)")
                return
            self._spawn(dialog.dismiss())

        def on_popup(popup: Page) -> None:
            slot.popups += 1
            self._spawn(popup.close(run_before_unload=False))
            if slot.popups > MAX_POPUPS:
                slot.give_up(f"the page kept opening pop-up windows ({MAX_POPUPS}+)")

        def on_navigated(frame: Frame) -> None:
            if frame is page.main_frame:
                slot.navigations += 1
                if slot.navigations > MAX_NAVIGATIONS:
                    slot.give_up(
                        f"the page kept navigating ({MAX_NAVIGATIONS}+ navigations of its own)"
                    )

        def on_crash(_page: Page) -> None:
            slot.give_up("the page crashed (its renderer process died)")

        page.on("request", on_request)
        page.on("dialog", on_dialog)
        page.on("popup", on_popup)
        page.on("framenavigated", on_navigated)
        page.on("crash", on_crash)

    # -------------------------------------------------------------- rendering

    async def render(
        self,
        url: str,
        *,
        reason: str = "",
        role: PageRole | None = None,
        is_home: bool = False,
    ) -> Rendered:
        """Render `url` within `render_timeout`; never raises for a page's own failure."""
        async with self._sem:
            started = time.monotonic()
            info = RenderInfo(mode=self.mode, reason=reason, browser_version=self.version)
            want_axe = self._claim_axe(role if not is_home else PageRole.HOME)
            html: str | None = None
            slot: _Slot | None = None
            try:
                slot = await self._acquire()
                info.browser_version = self.version
                html, info = await self._render_on(slot, url, info, started)
                if info.error is None and html is not None:
                    if is_home and self.run_dir is not None:
                        await self._full_screenshot(slot, url, info)
                    if want_axe is not None:
                        info.axe = await self._axe(slot, url)
            except _Abandon as exc:
                info.error = str(exc)
            except Exception as exc:  # the browser died under us, or Playwright itself failed
                info.error = f"rendering failed: {_plain(exc)}"
            finally:
                if slot is not None:
                    self._release(slot)
            if want_axe is not None:
                self._axe_pending.discard(want_axe)
                if info.axe is not None and info.axe.error is None:
                    self._axe_done.add(want_axe)
            info.elapsed_ms = round((time.monotonic() - started) * 1000, 1)
            if info.error is None:
                self.rendered += 1
            else:
                self.failed += 1
                self.first_error = self.first_error or f"{url}: {info.error}"
                html = None
            return Rendered(html, info)

    def _claim_axe(self, role: PageRole | None) -> PageRole | None:
        if role is None or role not in AXE_ROLES:
            return None
        if role in self._axe_done or role in self._axe_pending:
            return None
        self._axe_pending.add(role)
        return role

    async def _render_on(
        self, slot: _Slot, url: str, info: RenderInfo, started: float
    ) -> tuple[str | None, RenderInfo]:
        slot.reset()
        assert slot.abort is not None
        deadline = self.settings.render_timeout
        body = asyncio.ensure_future(self._steps(slot, url, info))
        remaining = max(0.1, deadline - (time.monotonic() - started))
        done, _ = await asyncio.wait(
            {body, slot.abort}, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
        )
        if body in done:
            try:
                return body.result(), info
            except _Abandon as exc:
                info.error = str(exc)
            except Exception as exc:
                info.error = (
                    slot.abort.result() if slot.abort.done() else f"{slot.stage}: {_plain(exc)}"
                )
            await self._stop(slot, body)
            return None, info
        if slot.abort.done():
            info.error = slot.abort.result()
        else:
            info.error = f"rendering took longer than {deadline:g}s (still {slot.stage})"
        await self._stop(slot, body)
        return None, info

    async def _stop(self, slot: _Slot, body: asyncio.Future[Any]) -> None:
        """End a page that failed: close it first (a page in a navigation or dialog loop keeps
        hitting the site until its renderer is gone, and closing makes pending calls fail
        fast), then collect the abandoned steps."""
        slot.broken = True
        try:
            await asyncio.wait_for(slot.page.close(run_before_unload=False), 0.5)
        except Exception:
            await self._close_target(slot)
        body.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(asyncio.gather(body, return_exceptions=True), 2)

    async def _steps(self, slot: _Slot, url: str, info: RenderInfo | None) -> str:
        """Load, settle, read cookies and the consent notice, scroll, read the DOM."""
        page = slot.page
        slot.stage = "loading: the load event never fired"
        response = await page.goto(
            url, wait_until="load", timeout=self.settings.render_timeout * 1000
        )
        if response is not None and response.status >= 400:
            raise _Abandon(f"the browser got HTTP {response.status} for the page")
        slot.stage = "settling after load"
        await self._evaluate(
            slot, _SETTLE_JS, {"quietMs": QUIET_MS, "maxMs": SETTLE_SECONDS * 1000}
        )
        if info is not None:
            slot.stage = "reading cookies"
            info.cookies_before_consent = self._cookies(await page.context.cookies())
            slot.stage = "looking for a consent notice"
            info.consent_notice = bool(await self._evaluate(slot, _CONSENT_JS))
        slot.stage = "scrolling to load lazy content"
        steps = await self._evaluate(
            slot,
            _SCROLL_JS,
            {
                "maxSteps": SCROLL_MAX_STEPS,
                "maxMs": SCROLL_MAX_SECONDS * 1000,
                "quietMs": QUIET_MS,
                "bottomMs": BOTTOM_WAIT_MS,
            },
        )
        if info is not None:
            info.scrolled_steps = int(steps or 0)
        if not in_scope(page.url, self.site_url):
            raise _Abandon(f"the page navigated away to another site ({page.url[:200]})")
        slot.stage = "reading the DOM"
        html = await self._content(slot)
        opened = await self._evaluate(slot, "() => (window.__ecq ? window.__ecq.opened : 0)")
        if int(opened or 0) + slot.popups > MAX_POPUPS:
            raise _Abandon(
                f"the page kept opening pop-up windows ({int(opened or 0) + slot.popups} "
                "without a click)"
            )
        if info is not None:
            info.third_party_hosts = sorted(slot.hosts)
            data = html.encode("utf-8")
            info.dom_sha256 = _sha256(data)
        return html

    async def _evaluate(self, slot: _Slot, script: str, arg: Any = None) -> Any:
        """`page.evaluate`, retried while a navigation replaces the document (a late redirect);
        the navigation counter ends a page that never stops doing that."""
        for _ in range(MAX_NAVIGATIONS):
            try:
                return await slot.page.evaluate(script, arg)
            except Exception as exc:
                message = str(exc)
                if "context was destroyed" not in message and "navigat" not in message:
                    raise
                await asyncio.sleep(0.1)
        raise _Abandon("the page kept navigating while it was read")

    async def _content(self, slot: _Slot) -> str:
        for _ in range(MAX_NAVIGATIONS):
            try:
                html = await slot.page.content()
            except Exception as exc:
                if "navigat" not in str(exc):
                    raise
                await asyncio.sleep(0.1)
                continue
            limit = self.settings.max_bytes_per_page
            return html if len(html) <= limit else html[:limit]
        raise _Abandon("the page kept navigating while its DOM was read")

    def _cookies(self, cookies: Sequence[Mapping[str, Any]]) -> list[CookieRecord]:
        out: list[CookieRecord] = []
        for c in cookies[:MAX_COOKIES]:
            domain = str(c.get("domain") or "").lstrip(".").lower()
            expires = c.get("expires")
            out.append(
                CookieRecord(
                    name=str(c.get("name", ""))[:200],
                    domain=domain,
                    path=str(c.get("path") or "/"),
                    secure=bool(c.get("secure")),
                    http_only=bool(c.get("httpOnly")),
                    same_site=c.get("sameSite"),
                    expires=float(expires)
                    if isinstance(expires, int | float) and expires > 0
                    else None,
                    third_party=bool(domain) and registrable_domain(domain) != self.site_key,
                )
            )
        return out

    async def _full_screenshot(self, slot: _Slot, url: str, info: RenderInfo) -> None:
        """A full-page PNG of the home page (height capped) into run_dir/screenshots/."""
        assert self.run_dir is not None
        try:
            async with asyncio.timeout(SCREENSHOT_TIMEOUT):
                height = int(
                    await slot.page.evaluate(
                        "() => (document.scrollingElement || document.documentElement).scrollHeight"
                    )
                    or 0
                )
                clip = None
                if height > SCREENSHOT_MAX_HEIGHT:
                    clip = {
                        "x": 0,
                        "y": 0,
                        "width": VIEWPORT["width"],
                        "height": SCREENSHOT_MAX_HEIGHT,
                    }
                png = await slot.page.screenshot(
                    full_page=True,
                    type="png",
                    clip=clip,  # type: ignore[arg-type]
                    timeout=SCREENSHOT_TIMEOUT * 1000,
                    animations="disabled",
                )
        except Exception as exc:
            info.screenshot = None
            slot.broken = slot.broken or isinstance(exc, TimeoutError)
            return
        rel = f"{SCREENSHOT_DIR}/page-{_sha256(url.encode('utf-8'))[:16]}.png"
        _write(self.run_dir / rel, png)
        info.screenshot, info.screenshot_sha256 = rel, _sha256(png)

    async def _axe(self, slot: _Slot, url: str) -> AxeResults:
        try:
            async with asyncio.timeout(AXE_TIMEOUT):
                await slot.page.evaluate(axe_source())
                data = await slot.page.evaluate(
                    _AXE_RUN_JS, {"maxNodes": AXE_MAX_NODES, "maxHtml": AXE_MAX_HTML}
                )
        except TimeoutError:
            slot.broken = True
            return AxeResults(error=f"axe-core did not finish within {AXE_TIMEOUT:g}s")
        except Exception as exc:
            return AxeResults(error=f"axe-core failed: {_plain(exc)}")
        try:
            return AxeResults.model_validate(data)
        except ValidationError as exc:
            return AxeResults(error=f"unexpected axe-core result: {exc.errors()[0]['msg']}")

    # -------------------------------------------------------------- evidence screenshots

    async def element_screenshots(
        self,
        wanted: Sequence[tuple[str, str]],
        *,
        limit: int = EVIDENCE_SHOTS,
        timeout: float = EVIDENCE_SHOT_TIMEOUT,
        budget: float = EVIDENCE_BUDGET,
    ) -> dict[tuple[str, str], Shot]:
        """PNG screenshots of the elements named by (page URL, CSS selector), for evidence.

        Each page is loaded once (same steps as rendering, scroll included, so a lazy footer is
        there), each element is shot within `timeout`; at most `limit` shots, all within
        `budget` seconds. An element that is gone or invisible is skipped, never an error."""
        shots: dict[tuple[str, str], Shot] = {}
        if self.run_dir is None or not self.running or limit <= 0:
            return shots
        by_url: dict[str, list[str]] = {}
        for url, locator in wanted:
            if locator not in by_url.setdefault(url, []):
                by_url[url].append(locator)
        end = time.monotonic() + budget
        for url, locators in list(by_url.items())[:EVIDENCE_PAGES]:
            if len(shots) >= limit or time.monotonic() >= end:
                break
            async with self._sem:
                try:
                    slot = await self._acquire()
                except Exception:
                    break
                try:
                    await self._shoot_page(slot, url, locators, shots, limit, timeout, end)
                finally:
                    self._release(slot)
        return shots

    async def _shoot_page(
        self,
        slot: _Slot,
        url: str,
        locators: Sequence[str],
        shots: dict[tuple[str, str], Shot],
        limit: int,
        timeout: float,
        end: float,
    ) -> None:
        assert self.run_dir is not None
        slot.reset()
        assert slot.abort is not None
        load = asyncio.ensure_future(self._steps(slot, url, None))
        wait = min(self.settings.render_timeout, max(0.1, end - time.monotonic()))
        done, _ = await asyncio.wait(
            {load, slot.abort}, timeout=wait, return_when=asyncio.FIRST_COMPLETED
        )
        if load not in done or load.exception() is not None:
            slot.broken = True
            load.cancel()
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(asyncio.gather(load, return_exceptions=True), 2)
            return
        for locator in locators:
            if len(shots) >= limit or time.monotonic() >= end:
                return
            try:
                async with asyncio.timeout(timeout):
                    box = await slot.page.evaluate(_ELEMENT_BOX_JS, locator)
                    if not box:
                        continue  # gone, hidden or empty: nothing a person could see
                    png = await slot.page.screenshot(type="png", clip=box, timeout=timeout * 1000)
            except Exception:
                continue
            digest = _sha256(png)
            rel = f"{SCREENSHOT_DIR}/evidence-{_sha256(f'{url} {locator}'.encode())[:16]}.png"
            _write(self.run_dir / rel, png)
            shots[(url, locator)] = Shot(rel, digest)
