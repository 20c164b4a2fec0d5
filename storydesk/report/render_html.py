"""Report stage: a dossier as one self-contained HTML page (inline CSS, a few lines of inline JS, no network).

Every piece of article text is untrusted and goes through ``esc`` (html.escape) before it is written.
The page's Content-Security-Policy lets only the page's own script run (by its hash): no inline script
that got into the page any other way, no script from anywhere, no network.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Callable
from typing import Any

from .common import STATUS_LABEL, Refs, claim_order, claim_sources, refs, short, sources, story_dates

# (article id, start, end) -> href for that article (or span), or None to point at the articles list
ArticleLink = Callable[[str, int | None, int | None], str | None]

CSS = """
:root{--ink:#1d1d1f;--muted:#5f6368;--line:#dadce0;--soft:#f6f7f9;--accent:#1a56a8;--ok:#1e7d4f;
--warn:#b3261e;--warnbg:#fdecea;--one:#8a5a00;--onebg:#fff6e0;--serif:Charter,"Bitstream Charter","Sitka Text",
Cambria,Georgia,serif;--sans:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
*{box-sizing:border-box}
body{margin:0;color:var(--ink);background:#fff;font:17px/1.55 var(--serif)}
main{max-width:1080px;margin:0 auto;padding:28px 32px 64px}
h1{font:700 2rem/1.2 var(--sans);margin:0 0 8px;letter-spacing:-.01em}
h2{font:700 1.2rem/1.3 var(--sans);margin:44px 0 12px;padding-bottom:6px;border-bottom:2px solid var(--ink)}
h3{font:600 1rem/1.35 var(--sans);margin:0 0 10px}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
.meta,.nav,.small,table,.badge,.chip,.kicker,sup,.filters,.date{font-family:var(--sans)}
.meta{color:var(--muted);font-size:.92rem;margin:0 0 14px}
.nav{display:flex;flex-wrap:wrap;gap:6px 16px;font-size:.88rem;padding:10px 0;border-top:1px solid var(--line);
border-bottom:1px solid var(--line)}
.small{font-size:.82rem;color:var(--muted)}
sup{font-size:.68em;line-height:0;white-space:nowrap}sup a{padding:0 1px}
.badge{display:inline-block;font-size:.72rem;font-weight:600;letter-spacing:.02em;text-transform:uppercase;
padding:1px 7px;border-radius:10px;vertical-align:2px;white-space:nowrap}
.b-disputed{background:var(--warnbg);color:var(--warn)}.b-corroborated{background:#e6f4ea;color:var(--ok)}
.b-single_source{background:var(--onebg);color:var(--one)}.b-kind{background:var(--soft);color:var(--muted)}.b-possible{background:var(--soft);color:var(--muted);font-style:italic}
.summary{padding-left:1.3em;margin:0}.summary li{margin:0 0 10px;padding-left:4px}
.summary li.disputed{background:var(--warnbg);border-left:3px solid var(--warn);padding:4px 8px;margin-left:-4px}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border-bottom:1px solid var(--line);padding:7px 8px;text-align:left;vertical-align:top}
thead th{font-weight:600;background:var(--soft);position:sticky;top:0}
.matrix{table-layout:fixed}.matrix td.m,.matrix th.m{text-align:center;font-size:.78rem;overflow-wrap:break-word}
.matrix td.m{font-size:1.1rem;color:var(--ink)}.matrix td.m.no{color:#c4c7cc}
.matrix tr.disputed td{background:var(--warnbg)}.matrix tr.single_source td.claim{color:#333}
.matrix td.claim{font-family:var(--serif);font-size:.95rem}
details summary{cursor:pointer}details .occ{margin:6px 0 2px;padding-left:12px;border-left:2px solid var(--line)}
.occ p{margin:4px 0;font-size:.9rem}
.filters{display:flex;gap:6px;margin:0 0 10px;font-size:.85rem}
.filters button{font:inherit;border:1px solid var(--line);background:#fff;border-radius:14px;padding:2px 12px;
cursor:pointer}.filters button.on{background:var(--ink);color:#fff;border-color:var(--ink)}
.card{border:1px solid var(--line);border-radius:8px;padding:14px 16px;margin:0 0 16px;break-inside:avoid}
.card.disputed{border-left:4px solid var(--warn)}
.positions{display:grid;grid-template-columns:repeat(auto-fit,minmax(230px,1fr));gap:12px}
.position{background:var(--soft);border-radius:6px;padding:10px 12px}
.position .value{font:700 1.05rem/1.3 var(--sans);margin:0 0 4px}.position .value.long{font:600 .92rem/1.4 var(--sans)}
blockquote{margin:8px 0;padding:2px 0 2px 12px;border-left:3px solid var(--line);font-size:.93rem;color:#333}
.chip{display:inline-block;font-size:.78rem;background:#eef2f8;color:#23395d;border-radius:4px;padding:0 6px;
margin:2px 3px 2px 0;white-space:nowrap}
.quote{margin:0 0 18px}.quote blockquote{font-size:1.02rem;color:var(--ink);border-left-color:var(--accent)}
.quote .who{font:600 .9rem var(--sans)}
.variants{margin:4px 0 0;font-size:.9rem;color:#444}.quote>div{font-size:.92rem}
.timeline{list-style:none;padding:0;margin:0}.timeline li{display:grid;grid-template-columns:120px 1fr;gap:12px;
padding:6px 0;border-bottom:1px solid var(--line)}.date{font-weight:600;font-size:.9rem;white-space:nowrap}
.articles{padding-left:1.6em}.articles li{margin:0 0 8px}.articles li:target{background:#fff8c5}
.src{font:600 .92rem var(--sans)}.copy{color:var(--one)}
.unique li{margin:0 0 6px}details.uniq{margin:0 0 8px}details.uniq summary{font-family:var(--sans)}
details.more>summary{font:600 .9rem var(--sans);color:var(--accent);margin:8px 0 14px}
.ents tr.extra{display:none}.ents.all tr.extra{display:table-row}
button.showall{font:inherit;border:1px solid var(--line);background:#fff;border-radius:14px;padding:2px 12px;
cursor:pointer}
a.ev{color:inherit;text-decoration:underline dotted #9aa0a6}a.ev:hover{color:var(--accent)}
footer{margin-top:48px;color:var(--muted);font:.8rem var(--sans)}
@media print{body{font-size:11pt}main{max-width:none;padding:0}.nav,.filters,button.showall{display:none}
a{color:inherit}h2{break-after:avoid}thead th{position:static}tr,li,.position{break-inside:avoid}}
"""

# Filters the matrix by status (shared claims first) and unfolds the entity table. Print shows what
# the screen shows, so a reader can choose what goes on paper (filters, opened claims).
JS = """
function sdFilter(b){document.querySelectorAll('.filters button').forEach(function(x){x.classList.toggle('on',x===b)});
var f=b.getAttribute('data-f');document.querySelectorAll('.matrix tbody tr').forEach(function(r){
r.style.display=(f==='all'||r.classList.contains(f))?'':'none'})}
document.querySelectorAll('.filters button').forEach(function(b){b.addEventListener('click',function(){sdFilter(b)})});
var sdOn=document.querySelector('.filters button.on');if(sdOn){sdFilter(sdOn)}
document.querySelectorAll('button.showall').forEach(function(b){b.addEventListener('click',function(){
document.querySelector('table.'+'ents').classList.add('all');b.remove()})});
"""

# The policy of every page (in a <meta> tag; `serve` also sends it as a header, with frame-ancestors).
# Styles stay inline ('unsafe-inline' for style only); the one script is allowed by its hash.
SCRIPT_HASH = "'sha256-" + base64.b64encode(hashlib.sha256(JS.encode("utf-8")).digest()).decode("ascii") + "'"
CSP = (f"default-src 'none'; style-src 'unsafe-inline'; script-src {SCRIPT_HASH}; img-src data:; "
       "base-uri 'none'; form-action 'self'")

TOP_QUOTES = 12
TOP_ENTITIES = 20


def label(source: str, limit: int = 16) -> str:
    """A column label: outlet names are short; an article id standing in for one is cut."""
    return source if len(source) <= limit else source[: limit - 4] + "…"


def esc(text: Any) -> str:
    return html.escape(str(text if text is not None else ""), quote=True)


def safe_url(url: Any) -> str | None:
    """Only web links become hrefs: a javascript: or data: URL from an input is dropped."""
    u = str(url or "").strip()
    return u if u.lower().startswith(("http://", "https://")) else None


def page(title: str, body: str, script: bool = True) -> str:
    js = f"<script>{JS}</script>" if script else ""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">"
        f"<title>{esc(title)}</title><style>{CSS}</style></head>\n<body><main>\n{body}\n</main>{js}</body></html>\n"
    )


class _Html:
    """One dossier page; ``link`` decides where article references point (web app vs static files)."""

    def __init__(self, doc: dict[str, Any], link: ArticleLink | None) -> None:
        self.doc = doc
        self.r: Refs = refs(doc)
        self.link = link

    def href(self, article: str, start: int | None = None, end: int | None = None) -> str:
        target = self.link(article, start, end) if self.link else None
        return target or f"#art-{self.r.number.get(article, 0)}"

    def cites(self, ids: list[str]) -> str:
        marks = [f'<a href="{esc(self.href(i))}" title="{esc(self.r.source.get(i, i))}">{n}</a>'
                 for n, i in self.r.cite(ids)]
        return f"<sup>[{','.join(marks)}]</sup>" if marks else ""

    def name(self, source: str, short: bool = False) -> str:
        """An outlet's name; an article id standing in for an unknown outlet reads "article N"."""
        if source in self.r.number:
            return f"{'art.' if short else 'article'} {self.r.number[source]}"
        return label(source) if short else source

    def chips(self, ids: list[str]) -> str:
        return "".join(f'<span class="chip" title="{esc(s)}">{esc(self.name(s))}</span>' for s in self.r.outlets(ids))

    def badge(self, status: str) -> str:
        return f'<span class="badge b-{esc(status)}">{esc(STATUS_LABEL.get(status, status))}</span>'

    # ---- sections ------------------------------------------------------------------------------

    def render(self) -> str:
        story = self.doc.get("story", {})
        parts = [self.header(story), self.summary(), self.matrix(), self.conflicts(), self.unique(),
                 self.quotes(), self.entities(), self.timeline(), self.articles(),
                 f'<footer>storydesk dossier {esc(story.get("id", ""))} · every statement links to the '
                 "articles it came from</footer>"]
        return page(story.get("title") or "Story", "\n".join(p for p in parts if p))

    def header(self, story: dict[str, Any]) -> str:
        n_art = story.get("article_count", len(self.doc.get("articles", [])))
        meta = [story_dates(story), f"{n_art} articles", f"{story.get('source_count', 0)} independent sources",
                f"{len(self.doc.get('claims', []))} claims",
                f"{sum(c.get('status') == 'disputed' for c in self.doc.get('claims', []))} disputed",
                f"{len(self.doc.get('conflicts', []))} conflicts"]
        nav = [("summary", "Summary"), ("matrix", "Who carries what"), ("conflicts", "Where they differ"),
               ("unique", "Only one outlet"), ("quotes", "Quotes"), ("entities", "People & places"),
               ("timeline", "Timeline"), ("articles", "Articles")]
        links = "".join(f'<a href="#{k}">{v}</a>' for k, v in nav)
        return (f"<header><h1>{esc(story.get('title') or 'Untitled story')}</h1>"
                f'<p class="meta">{" · ".join(esc(m) for m in meta if m)}</p><nav class="nav">{links}</nav></header>')

    def summary(self) -> str:
        items = []
        for s in self.doc.get("summary", []):
            disputed = s.get("status") == "disputed"
            flag = f" {self.badge('disputed')}" if disputed else ""
            cls = ' class="disputed"' if disputed else ""
            also = s.get("also_reported_by") or []
            more = f' <span class="small">also reported by{self.cites(also)}</span>' if also else ""
            items.append(f"<li{cls}>{esc(s['text'])}{self.cites(s['articles'])}{more}{flag}</li>")
        body = f'<ol class="summary">{"".join(items)}</ol>' if items else '<p class="small">No summary.</p>'
        return f'<section id="summary"><h2>Summary</h2>{body}</section>'

    def matrix(self) -> str:
        claims = claim_order(self.doc)
        if not claims:
            return '<section id="matrix"><h2>Who carries what</h2><p class="small">No claims.</p></section>'
        cols = sources(self.doc)
        head = "".join(f'<th class="m" scope="col" title="{esc(c)}">{esc(self.name(c, short=True))}</th>'
                       for c in cols)
        rows = []
        for c in claims:
            have = claim_sources(c, self.r)
            by_src: dict[str, list[dict[str, Any]]] = {}
            for o in c.get("occurrences", []):
                by_src.setdefault(self.r.source.get(o["article"], o["article"]), []).append(o)
            cells = []
            for s in cols:
                if s in have:
                    tip = " / ".join(short(o["text"], 200) for o in by_src.get(s, []))
                    cells.append(f'<td class="m" title="{esc(tip)}">●</td>')
                else:
                    cells.append('<td class="m no">·</td>')
            occ = "".join(
                f'<p><span class="chip">{esc(self.name(self.r.source.get(o["article"], o["article"])))}</span>'
                f'<a class="ev" href="{esc(self.href(o["article"], o.get("start"), o.get("end")))}">{esc(o["text"])}</a></p>'
                for o in c.get("occurrences", [])
            )
            status = c.get("status", "")
            shared = " shared" if status in ("disputed", "corroborated") else ""
            rows.append(
                f'<tr class="{esc(status)}{shared}"><td class="claim"><details><summary>{esc(c["text"])}</summary>'
                f'<div class="occ">{occ}</div></details></td><td>{self.badge(status)}</td>{"".join(cells)}</tr>'
            )
        n = {k: sum(c.get("status") == k for c in claims) for k in STATUS_LABEL}
        filters = (f'<div class="filters"><button data-f="all">All ({len(claims)})</button>'
                   f'<button data-f="shared" class="on">Shared or disputed ({n["disputed"] + n["corroborated"]})'
                   f'</button><button data-f="disputed">Disputed ({n["disputed"]})</button>'
                   f'<button data-f="single_source">One source ({n["single_source"]})</button></div>')
        width = max(28, 100 - 8 * len(cols))
        return (f'<section id="matrix"><h2>Who carries what</h2><p class="small">Rows are claims, columns are '
                f"outlets; ● marks an outlet that carries the claim. Open a claim to read each outlet's wording.</p>"
                f'{filters}<table class="matrix"><colgroup><col style="width:{width}%"><col style="width:112px">'
                f'{"<col>" * len(cols)}</colgroup><thead><tr><th scope="col">Claim</th><th scope="col">Status</th>'
                f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></section>")

    def conflicts(self) -> str:
        cards = []
        for x in self.doc.get("conflicts", []):
            cols = "".join(
                f'<div class="position"><p class="value{" long" if len(p["value"]) > 60 else ""}">{esc(p["value"])}</p><div>{self.chips(p["articles"])}'
                f'{self.cites(p["articles"])}</div>'
                + "".join(f"<blockquote>{esc(e)}</blockquote>" for e in p.get("evidence", []))
                + "</div>"
                for p in x.get("positions", [])
            )
            possible = (' <span class="badge b-possible" title="not yet measured as reliable">possible conflict</span>'
                        if x.get("certainty") == "possible" else "")
            cards.append(f'<div class="card"><h3>{esc(x["subject"])} <span class="badge b-kind">{esc(x["kind"])}'
                         f'</span>{possible}</h3><div class="positions">{cols}</div></div>')
        shown = {" ".join(e.split()) for x in self.doc.get("conflicts", []) for p in x.get("positions", [])
                 for e in p.get("evidence", [])}
        for c in self.doc.get("claims", []):
            if c.get("status") != "disputed":
                continue
            if all(" ".join(o["text"].split()) in shown for o in c.get("occurrences", [])):
                continue  # already laid out, side by side, under a conflict above
            cols = "".join(
                f'<div class="position"><div>{self.chips([o["article"]])}{self.cites([o["article"]])}</div>'
                f'<blockquote><a class="ev" href="{esc(self.href(o["article"], o.get("start"), o.get("end")))}">'
                f"{esc(o['text'])}</a></blockquote></div>"
                for o in c.get("occurrences", [])
            )
            cards.append(f'<div class="card disputed"><h3>{esc(c["text"])} {self.badge("disputed")}</h3>'
                         f'<div class="positions">{cols}</div></div>')
        body = "".join(cards) or '<p class="small">No conflicting statements found.</p>'
        return f'<section id="conflicts"><h2>Where they differ</h2>{body}</section>'

    def unique(self) -> str:
        unique = {k: v for k, v in (self.doc.get("unique") or {}).items() if v}
        if not unique:
            return ""
        claims = {c["id"]: c for c in self.doc.get("claims", [])}
        blocks = []
        for src in sorted(unique, key=lambda x: (self.r.number.get(x, 0), x.lower())):
            items = "".join(
                f"<li>{esc(claims[cid]['text'])}{self.cites([o['article'] for o in claims[cid]['occurrences']])}</li>"
                for cid in unique[src] if cid in claims
            )
            count = len([c for c in unique[src] if c in claims])
            opened = " open" if count <= 5 else ""
            blocks.append(f'<details class="uniq"{opened}><summary><b>{esc(self.name(src))}</b> <span class="small">'
                          f'{count} claim{"s" if count != 1 else ""}</span></summary><ul class="unique">{items}</ul>'
                          "</details>")
        return f'<section id="unique"><h2>What only one outlet reports</h2>{"".join(blocks)}</section>'

    def quotes(self) -> str:
        qs = self.doc.get("quotes", [])
        if not qs:
            return ""
        order = sorted(qs, key=lambda q: (-len(self.r.outlets([o["article"] for o in q["occurrences"]])),
                                          -len(q.get("variants", [])), qs.index(q)))
        out = []
        for n, q in enumerate(order):
            if n == TOP_QUOTES:
                out.append(f'<details class="more"><summary>{len(order) - TOP_QUOTES} more quotes</summary>')
            ids = [o["article"] for o in q.get("occurrences", [])]
            variants = " · ".join(f"“{esc(v)}”" for v in q.get("variants", []))
            variants = f'<p class="variants"><span class="small">Also worded:</span> {variants}</p>' if variants else ""
            out.append(f'<div class="quote"><span class="who">{esc(q.get("speaker_name") or "Unattributed")}</span>'
                       f"<blockquote>“{esc(q['text'])}”</blockquote><div>Carried by {self.chips(ids)}"
                       f"{self.cites(ids)}</div>{variants}</div>")
        if len(order) > TOP_QUOTES:
            out.append("</details>")
        return (f'<section id="quotes"><h2>Quotes</h2><p class="small">{len(order)} quotations, the most widely '
                f'carried first.</p>{"".join(out)}</section>')

    def entities(self) -> str:
        ents = self.doc.get("entities", [])
        if not ents:
            return ""
        ents = sorted(ents, key=lambda e: (-len(e.get("articles", [])), -e.get("mentions", 0), e["name"].lower()))
        rows = []
        for n, e in enumerate(ents):
            hidden = ' class="extra"' if n >= TOP_ENTITIES else ""
            roles = "<br>".join(f"{esc(ro['text'])}{self.cites(ro['articles'])}" for ro in e.get("roles", []))
            rows.append(f"<tr{hidden}><td><b>{esc(e['name'])}</b></td><td>{esc(e['type'])}</td>"
                        f"<td>{esc(', '.join(e.get('variants', [])))}</td><td>{roles}</td>"
                        f"<td>{len(e.get('articles', []))}</td></tr>")
        more = (f'<p class="small"><button class="showall" data-t="entities">Show all {len(ents)}</button></p>'
                if len(ents) > TOP_ENTITIES else "")
        return ('<section id="entities"><h2>People, places and organisations</h2><table class="ents"><thead><tr>'
                '<th scope="col">Name</th><th scope="col">Type</th><th scope="col">Written as</th>'
                '<th scope="col">Roles given</th><th scope="col">Articles</th></tr></thead>'
                f"<tbody>{''.join(rows)}</tbody></table>{more}</section>")

    def timeline(self) -> str:
        events = self.doc.get("timeline", [])
        if not events:
            return ""
        items = "".join(f'<li><span class="date">{esc(e["date"])}</span><span>{esc(e["event"])}'
                        f"{self.cites(e['articles'])}</span></li>" for e in events)
        return f'<section id="timeline"><h2>Timeline</h2><ol class="timeline">{items}</ol></section>'

    def articles(self) -> str:
        items = []
        for n, a in enumerate(self.doc.get("articles", []), 1):
            title = esc(a.get("title") or a["id"])
            target = self.link(a["id"], None, None) if self.link else safe_url(a.get("url"))
            if target:
                title = f'<a href="{esc(target)}">{title}</a>'
            copy = (f' · <span class="copy">copy of {esc(self.r.source.get(a["copy_of"], a["copy_of"]))}</span>'
                    if a.get("copy_of") else "")
            words = f" · {a['words']} words" if a.get("words") else ""
            items.append(f'<li id="art-{n}"><span class="src">{esc(a.get("source"))}</span> — {title}'
                         f'<div class="small">{esc((a.get("published") or "undated")[:16].replace("T", " "))}{words}{copy} · '
                         f"<code>{esc(a['id'])}</code></div></li>")
        return f'<section id="articles"><h2>Articles</h2><ol class="articles">{"".join(items)}</ol></section>'


def render_html(doc: dict[str, Any], link: ArticleLink | None = None) -> str:
    return _Html(doc, link).render()
