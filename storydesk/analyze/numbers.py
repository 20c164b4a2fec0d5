"""Analyze stage: numbers and quantities with their unit, the noun they count and any approximation."""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from .entities import NAME_LABELS, in_spans
from .lexicon import APPROX_WORDS, CURRENCY, MULTIPLIERS, NUMBER_WORDS, ORDINAL_WORDS, TIME_UNITS

NUMBER_LABELS = frozenset({"CARDINAL", "QUANTITY", "PERCENT", "MONEY", "ORDINAL"})
_DIGITS = re.compile(r"^[+-]?\d[\d,]*(?:\.\d+)?$")
_ORDINAL_DIGITS = re.compile(r"^(\d+)(?:st|nd|rd|th)$", re.I)
_YEAR = re.compile(r"^(1[89]|20)\d\d$")


def _is_number_token(t: Token) -> bool:
    low = t.lower_
    return bool(
        t.like_num
        or _DIGITS.match(t.text)
        or _ORDINAL_DIGITS.match(t.text)
        or low in MULTIPLIERS
        or low in ORDINAL_WORDS
        or (low in NUMBER_WORDS and low not in ("a", "an"))
    )


def parse_value(tokens: list[Token]) -> tuple[float | None, bool]:
    """(value, is ordinal) of number tokens written in digits or words ("1.2 million", "twenty-eight")."""
    total, current, seen, ordinal = 0.0, 0.0, False, False
    for t in tokens:
        low = t.lower_.replace(",", "")
        parts = [p for p in re.split(r"-", low) if p] if not _DIGITS.match(low) else [low]
        for p in parts:
            if _DIGITS.match(p):
                current += float(p)
            elif m := _ORDINAL_DIGITS.match(p):
                current += float(m.group(1))
                ordinal = True
            elif p in ORDINAL_WORDS and not (p in NUMBER_WORDS and seen):
                current += ORDINAL_WORDS[p]
                ordinal = True
            elif p in NUMBER_WORDS:
                current += NUMBER_WORDS[p]
            elif p in MULTIPLIERS:
                mult = MULTIPLIERS[p]
                current = (current or 1) * mult
                if mult >= 1000:
                    total, current = total + current, 0.0
            else:
                continue
            seen = True
    return ((total + current) if seen else None), ordinal


def _hyphenated(tok: Token) -> str:
    """The whole hyphenated word a token ends ("sit-down" for "down")."""
    doc, i = tok.doc, tok.i
    while (
        i >= 2 and doc[i - 1].text in ("-", "‑") and not doc[i - 2].whitespace_ and not doc[i - 1].whitespace_
    ):
        i -= 2
    return doc[i : tok.i + 1].text


def _approx(doc: Doc, start: int) -> tuple[str | None, int]:
    """An approximation word just before (or at) ``start``: "about", "more than", "at least", "up to"."""
    i = start - 1
    if i >= 0 and doc[i].lower_ in ("than", "to") and i - 1 >= 0:
        word = doc[i - 1].lower_
        if doc[i].lower_ == "than" and word in APPROX_WORDS:
            return APPROX_WORDS[word], i - 1
        if doc[i].lower_ == "to" and word in ("up", "close"):
            return APPROX_WORDS[word], i - 1
        return None, start
    if i >= 0 and doc[i].lower_ in ("least", "most") and i - 1 >= 0 and doc[i - 1].lower_ == "at":
        return APPROX_WORDS[doc[i].lower_], i - 1
    if i >= 0 and doc[i].lower_ in APPROX_WORDS and doc[i].lower_ not in ("least", "most", "up", "close"):
        return APPROX_WORDS[doc[i].lower_], i
    return None, start


def _describe(doc: Doc, span: Span, label: str) -> dict | None:
    nums = [t for t in span if _is_number_token(t)]
    if not nums:
        return None
    value, ordinal = parse_value(nums)
    if value is None:
        return None
    before = doc[nums[0].i - 1] if nums[0].i > 0 else None
    if (
        ordinal
        and label != "ORDINAL"
        and before is not None
        and before.lower_ in ("a", "an", "one")
        and value
    ):
        value, ordinal = 1 / value, False  # "a fifth of the country" is a fraction
    ordinal = ordinal or label == "ORDINAL"
    start = span.start
    approx = None
    # an approximation word inside the entity ("about 115,600 sq km") or just before it
    while (
        start < span.end
        and (doc[start].lower_ in APPROX_WORDS or doc[start].lower_ in ("than", "at", "to"))
        and not _is_number_token(doc[start])
    ):
        start += 1
    inner, _ = _approx(doc, start)
    if inner and start > span.start:
        approx = inner
    else:
        approx, new_start = _approx(doc, span.start)
        if approx:
            start = new_start
        else:
            start = span.start
    if approx and start > span.start:
        start = span.start
    last = nums[-1]
    rest = [t for t in span if t.i > last.i and not t.is_punct]
    unit = None
    end = span.end
    if label == "PERCENT" or any(t.text == "%" or t.lower_ in ("percent", "per") for t in span):
        unit = "%"
    elif label == "MONEY":
        unit = next((CURRENCY[t.lower_] for t in span if t.lower_ in CURRENCY), None)
        unit = unit or next((t.text for t in rest), None)
    elif label in ("DATE", "TIME"):
        unit = next((t.text for t in rest if t.lower_ in TIME_UNITS), None)
    elif rest:
        unit = " ".join(t.text for t in rest)
    noun = None
    nxt = doc[last.i + 1] if last.i + 1 < len(doc) else None
    if (
        nxt is not None
        and nxt.text in ("-", "‑")
        and last.i + 2 < len(doc)
        and doc[last.i + 2].pos_ in ("NOUN", "ADJ")
    ):
        # "19-point plan", "10-year guarantee": the hyphenated word is the unit, its head the noun
        u = doc[last.i + 2]
        unit = u.text
        end = max(end, u.i + 1)
        if u.head.pos_ in ("NOUN", "PROPN") and u.head.i > u.i:
            noun = u.head.text
    elif not unit and nxt is not None and nxt.lower_ in TIME_UNITS:
        unit = nxt.text
        end = max(end, nxt.i + 1)
    if noun is None:
        head = last
        while (
            head.dep_ in ("compound", "quantmod", "nummod", "amod", "npadvmod", "nmod")
            and head.head.i != head.i
            and head.head.i > head.i
            and (_is_number_token(head.head) or head.dep_ != "npadvmod")
        ):
            head = head.head
            if head.pos_ in ("NOUN", "PROPN") and not _is_number_token(head) and head.i >= span.end:
                break
        if (
            head is not last
            and head.pos_ in ("NOUN", "PROPN")
            and not _is_number_token(head)
            and head.text not in (unit or "").split()
            and head.i >= span.end - 1
        ):
            noun = _hyphenated(head)
    text = doc[start:end].text
    return {
        "start": doc[start].idx,
        "end": doc[end - 1].idx + len(doc[end - 1]),
        "text": text,
        "value": value,
        "unit": unit,
        "noun": noun,
        "approx": approx,
        "ordinal": ordinal,
    }


def _duration(ent: Span) -> bool:
    """A DATE/TIME entity that is an amount of time ("two days", "4-year-old"), not a point in time."""
    low = [t.lower_ for t in ent]
    return (
        any(_is_number_token(t) and not _YEAR.match(t.text) for t in ent)
        and any(w in TIME_UNITS for w in low)
        and "ago" not in low
        and not any(w in ("last", "next", "past", "this", "earlier") for w in low)
    )


@Language.component("storydesk_quantities")
def find_quantities(doc: Doc) -> Doc:
    """Reads doc.ents (CARDINAL, QUANTITY, PERCENT, MONEY, ORDINAL, DATE), the parse and Doc._.credits;
    writes Doc._.quantities: [{start, end, text, value, unit, noun, approx, ordinal}] (char offsets)."""
    credits = doc._.credits or []
    out = []
    taken: set[int] = set()
    for ent in doc.ents:
        taken.update(range(ent.start, ent.end))
        if in_spans(credits, ent.start_char, ent.end_char):
            continue
        if ent.label_ in NUMBER_LABELS or (ent.label_ in ("DATE", "TIME") and _duration(ent)):
            q = _describe(doc, ent, ent.label_)
            if q:
                out.append(q)
    named = {i for e in doc.ents if e.label_ in NAME_LABELS for i in range(e.start, e.end)}
    for tok in doc:
        # numbers the model left unlabelled, counting a noun ("five times")
        if tok.i in taken or tok.i in named or not _is_number_token(tok) or _YEAR.match(tok.text):
            continue
        if tok.dep_ in ("nummod", "quantmod") and not in_spans(credits, tok.idx, tok.idx + 1):
            q = _describe(doc, doc[tok.i : tok.i + 1], "CARDINAL")
            if q:
                out.append(q)
    doc._.quantities = sorted(out, key=lambda q: q["start"])
    return doc
