"""Analyze stage: the one conversion from an analysed spaCy Doc to the stored Analysis record."""

from __future__ import annotations

import bisect

from spacy.tokens import Doc

from ..models import Analysis, DateRef, Mention, Quantity, Quote, Role, Sentence, Statement
from ..text import fold_name
from .entities import NAME_LABELS
from .sentences import paragraph_of, paragraph_starts, sentence_ranges


def doc_to_analysis(doc: Doc, article_id: str) -> Analysis:
    """Everything our components wrote on ``doc``, as dataclasses with offsets into the article text."""
    text = doc.text
    paras = paragraph_starts(text)
    sentences: list[Sentence] = []
    for first, stop in sentence_ranges(doc):
        start, end = doc[first].idx, doc[stop - 1].idx + len(doc[stop - 1])
        sentences.append(
            Sentence(
                article_id,
                start,
                end,
                text[start:end],
                index=len(sentences),
                paragraph=paragraph_of(paras, start),
            )
        )
    starts = [sentence.start for sentence in sentences]

    def sent_of(offset: int) -> int:
        return max(0, bisect.bisect_right(starts, offset) - 1)

    mentions = [
        Mention(
            article_id,
            ent.start_char,
            ent.end_char,
            ent.text,
            label=ent.label_,
            sentence=sent_of(ent.start_char),
            norm=fold_name(ent.text),
        )
        for ent in doc.ents
        if ent.label_ in NAME_LABELS
    ]
    roles = [
        Role(
            article_id,
            role["start"],
            role["end"],
            text[role["start"] : role["end"]],
            person=text[role["person_start"] : role["person_end"]],
            person_start=role["person_start"],
            person_end=role["person_end"],
        )
        for role in doc._.roles or []
    ]
    quotes = [
        Quote(
            article_id,
            quote["start"],
            quote["end"],
            text[quote["start"] : quote["end"]],
            kind=quote["kind"],
            cue=quote["cue"],
            speaker=quote["speaker"],
            speaker_text=quote["speaker_text"],
            speaker_start=quote["speaker_start"],
            speaker_end=quote["speaker_end"],
            sentence=sent_of(quote["start"]),
        )
        for quote in doc._.quotes or []
    ]
    quantities = [
        Quantity(
            article_id,
            quantity["start"],
            quantity["end"],
            text[quantity["start"] : quantity["end"]],
            value=quantity["value"],
            unit=quantity["unit"],
            noun=quantity["noun"],
            approx=quantity["approx"],
            ordinal=quantity["ordinal"],
            sentence=sent_of(quantity["start"]),
        )
        for quantity in doc._.quantities or []
    ]
    statements = [
        Statement(
            article_id,
            statement["start"],
            statement["end"],
            text[statement["start"] : statement["end"]],
            sentence=sent_of(statement["start"]),
            stance=statement["stance"],
            holder=statement["holder"],
            cue=statement["cue"],
        )
        for statement in doc._.statements or []
    ]
    dates = [
        DateRef(
            article_id,
            date["start"],
            date["end"],
            text[date["start"] : date["end"]],
            resolved=date["resolved"],
            granularity=date["granularity"],
            sentence=sent_of(date["start"]),
        )
        for date in doc._.dates or []
    ]
    return Analysis(
        article_id,
        sentences=sentences,
        mentions=mentions,
        roles=_unique(roles),
        quotes=_unique(quotes),
        quantities=_unique(quantities),
        statements=statements,
        dates=_unique(dates),
    )


def _unique(items: list) -> list:
    """One item per stored key (start, end[, person_start]): the tables' primary keys."""
    seen, out = set(), []
    for it in items:
        key = (it.start, it.end, getattr(it, "person_start", None))
        if key not in seen:
            seen.add(key)
            out.append(it)
    return out
