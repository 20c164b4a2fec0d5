"""Reconcile stage: "who said it" conflicts — one remark put in different people's mouths by different
outlets.

Quotes (quotes.py) and attributed statements (claims.py) both build them here. A credit counts only
when the article names the speaker where it credits them (not "he", not "the president", whom the
analysis may resolve to the wrong person), and only when the sentence does not name the other
person too ("X's remarks came as Y said ...": which of them spoke is the reader's guess).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from ..ids import short_hash
from ..models import Conflict, Position
from ..text import fold_ascii
from .common import Context
from .entities import Entity, EntityIndex, may_be_same_person

_NAME_WORD = re.compile(r"[a-z][a-z'-]{2,}")


@dataclass
class Credit:
    """One article crediting a remark to one entity."""

    speaker: str  # entity id
    article: str
    sentence: str  # the evidence, verbatim
    written: str | None  # the speaker as the article writes it there
    start: int = 0


def _words_of(entity: Entity) -> set[str]:
    return {word for variant in entity.variants for word in _NAME_WORD.findall(fold_ascii(variant))}


def _named(entity: Entity, written: str | None) -> bool:
    """The credit writes a part of the entity's name ("Marek", "Ilona Marek"), not a role or pronoun."""
    return bool(written) and bool(set(_NAME_WORD.findall(fold_ascii(written or ""))) & _words_of(entity))


def _mentions(entity: Entity, sentence: str) -> bool:
    return bool(set(_NAME_WORD.findall(fold_ascii(sentence))) & _words_of(entity))


def attribution_conflicts(
    ctx: Context, index: EntityIndex, credits: list[Credit], key: tuple, subject: str
) -> list[Conflict]:
    """An "entity" conflict when outlets credit the same remark to different named people; else []."""
    named: dict[str, list[Credit]] = defaultdict(list)
    for credit in credits:
        entity = index.by_id[credit.speaker]
        if entity.type == "PERSON" and _named(entity, credit.written):
            named[credit.speaker].append(credit)
    if len(named) < 2:
        return []
    people = [index.by_id[speaker_id] for speaker_id in named]
    if any(
        may_be_same_person(person, other_person)
        for i, person in enumerate(people)
        for other_person in people[i + 1 :]
    ):
        return []
    for speaker, given in named.items():
        others = [index.by_id[speaker_id] for speaker_id in named if speaker_id != speaker]
        if any(_mentions(other, credit.sentence) for other in others for credit in given):
            return []
    sources = [set(ctx.sources({credit.article for credit in given})) for given in named.values()]
    if len(set().union(*sources)) < 2:
        return []
    positions = []
    for speaker, given in sorted(
        named.items(), key=lambda kv: min((ctx.order(credit.article), credit.start) for credit in kv[1])
    ):
        given = sorted(given, key=lambda credit: (ctx.order(credit.article), credit.start))
        positions.append(
            Position(
                index.by_id[speaker].name,
                list(dict.fromkeys(credit.article for credit in given)),
                list(dict.fromkeys(credit.sentence for credit in given)),
            )
        )
    return [Conflict("x-" + short_hash(*key), "entity", subject, positions)]
