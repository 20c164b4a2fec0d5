"""Report stage: a dossier as Markdown, for notes, tickets and chat."""

from __future__ import annotations

import html
from typing import Any

from ..models import Dossier, StoryHead
from ..text import fold_space
from .common import STATUS_LABEL, Refs, claim_order, claim_sources, refs, sources, story_dates


def _t(text: Any) -> str:
    """Article text is untrusted: neutralise raw HTML (Markdown passes it through) and line breaks."""
    return html.escape(fold_space(str(text or "")), quote=False)


def _cell(text: Any) -> str:
    return _t(text).replace("|", "\\|")


def _cites(ids: list[str], r: Refs) -> str:
    return "".join(f"[{n}]" for n, _ in r.cite(ids))


def render_md(doc: Dossier) -> str:
    r = refs(doc)
    out: list[str] = [f"# {_t(doc.story.title)}", ""]
    out += [_meta(doc.story), ""]
    out += _summary(doc, r) + _matrix(doc, r) + _conflicts(doc, r) + _unique(doc, r) + _quotes(doc, r)
    out += _entities(doc, r) + _timeline(doc, r) + _articles(doc)
    return "\n".join(out).rstrip() + "\n"


def _meta(story: StoryHead) -> str:
    meta = [
        story_dates(story),
        f"{story.article_count} articles",
        f"{story.source_count} independent sources",
        f"story `{story.id}`",
    ]
    return " · ".join(m for m in meta if m)


def _summary(doc: Dossier, r: Refs) -> list[str]:
    out = ["## Summary", ""]
    for sentence in doc.summary:
        flag = " **(disputed)**" if sentence.status == "disputed" else ""
        also = sentence.also_reported_by
        more = f" (also reported by {_cites(also, r)})" if also else ""
        out.append(f"- {_t(sentence.text)} {_cites(sentence.articles, r)}{more}{flag}")
    return out + [""] if doc.summary else out + ["_No summary._", ""]


def _name(source: str, r: Refs) -> str:
    """An outlet's name; an article id standing in for an unknown outlet reads "article N"."""
    return f"article {r.number[source]}" if source in r.number else source


def _matrix(doc: Dossier, r: Refs) -> list[str]:
    every = claim_order(doc)
    claims = [c for c in every if c.status != "single_source"]
    if not every:
        return []
    cols = sources(doc)
    single = len(every) - len(claims)
    note = [
        f"_{single} claims carried by one outlet only are listed under “What only one outlet reports”._",
        "",
    ]
    out = [
        "## Who carries what",
        "",
        *(note if single else []),
        "| Claim | Status | " + " | ".join(_cell(_name(c, r)) for c in cols) + " |",
        "|---|---|" + "---|" * len(cols),
    ]
    for c in claims:
        have = claim_sources(c, r)
        status = STATUS_LABEL.get(c.status, c.status)
        if c.status == "disputed":
            status = f"**{status}**"
        marks = " | ".join("●" if s in have else "" for s in cols)
        out.append(f"| {_cell(c.text)} | {status} | {marks} |")
    return out + [""]


def _conflicts(doc: Dossier, r: Refs) -> list[str]:
    disputed = [c for c in doc.claims if c.status == "disputed"]
    if not doc.conflicts and not disputed:
        return []
    out = ["## Where they differ", ""]
    for conflict in doc.conflicts:
        possible = ", possible conflict" if conflict.certainty == "possible" else ""
        out += [f"### {_t(conflict.subject)} ({_t(conflict.kind)}{possible})", ""]
        for position in conflict.positions:
            outlets = ", ".join(_name(o, r) for o in r.outlets(position.articles))
            out.append(f"- **{_t(position.value)}** — {_t(outlets)} {_cites(position.articles, r)}")
            out += [f"  > {_t(sentence)}" for sentence in position.evidence]
        out.append("")
    for claim in disputed:
        out += [f"### Disputed: {_t(claim.text)}", ""]
        for occ in claim.occurrences:
            src = _name(r.source.get(occ.article, occ.article), r)
            out.append(f"- {_t(src)} {_cites([occ.article], r)}: “{_t(occ.text)}”")
        out.append("")
    return out


def _unique(doc: Dossier, r: Refs) -> list[str]:
    unique = {k: v for k, v in doc.unique.items() if v}
    if not unique:
        return []
    text = {c.id: c for c in doc.claims}
    out = ["## What only one outlet reports", ""]
    for src in sorted(unique, key=lambda x: (r.number.get(x, 0), x.lower())):
        out.append(f"- **{_t(_name(src, r))}**")
        for cid in unique[src]:
            c = text.get(cid)
            if c:
                out.append(f"  - {_t(c.text)} {_cites([o.article for o in c.occurrences], r)}")
    return out + [""]


def _quotes(doc: Dossier, r: Refs) -> list[str]:
    if not doc.quotes:
        return []
    out = ["## Quotes", ""]
    for quote in doc.quotes:
        ids = [o.article for o in quote.occurrences]
        who = _t(quote.speaker_name or "unattributed")
        outlets = ", ".join(_name(o, r) for o in r.outlets(ids))
        out.append(f"- **{who}**: “{_t(quote.text)}” — carried by {_t(outlets)} {_cites(ids, r)}")
        out += [f"  - also worded: “{_t(v)}”" for v in quote.variants]
    return out + [""]


def _entities(doc: Dossier, r: Refs) -> list[str]:
    if not doc.entities:
        return []
    out = [
        "## People, places and organisations",
        "",
        "| Name | Type | Written as | Roles | Articles |",
        "|---|---|---|---|---|",
    ]
    for entity in doc.entities:
        roles = "; ".join(f"{role.text} {_cites(role.articles, r)}" for role in entity.roles)
        out.append(
            f"| {_cell(entity.name)} | {_cell(entity.type)} | {_cell(', '.join(entity.variants))} | "
            f"{_cell(roles)} | {len(entity.articles)} |"
        )
    return out + [""]


def _timeline(doc: Dossier, r: Refs) -> list[str]:
    if not doc.timeline:
        return []
    out = ["## Timeline", ""]
    out += [f"- **{_t(e.date)}** {_t(e.event)} {_cites(e.articles, r)}" for e in doc.timeline]
    return out + [""]


def _articles(doc: Dossier) -> list[str]:
    out = ["## Articles", ""]
    for number, article in enumerate(doc.articles, 1):
        title = _t(article.title or article.id)
        url = article.url
        if url and str(url).startswith(("http://", "https://")):
            title = f"[{title}](<{_t(url).replace('>', '%3E')}>)"
        bits = [f"{number}. **{_t(article.source)}** — {title}", _t((article.published or "")[:10])]
        if article.copy_of:
            bits.append(f"copy of `{_t(article.copy_of)}`")
        bits.append(f"`{_t(article.id)}`")
        out.append(" · ".join(b for b in bits if b))
    return out + [""]
