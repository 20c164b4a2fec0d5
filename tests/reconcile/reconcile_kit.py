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
    for i, sentence in enumerate(sentences):
        start = text.index(sentence, pos)
        an.sentences.append(Sentence(aid, start, start + len(sentence), sentence, index=i, paragraph=i))
        pos = start + len(sentence)
    return art, an


def span(art: Article, needle: str, nth: int = 0) -> tuple[int, int]:
    starts = [match.start() for match in re.finditer(re.escape(needle), art.text)]
    start = starts[nth]
    return start, start + len(needle)


def sentence_of(an: Analysis, start: int) -> int:
    return next(sentence.index for sentence in an.sentences if sentence.start <= start < sentence.end)


def mention(art: Article, an: Analysis, text: str, label: str = "PERSON", nth: int = 0) -> Mention:
    start, end = span(art, text, nth)
    found = Mention(art.id, start, end, text, label=label, sentence=sentence_of(an, start))
    an.mentions.append(found)
    return found


def mentions(art: Article, an: Analysis, label: str, *texts: str) -> None:
    """Every occurrence of each name (longest first, so a surname inside a full name is not doubled)."""
    taken: list[tuple[int, int]] = []
    for name in sorted(texts, key=len, reverse=True):
        for match in re.finditer(r"(?<!\w)" + re.escape(name) + r"(?!\w)", art.text):
            if any(match.start() < end and match.end() > start for start, end in taken):
                continue
            taken.append((match.start(), match.end()))
            an.mentions.append(
                Mention(
                    art.id,
                    match.start(),
                    match.end(),
                    name,
                    label=label,
                    sentence=sentence_of(an, match.start()),
                )
            )


def quote(art: Article, an: Analysis, text: str, speaker: str | None, kind: str = "direct") -> Quote:
    start, end = span(art, text)
    found = Quote(
        art.id,
        start,
        end,
        text,
        kind=kind,
        speaker=speaker,
        speaker_text=speaker,
        sentence=sentence_of(an, start),
    )
    if speaker:
        ss, se = next(
            (
                (named.start, named.end)
                for named in an.mentions
                if named.text == speaker and named.article_id == art.id
            ),
            (None, None),
        )
        found.speaker_start, found.speaker_end = ss, se
    an.quotes.append(found)
    return found


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
    start, end = span(art, text)
    found = Quantity(
        art.id,
        start,
        end,
        text,
        value=value,
        unit=unit,
        noun=noun,
        approx=approx,
        ordinal=ordinal,
        sentence=sentence_of(an, start),
    )
    an.quantities.append(found)
    return found


def role(art: Article, an: Analysis, text: str, person: str) -> Role:
    start, end = span(art, text)
    ps, pe = span(art, person)
    found = Role(art.id, start, end, text, person=person, person_start=ps, person_end=pe)
    an.roles.append(found)
    return found


def date(art: Article, an: Analysis, text: str, resolved: str) -> DateRef:
    start, end = span(art, text)
    found = DateRef(
        art.id, start, end, text, resolved=resolved, granularity="day", sentence=sentence_of(an, start)
    )
    an.dates.append(found)
    return found


def statements(an: Analysis, stance_of: dict[str, tuple[str, str | None]] | None = None) -> None:
    """One statement per sentence; ``stance_of`` maps a sentence prefix to (stance, holder)."""
    for sentence in an.sentences:
        stance, holder = next(
            (
                stance_holder
                for prefix, stance_holder in (stance_of or {}).items()
                if sentence.text.startswith(prefix)
            ),
            ("assert", None),
        )
        an.statements.append(
            Statement(
                sentence.article_id,
                sentence.start,
                sentence.end,
                sentence.text,
                sentence=sentence.index,
                stance=stance,
                holder=holder,
            )
        )


# ---- grounding ----------------------------------------------------------------------------------


def assert_grounded(dossier: dict, articles: dict[str, str]) -> None:
    """Every occurrence and summary sentence stands in its article; offsets slice exactly that text."""
    folded = {aid: fold_text(text) for aid, text in articles.items()}
    items: list[tuple[str, dict]] = []
    for story_quote in dossier["quotes"]:
        items += [("quote", occ) for occ in story_quote["occurrences"]]
    for claim in dossier["claims"]:
        items += [("claim", occ) for occ in claim["occurrences"]]
    for kind, occ in items:
        text = articles[occ["article"]]
        assert fold_text(occ["text"]) in folded[occ["article"]], (kind, occ)
        if "start" in occ:
            assert text[occ["start"] : occ["end"]] == occ["text"], (kind, occ)
    for item in dossier["summary"]:
        assert any(fold_text(item["text"]) in folded[article_id] for article_id in item["articles"]), item
    for conflict in dossier["conflicts"]:
        for position in conflict["positions"]:
            for ev in position.get("evidence", []):
                assert any(fold_text(ev) in folded[article_id] for article_id in position["articles"]), (
                    conflict["kind"],
                    ev,
                )
    for entry in dossier["timeline"]:
        assert any(fold_text(entry["event"]) in folded[article_id] for article_id in entry["articles"]), entry
