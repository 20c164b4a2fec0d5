"""Report stage, one article: metadata, clean text, what cleaning removed, and optionally its analysis."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ..store import Store

_ANALYSIS_PARTS = ("sentences", "mentions", "roles", "quotes", "quantities", "statements", "dates")


def article_payload(store: Store, article_id: str, with_analysis: bool = False) -> dict[str, Any]:
    """Everything stored about one article as plain JSON-ready data (raises NotFoundError)."""
    art = store.get_article(article_id)
    out: dict[str, Any] = {
        "id": art.id,
        "source": art.source,
        "title": art.title,
        "published": art.published,
        "url": art.url,
        "authors": art.authors,
        "language": art.language,
        "path": art.path,
        "format": art.format,
        "words": art.words,
        "content_hash": art.content_hash,
        "copy_of": art.copy_of,
        "brief": art.brief,
        "text": art.text,
        "removed": [asdict(r) for r in art.removed],
    }
    if with_analysis:
        analysis = store.load_analysis(article_id)
        state = store.analysis_state([article_id]).get(article_id)
        out["analysis"] = {
            "version": state[1] if state else None,
            "stale": state is not None
            and state[0] != art.content_hash,  # analysed text differs from stored text
            **{part: [asdict(x) for x in getattr(analysis, part)] for part in _ANALYSIS_PARTS},
        }
    return out


def _line(label: str, value: object) -> str | None:
    if value in (None, "", []):
        return None
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    return f"{label:<10} {value}"


def article_as_text(payload: dict[str, Any]) -> str:
    """The payload for people: a header, the clean text, the removals, then the analysis if present."""
    head = [
        _line("id", payload["id"]),
        _line("title", payload.get("title")),
        _line("source", payload.get("source")),
        _line("published", payload.get("published")),
        _line("authors", payload.get("authors")),
        _line("url", payload.get("url")),
        _line("language", payload.get("language")),
        _line("read from", payload.get("path")),
        _line("words", payload.get("words")),
        _line("brief", "yes: a short item, kept whole" if payload.get("brief") else None),
        _line("copy of", payload.get("copy_of")),
    ]
    parts = ["\n".join(x for x in head if x), payload["text"]]
    removed = payload.get("removed") or []
    if removed:
        lines = [f"Removed by cleaning ({len(removed)}):"]
        for r in removed:
            text = r["text"] if len(r["text"]) <= 160 else r["text"][:157] + "..."
            lines.append(f"  [{r['kind']}] {text}\n      why: {r['reason']}")
        parts.append("\n".join(lines))
    else:
        parts.append("Removed by cleaning: nothing.")
    analysis = payload.get("analysis")
    if analysis is not None:
        parts.append(_analysis_text(analysis))
    return "\n\n".join(parts)


def _analysis_text(a: dict[str, Any]) -> str:
    counts = ", ".join(f"{len(a[p])} {p}" for p in _ANALYSIS_PARTS)
    lines = [f"Analysis ({a.get('version') or 'not analysed yet'}): {counts}"]
    if a.get("stale"):
        lines.append(
            "  (the analysis is of an older version of this text; run `storydesk stories` to refresh)"
        )
    for m in a["mentions"]:
        lines.append(f"  entity    {m['text']} [{m['label']}] @{m['start']}")
    for r in a["roles"]:
        lines.append(f"  role      {r['person']}: {r['text']}")
    for q in a["quotes"]:
        who = q.get("speaker") or q.get("speaker_text") or "?"
        lines.append(f"  quote     {who} ({q['kind']}): {q['text'][:120]}")
    for q in a["quantities"]:
        lines.append(
            f"  number    {q['text']} -> {q.get('value')} {q.get('unit') or ''} {q.get('noun') or ''}".rstrip()
        )
    for s in a["statements"]:
        lines.append(f"  statement [{s['stance']}] {s.get('holder') or '-'}: {s['text'][:120]}")
    for d in a["dates"]:
        lines.append(f"  date      {d['text']} -> {d.get('resolved') or '?'}")
    return "\n".join(lines)
