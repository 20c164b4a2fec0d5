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
    for a, b in sentence_ranges(doc):
        start, end = doc[a].idx, doc[b - 1].idx + len(doc[b - 1])
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
    starts = [s.start for s in sentences]

    def sent_of(offset: int) -> int:
        return max(0, bisect.bisect_right(starts, offset) - 1)

    mentions = [
        Mention(
            article_id,
            e.start_char,
            e.end_char,
            e.text,
            label=e.label_,
            sentence=sent_of(e.start_char),
            norm=fold_name(e.text),
        )
        for e in doc.ents
        if e.label_ in NAME_LABELS
    ]
    roles = [
        Role(
            article_id,
            r["start"],
            r["end"],
            text[r["start"] : r["end"]],
            person=text[r["person_start"] : r["person_end"]],
            person_start=r["person_start"],
            person_end=r["person_end"],
        )
        for r in doc._.roles or []
    ]
    quotes = [
        Quote(
            article_id,
            q["start"],
            q["end"],
            text[q["start"] : q["end"]],
            kind=q["kind"],
            cue=q["cue"],
            speaker=q["speaker"],
            speaker_text=q["speaker_text"],
            speaker_start=q["speaker_start"],
            speaker_end=q["speaker_end"],
            sentence=sent_of(q["start"]),
        )
        for q in doc._.quotes or []
    ]
    quantities = [
        Quantity(
            article_id,
            q["start"],
            q["end"],
            text[q["start"] : q["end"]],
            value=q["value"],
            unit=q["unit"],
            noun=q["noun"],
            approx=q["approx"],
            ordinal=q["ordinal"],
            sentence=sent_of(q["start"]),
        )
        for q in doc._.quantities or []
    ]
    statements = [
        Statement(
            article_id,
            s["start"],
            s["end"],
            text[s["start"] : s["end"]],
            sentence=sent_of(s["start"]),
            stance=s["stance"],
            holder=s["holder"],
            cue=s["cue"],
        )
        for s in doc._.statements or []
    ]
    dates = [
        DateRef(
            article_id,
            d["start"],
            d["end"],
            text[d["start"] : d["end"]],
            resolved=d["resolved"],
            granularity=d["granularity"],
            sentence=sent_of(d["start"]),
        )
        for d in doc._.dates or []
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
