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
        "removed": [asdict(removal) for removal in art.removed],
    }
    if with_analysis:
        analysis = store.load_analysis(article_id)
        state = store.analysis_state([article_id]).get(article_id)
        out["analysis"] = {
            "version": state[1] if state else None,
            "stale": state is not None
            and state[0] != art.content_hash,  # analysed text differs from stored text
            **{part: [asdict(item) for item in getattr(analysis, part)] for part in _ANALYSIS_PARTS},
        }
    return out


def _line(label: str, value: object) -> str | None:
    if value in (None, "", []):
        return None
    if isinstance(value, list):
        value = ", ".join(str(item) for item in value)
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
    parts = ["\n".join(line for line in head if line), payload["text"]]
    removed = payload.get("removed") or []
    if removed:
        lines = [f"Removed by cleaning ({len(removed)}):"]
        for removal in removed:
            text = removal["text"] if len(removal["text"]) <= 160 else removal["text"][:157] + "..."
            lines.append(f"  [{removal['kind']}] {text}\n      why: {removal['reason']}")
        parts.append("\n".join(lines))
    else:
        parts.append("Removed by cleaning: nothing.")
    analysis = payload.get("analysis")
    if analysis is not None:
        parts.append(_analysis_text(analysis))
    return "\n\n".join(parts)


def _analysis_text(analysis: dict[str, Any]) -> str:
    counts = ", ".join(f"{len(analysis[part])} {part}" for part in _ANALYSIS_PARTS)
    lines = [f"Analysis ({analysis.get('version') or 'not analysed yet'}): {counts}"]
    if analysis.get("stale"):
        lines.append(
            "  (the analysis is of an older version of this text; run `storydesk stories` to refresh)"
        )
    for mention in analysis["mentions"]:
        lines.append(f"  entity    {mention['text']} [{mention['label']}] @{mention['start']}")
    for role in analysis["roles"]:
        lines.append(f"  role      {role['person']}: {role['text']}")
    for quote in analysis["quotes"]:
        who = quote.get("speaker") or quote.get("speaker_text") or "?"
        lines.append(f"  quote     {who} ({quote['kind']}): {quote['text'][:120]}")
    for quantity in analysis["quantities"]:
        lines.append(
            (
                f"  number    {quantity['text']} -> {quantity.get('value')} "
                f"{quantity.get('unit') or ''} {quantity.get('noun') or ''}"
            ).rstrip()
        )
    for statement in analysis["statements"]:
        lines.append(
            f"  statement [{statement['stance']}] {statement.get('holder') or '-'}: {statement['text'][:120]}"
        )
    for date in analysis["dates"]:
        lines.append(f"  date      {date['text']} -> {date.get('resolved') or '?'}")
    return "\n".join(lines)
