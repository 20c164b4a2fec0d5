"""Report stage: a dossier as Markdown, for notes, tickets and chat."""

from __future__ import annotations

import html
from typing import Any

from ..text import fold_space
from .common import STATUS_LABEL, Refs, claim_order, claim_sources, refs, sources, story_dates


def _t(text: Any) -> str:
    """Article text is untrusted: neutralise raw HTML (Markdown passes it through) and line breaks."""
    return html.escape(fold_space(str(text or "")), quote=False)


def _cell(text: Any) -> str:
    return _t(text).replace("|", "\\|")


def _cites(ids: list[str], r: Refs) -> str:
    return "".join(f"[{n}]" for n, _ in r.cite(ids))


def render_md(doc: dict[str, Any]) -> str:
    r = refs(doc)
    story = doc.get("story", {})
    out: list[str] = [f"# {_t(story.get('title'))}", ""]
    meta = [
        story_dates(story),
        f"{story.get('article_count', len(doc.get('articles', [])))} articles",
        f"{story.get('source_count', 0)} independent sources",
        f"story `{story.get('id', '')}`",
    ]
    out += [" · ".join(m for m in meta if m), ""]
    out += _summary(doc, r) + _matrix(doc, r) + _conflicts(doc, r) + _unique(doc, r) + _quotes(doc, r)
    out += _entities(doc, r) + _timeline(doc, r) + _articles(doc)
    return "\n".join(out).rstrip() + "\n"


def _summary(doc: dict[str, Any], r: Refs) -> list[str]:
    out = ["## Summary", ""]
    for s in doc.get("summary", []):
        flag = " **(disputed)**" if s.get("status") == "disputed" else ""
        also = s.get("also_reported_by") or []
        more = f" (also reported by {_cites(also, r)})" if also else ""
        out.append(f"- {_t(s['text'])} {_cites(s['articles'], r)}{more}{flag}")
    return out + [""] if doc.get("summary") else out + ["_No summary._", ""]


def _name(source: str, r: Refs) -> str:
    """An outlet's name; an article id standing in for an unknown outlet reads "article N"."""
    return f"article {r.number[source]}" if source in r.number else source


def _matrix(doc: dict[str, Any], r: Refs) -> list[str]:
    every = claim_order(doc)
    claims = [c for c in every if c.get("status") != "single_source"]
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
        status = STATUS_LABEL.get(c.get("status", ""), c.get("status", ""))
        if c.get("status") == "disputed":
            status = f"**{status}**"
        marks = " | ".join("●" if s in have else "" for s in cols)
        out.append(f"| {_cell(c['text'])} | {status} | {marks} |")
    return out + [""]


def _conflicts(doc: dict[str, Any], r: Refs) -> list[str]:
    conflicts = doc.get("conflicts", [])
    disputed = [c for c in doc.get("claims", []) if c.get("status") == "disputed"]
    if not conflicts and not disputed:
        return []
    out = ["## Where they differ", ""]
    for x in conflicts:
        possible = ", possible conflict" if x.get("certainty") == "possible" else ""
        out += [f"### {_t(x['subject'])} ({_t(x['kind'])}{possible})", ""]
        for p in x["positions"]:
            out.append(
                f"- **{_t(p['value'])}** — {_t(', '.join(_name(o, r) for o in r.outlets(p['articles'])))} {_cites(p['articles'], r)}"
            )
            out += [f"  > {_t(e)}" for e in p.get("evidence", [])]
        out.append("")
    for c in disputed:
        out += [f"### Disputed: {_t(c['text'])}", ""]
        for o in c["occurrences"]:
            src = _name(r.source.get(o["article"], o["article"]), r)
            out.append(f"- {_t(src)} {_cites([o['article']], r)}: “{_t(o['text'])}”")
        out.append("")
    return out


def _unique(doc: dict[str, Any], r: Refs) -> list[str]:
    unique = {k: v for k, v in (doc.get("unique") or {}).items() if v}
    if not unique:
        return []
    text = {c["id"]: c for c in doc.get("claims", [])}
    out = ["## What only one outlet reports", ""]
    for src in sorted(unique, key=lambda x: (r.number.get(x, 0), x.lower())):
        out.append(f"- **{_t(_name(src, r))}**")
        for cid in unique[src]:
            c = text.get(cid)
            if c:
                out.append(f"  - {_t(c['text'])} {_cites([o['article'] for o in c['occurrences']], r)}")
    return out + [""]


def _quotes(doc: dict[str, Any], r: Refs) -> list[str]:
    quotes = doc.get("quotes", [])
    if not quotes:
        return []
    out = ["## Quotes", ""]
    for q in quotes:
        ids = [o["article"] for o in q["occurrences"]]
        who = _t(q.get("speaker_name") or "unattributed")
        out.append(
            f"- **{who}**: “{_t(q['text'])}” — carried by {_t(', '.join(_name(o, r) for o in r.outlets(ids)))} {_cites(ids, r)}"
        )
        out += [f"  - also worded: “{_t(v)}”" for v in q.get("variants", [])]
    return out + [""]


def _entities(doc: dict[str, Any], r: Refs) -> list[str]:
    ents = doc.get("entities", [])
    if not ents:
        return []
    out = [
        "## People, places and organisations",
        "",
        "| Name | Type | Written as | Roles | Articles |",
        "|---|---|---|---|---|",
    ]
    for e in ents:
        roles = "; ".join(f"{ro['text']} {_cites(ro['articles'], r)}" for ro in e.get("roles", []))
        out.append(
            f"| {_cell(e['name'])} | {_cell(e['type'])} | {_cell(', '.join(e.get('variants', [])))} | "
            f"{_cell(roles)} | {len(e.get('articles', []))} |"
        )
    return out + [""]


def _timeline(doc: dict[str, Any], r: Refs) -> list[str]:
    events = doc.get("timeline", [])
    if not events:
        return []
    out = ["## Timeline", ""]
    out += [f"- **{_t(e['date'])}** {_t(e['event'])} {_cites(e['articles'], r)}" for e in events]
    return out + [""]


def _articles(doc: dict[str, Any]) -> list[str]:
    out = ["## Articles", ""]
    for n, a in enumerate(doc.get("articles", []), 1):
        title = _t(a.get("title") or a["id"])
        url = a.get("url")
        if url and str(url).startswith(("http://", "https://")):
            title = f"[{title}](<{_t(url).replace('>', '%3E')}>)"
        bits = [f"{n}. **{_t(a['source'])}** — {title}", _t((a.get("published") or "")[:10])]
        if a.get("copy_of"):
            bits.append(f"copy of `{_t(a['copy_of'])}`")
        bits.append(f"`{_t(a['id'])}`")
        out.append(" · ".join(b for b in bits if b))
    return out + [""]
