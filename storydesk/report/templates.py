"""Report stage: the one Jinja2 environment every HTML page is rendered with (static report and `serve`).

The templates sit in ``storydesk/report/templates/`` rather than ``storydesk/templates/``: HTML is the
report stage's output, and ``web.py`` already takes its pages from this stage (as it takes ``render``),
so the web app's pages extend the same ``base.html`` as the files written to disk.

Escaping: autoescape is on for every template, and ``finalize`` writes each ``{{ value }}`` through
``html.escape`` (the spelling the pages have always had: ``&quot;``, ``&#x27;``; None prints as nothing).
A value is written unescaped only when it is ``Markup``: macro output, and the three constants below
(policy, style, script), never article text. No template uses ``|safe`` (tests/report checks).

Whitespace: a line break between two tags (HTML or Jinja), with the indentation around it, is layout
for the reader of a template and is not output, so templates can be indented without changing a byte
of the page. A page's own line breaks are written as ``{{ "\\n" }}``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from importlib.resources import files
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from jinja2.ext import Extension
from markupsafe import Markup

_BETWEEN_TAGS = re.compile(r"(?<=[>}])[ \t]*\n\s*(?=[<{])")


def _asset(name: str) -> str:
    """A file of the templates folder, exactly as written, on lines of its own inside its tag."""
    return "\n" + files(__package__).joinpath("templates", name).read_text(encoding="utf-8")


CSS = _asset("page.css")
# Filters the matrix by status (shared claims first) and unfolds the entity table. Print shows what
# the screen shows, so a reader can choose what goes on paper (filters, opened claims).
JS = _asset("page.js")

# The policy of every page (in a <meta> tag; `serve` also sends it as a header, with frame-ancestors).
# Styles stay inline ('unsafe-inline' for style only); the one script is allowed by its hash.
SCRIPT_HASH = "'sha256-" + base64.b64encode(hashlib.sha256(JS.encode("utf-8")).digest()).decode("ascii") + "'"
CSP = (
    f"default-src 'none'; style-src 'unsafe-inline'; script-src {SCRIPT_HASH}; img-src data:; "
    "base-uri 'none'; form-action 'self'"
)

# Link, for a nav bar: (href, text).
Link = tuple[str, str]


class _Compact(Extension):
    """Drops the line breaks (and indentation) between tags from template source before it is parsed."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return _BETWEEN_TAGS.sub("", source)


def _finalize(value: Any) -> Any:
    """Every ``{{ value }}`` is escaped here, as ``html.escape`` spells it; Markup passes as it is."""
    if hasattr(value, "__html__"):
        return value
    return Markup(html.escape(str(value if value is not None else ""), quote=True))


def safe_url(url: Any) -> str | None:
    """Only web links become hrefs: a javascript: or data: URL from an input is dropped."""
    link = str(url or "").strip()
    return link if link.lower().startswith(("http://", "https://")) else None


def when(published: str | None) -> str:
    """An article's publication time as pages show it: ``2025-12-02 12:10``, or ``undated``."""
    return (published or "undated")[:16].replace("T", " ")


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader(__package__, "templates"),
        autoescape=True,
        finalize=_finalize,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=[_Compact],
    )
    env.filters.update(safe_url=safe_url, when=when)
    env.globals.update(csp=Markup(CSP), style=Markup(CSS), script=Markup(JS))
    return env


ENV = _environment()


def render_page(template: str, *, nav: list[Link] | tuple[Link, ...] = (), **context: Any) -> str:
    """One page: ``template`` (which extends base.html) with ``context``; ``nav`` links go above it."""
    return ENV.get_template(template).render(nav=list(nav), **context)
