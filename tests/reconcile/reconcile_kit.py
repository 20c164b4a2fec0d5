"""Helpers for the reconcile tests: articles built from real seed sentences, spans found by text."""

from __future__ import annotations

import json
import re
from functools import lru_cache

import jsonschema

from conftest import SCHEMA
from storydesk.models import Analysis, Article, DateRef, Mention, Quantity, Quote, Role, Sentence, Statement
from storydesk.text import fold_text


@lru_cache(maxsize=1)
def schema() -> dict:
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


def validate(dossier: dict) -> None:
    jsonschema.validate(dossier, schema())


def article(
    aid: str,
    sentences: list[str],
    source: str | None = None,
    published: str = "2025-12-02",
    copy_of: str | None = None,
) -> tuple[Article, Analysis]:
    """An article whose text is the sentences joined by blank lines, with its sentence spans."""
    text = "\n\n".join(sentences)
    art = Article(
        id=aid,
        text=text,
        source=source or aid,
        published=published,
        content_hash=f"h-{aid}-{len(text)}",
        copy_of=copy_of,
        words=len(text.split()),
    )
    an = Analysis(article_id=aid)
    pos = 0
    for i, s in enumerate(sentences):
        start = text.index(s, pos)
        an.sentences.append(Sentence(aid, start, start + len(s), s, index=i, paragraph=i))
        pos = start + len(s)
    return art, an


def span(art: Article, needle: str, nth: int = 0) -> tuple[int, int]:
    starts = [m.start() for m in re.finditer(re.escape(needle), art.text)]
    start = starts[nth]
    return start, start + len(needle)


def sentence_of(an: Analysis, start: int) -> int:
    return next(s.index for s in an.sentences if s.start <= start < s.end)


def mention(art: Article, an: Analysis, text: str, label: str = "PERSON", nth: int = 0) -> Mention:
    s, e = span(art, text, nth)
    m = Mention(art.id, s, e, text, label=label, sentence=sentence_of(an, s))
    an.mentions.append(m)
    return m


def mentions(art: Article, an: Analysis, label: str, *texts: str) -> None:
    """Every occurrence of each name (longest first, so a surname inside a full name is not doubled)."""
    taken: list[tuple[int, int]] = []
    for t in sorted(texts, key=len, reverse=True):
        for m in re.finditer(r"(?<!\w)" + re.escape(t) + r"(?!\w)", art.text):
            if any(m.start() < e and m.end() > s for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            an.mentions.append(
                Mention(art.id, m.start(), m.end(), t, label=label, sentence=sentence_of(an, m.start()))
            )


def quote(art: Article, an: Analysis, text: str, speaker: str | None, kind: str = "direct") -> Quote:
    s, e = span(art, text)
    q = Quote(
        art.id, s, e, text, kind=kind, speaker=speaker, speaker_text=speaker, sentence=sentence_of(an, s)
    )
    if speaker:
        ss, se = next(
            ((m.start, m.end) for m in an.mentions if m.text == speaker and m.article_id == art.id),
            (None, None),
        )
        q.speaker_start, q.speaker_end = ss, se
    an.quotes.append(q)
    return q


def quantity(
    art: Article,
    an: Analysis,
    text: str,
    value: float,
    unit: str | None = None,
    noun: str | None = None,
    approx: str | None = None,
    ordinal: bool = False,
) -> Quantity:
    s, e = span(art, text)
    q = Quantity(
        art.id,
        s,
        e,
        text,
        value=value,
        unit=unit,
        noun=noun,
        approx=approx,
        ordinal=ordinal,
        sentence=sentence_of(an, s),
    )
    an.quantities.append(q)
    return q


def role(art: Article, an: Analysis, text: str, person: str) -> Role:
    s, e = span(art, text)
    ps, pe = span(art, person)
    r = Role(art.id, s, e, text, person=person, person_start=ps, person_end=pe)
    an.roles.append(r)
    return r


def date(art: Article, an: Analysis, text: str, resolved: str) -> DateRef:
    s, e = span(art, text)
    d = DateRef(art.id, s, e, text, resolved=resolved, granularity="day", sentence=sentence_of(an, s))
    an.dates.append(d)
    return d


def statements(an: Analysis, stance_of: dict[str, tuple[str, str | None]] | None = None) -> None:
    """One statement per sentence; ``stance_of`` maps a sentence prefix to (stance, holder)."""
    for s in an.sentences:
        stance, holder = next(
            (v for k, v in (stance_of or {}).items() if s.text.startswith(k)), ("assert", None)
        )
        an.statements.append(
            Statement(s.article_id, s.start, s.end, s.text, sentence=s.index, stance=stance, holder=holder)
        )


# ---- grounding ----------------------------------------------------------------------------------


def assert_grounded(dossier: dict, articles: dict[str, str]) -> None:
    """Every occurrence and summary sentence stands in its article; offsets slice exactly that text."""
    folded = {aid: fold_text(t) for aid, t in articles.items()}
    items: list[tuple[str, dict]] = []
    for q in dossier["quotes"]:
        items += [("quote", o) for o in q["occurrences"]]
    for c in dossier["claims"]:
        items += [("claim", o) for o in c["occurrences"]]
    for kind, occ in items:
        text = articles[occ["article"]]
        assert fold_text(occ["text"]) in folded[occ["article"]], (kind, occ)
        if "start" in occ:
            assert text[occ["start"] : occ["end"]] == occ["text"], (kind, occ)
    for s in dossier["summary"]:
        assert any(fold_text(s["text"]) in folded[a] for a in s["articles"]), s
    for c in dossier["conflicts"]:
        for p in c["positions"]:
            for ev in p.get("evidence", []):
                assert any(fold_text(ev) in folded[a] for a in p["articles"]), (c["kind"], ev)
    for t in dossier["timeline"]:
        assert any(fold_text(t["event"]) in folded[a] for a in t["articles"]), t
