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


def _cites(ids: list[str], numbering: Refs) -> str:
    return "".join(f"[{number}]" for number, _ in numbering.cite(ids))


def render_md(doc: Dossier) -> str:
    numbering = refs(doc)
    out: list[str] = [f"# {_t(doc.story.title)}", ""]
    out += [_meta(doc.story), ""]
    out += (
        _summary(doc, numbering)
        + _matrix(doc, numbering)
        + _conflicts(doc, numbering)
        + _unique(doc, numbering)
        + _quotes(doc, numbering)
    )
    out += _entities(doc, numbering) + _timeline(doc, numbering) + _articles(doc)
    return "\n".join(out).rstrip() + "\n"


def _meta(story: StoryHead) -> str:
    meta = [
        story_dates(story),
        f"{story.article_count} articles",
        f"{story.source_count} independent sources",
        f"story `{story.id}`",
    ]
    return " · ".join(part for part in meta if part)


def _summary(doc: Dossier, numbering: Refs) -> list[str]:
    out = ["## Summary", ""]
    for sentence in doc.summary:
        flag = " **(disputed)**" if sentence.status == "disputed" else ""
        also = sentence.also_reported_by
        more = f" (also reported by {_cites(also, numbering)})" if also else ""
        out.append(f"- {_t(sentence.text)} {_cites(sentence.articles, numbering)}{more}{flag}")
    return out + [""] if doc.summary else out + ["_No summary._", ""]


def _name(source: str, numbering: Refs) -> str:
    """An outlet's name; an article id standing in for an unknown outlet reads "article N"."""
    return f"article {numbering.number[source]}" if source in numbering.number else source


def _matrix(doc: Dossier, numbering: Refs) -> list[str]:
    every = claim_order(doc)
    claims = [claim for claim in every if claim.status != "single_source"]
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
        "| Claim | Status | " + " | ".join(_cell(_name(source, numbering)) for source in cols) + " |",
        "|---|---|" + "---|" * len(cols),
    ]
    for claim in claims:
        have = claim_sources(claim, numbering)
        status = STATUS_LABEL.get(claim.status, claim.status)
        if claim.status == "disputed":
            status = f"**{status}**"
        marks = " | ".join("●" if source in have else "" for source in cols)
        out.append(f"| {_cell(claim.text)} | {status} | {marks} |")
    return out + [""]


def _conflicts(doc: Dossier, numbering: Refs) -> list[str]:
    disputed = [claim for claim in doc.claims if claim.status == "disputed"]
    if not doc.conflicts and not disputed:
        return []
    out = ["## Where they differ", ""]
    for conflict in doc.conflicts:
        possible = ", possible conflict" if conflict.certainty == "possible" else ""
        out += [f"### {_t(conflict.subject)} ({_t(conflict.kind)}{possible})", ""]
        for position in conflict.positions:
            outlets = ", ".join(_name(outlet, numbering) for outlet in numbering.outlets(position.articles))
            out.append(f"- **{_t(position.value)}** — {_t(outlets)} {_cites(position.articles, numbering)}")
            out += [f"  > {_t(sentence)}" for sentence in position.evidence]
        out.append("")
    for claim in disputed:
        out += [f"### Disputed: {_t(claim.text)}", ""]
        for occ in claim.occurrences:
            src = _name(numbering.source.get(occ.article, occ.article), numbering)
            out.append(f"- {_t(src)} {_cites([occ.article], numbering)}: “{_t(occ.text)}”")
        out.append("")
    return out


def _unique(doc: Dossier, numbering: Refs) -> list[str]:
    unique = {source: claim_ids for source, claim_ids in doc.unique.items() if claim_ids}
    if not unique:
        return []
    text = {claim.id: claim for claim in doc.claims}
    out = ["## What only one outlet reports", ""]
    for src in sorted(unique, key=lambda source: (numbering.number.get(source, 0), source.lower())):
        out.append(f"- **{_t(_name(src, numbering))}**")
        for cid in unique[src]:
            claim = text.get(cid)
            if claim:
                out.append(
                    f"  - {_t(claim.text)} {_cites([occ.article for occ in claim.occurrences], numbering)}"
                )
    return out + [""]


def _quotes(doc: Dossier, numbering: Refs) -> list[str]:
    if not doc.quotes:
        return []
    out = ["## Quotes", ""]
    for quote in doc.quotes:
        ids = [occ.article for occ in quote.occurrences]
        who = _t(quote.speaker_name or "unattributed")
        outlets = ", ".join(_name(outlet, numbering) for outlet in numbering.outlets(ids))
        out.append(f"- **{who}**: “{_t(quote.text)}” — carried by {_t(outlets)} {_cites(ids, numbering)}")
        out += [f"  - also worded: “{_t(variant)}”" for variant in quote.variants]
    return out + [""]


def _entities(doc: Dossier, numbering: Refs) -> list[str]:
    if not doc.entities:
        return []
    out = [
        "## People, places and organisations",
        "",
        "| Name | Type | Written as | Roles | Articles |",
        "|---|---|---|---|---|",
    ]
    for entity in doc.entities:
        roles = "; ".join(f"{role.text} {_cites(role.articles, numbering)}" for role in entity.roles)
        out.append(
            f"| {_cell(entity.name)} | {_cell(entity.type)} | {_cell(', '.join(entity.variants))} | "
            f"{_cell(roles)} | {len(entity.articles)} |"
        )
    return out + [""]


def _timeline(doc: Dossier, numbering: Refs) -> list[str]:
    if not doc.timeline:
        return []
    out = ["## Timeline", ""]
    out += [
        f"- **{_t(entry.date)}** {_t(entry.event)} {_cites(entry.articles, numbering)}"
        for entry in doc.timeline
    ]
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
        out.append(" · ".join(bit for bit in bits if bit))
    return out + [""]
