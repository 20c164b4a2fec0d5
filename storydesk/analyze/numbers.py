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


def _is_number_token(token: Token) -> bool:
    low = token.lower_
    return bool(
        token.like_num
        or _DIGITS.match(token.text)
        or _ORDINAL_DIGITS.match(token.text)
        or low in MULTIPLIERS
        or low in ORDINAL_WORDS
        or (low in NUMBER_WORDS and low not in ("a", "an"))
    )


def parse_value(tokens: list[Token]) -> tuple[float | None, bool]:
    """(value, is ordinal) of number tokens written in digits or words ("1.2 million", "twenty-eight")."""
    total, current, seen, ordinal = 0.0, 0.0, False, False
    for token in tokens:
        low = token.lower_.replace(",", "")
        parts = [part for part in re.split(r"-", low) if part] if not _DIGITS.match(low) else [low]
        for part in parts:
            if _DIGITS.match(part):
                current += float(part)
            elif match := _ORDINAL_DIGITS.match(part):
                current += float(match.group(1))
                ordinal = True
            elif part in ORDINAL_WORDS and not (part in NUMBER_WORDS and seen):
                current += ORDINAL_WORDS[part]
                ordinal = True
            elif part in NUMBER_WORDS:
                current += NUMBER_WORDS[part]
            elif part in MULTIPLIERS:
                mult = MULTIPLIERS[part]
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
    prev = start - 1
    if prev >= 0 and doc[prev].lower_ in ("than", "to") and prev - 1 >= 0:
        word = doc[prev - 1].lower_
        if doc[prev].lower_ == "than" and word in APPROX_WORDS:
            return APPROX_WORDS[word], prev - 1
        if doc[prev].lower_ == "to" and word in ("up", "close"):
            return APPROX_WORDS[word], prev - 1
        return None, start
    if prev >= 0 and doc[prev].lower_ in ("least", "most") and prev - 1 >= 0 and doc[prev - 1].lower_ == "at":
        return APPROX_WORDS[doc[prev].lower_], prev - 1
    if (
        prev >= 0
        and doc[prev].lower_ in APPROX_WORDS
        and doc[prev].lower_ not in ("least", "most", "up", "close")
    ):
        return APPROX_WORDS[doc[prev].lower_], prev
    return None, start


def _describe(doc: Doc, span: Span, label: str) -> dict | None:
    """The quantity an entity (or a lone number token) writes: its value, unit, counted noun and
    approximation, with the offsets of the words that carry them."""
    nums = [token for token in span if _is_number_token(token)]
    if not nums:
        return None
    value, ordinal = _value(doc, nums, label)
    if value is None:
        return None
    start, approx = _approx_start(doc, span)
    last = nums[-1]
    unit, end, noun = _unit_after(doc, last, _unit_in(span, label, last), span.end)
    if noun is None:
        noun = _counted_noun(span, last, unit)
    return {
        "start": doc[start].idx,
        "end": doc[end - 1].idx + len(doc[end - 1]),
        "text": doc[start:end].text,
        "value": value,
        "unit": unit,
        "noun": noun,
        "approx": approx,
        "ordinal": ordinal,
    }


def _value(doc: Doc, nums: list[Token], label: str) -> tuple[float | None, bool]:
    """(value, is ordinal) of the number tokens; "a fifth of the country" is the fraction 1/5."""
    value, ordinal = parse_value(nums)
    if value is None:
        return None, ordinal
    before = doc[nums[0].i - 1] if nums[0].i > 0 else None
    if (
        ordinal
        and label != "ORDINAL"
        and before is not None
        and before.lower_ in ("a", "an", "one")
        and value
    ):
        value, ordinal = 1 / value, False
    return value, ordinal or label == "ORDINAL"


def _approx_start(doc: Doc, span: Span) -> tuple[int, str | None]:
    """(first token, approximation) of a quantity: an approximation word inside the entity ("about 115,600
    sq km") stays in it; one just before it ("more than 300") is taken in."""
    inside = span.start
    while (
        inside < span.end
        and (doc[inside].lower_ in APPROX_WORDS or doc[inside].lower_ in ("than", "at", "to"))
        and not _is_number_token(doc[inside])
    ):
        inside += 1
    inner, _ = _approx(doc, inside)
    if inner and inside > span.start:
        return span.start, inner
    approx, before = _approx(doc, span.start)
    return (before if approx else span.start), approx


def _unit_in(span: Span, label: str, last: Token) -> str | None:
    """The unit the entity writes: "%", a currency, a time unit, or the words after its last number."""
    rest = [token for token in span if token.i > last.i and not token.is_punct]
    if label == "PERCENT" or any(token.text == "%" or token.lower_ in ("percent", "per") for token in span):
        return "%"
    if label == "MONEY":
        unit = next((CURRENCY[token.lower_] for token in span if token.lower_ in CURRENCY), None)
        return unit or next((token.text for token in rest), None)
    if label in ("DATE", "TIME"):
        return next((token.text for token in rest if token.lower_ in TIME_UNITS), None)
    return " ".join(token.text for token in rest) if rest else None


def _unit_after(doc: Doc, last: Token, unit: str | None, end: int) -> tuple[str | None, int, str | None]:
    """(unit, end token, counted noun) with a unit written after the number: a hyphenated word, or a time
    unit when the entity has no unit of its own."""
    nxt = doc[last.i + 1] if last.i + 1 < len(doc) else None
    if (
        nxt is not None
        and nxt.text in ("-", "‑")
        and last.i + 2 < len(doc)
        and doc[last.i + 2].pos_ in ("NOUN", "ADJ")
    ):
        # "19-point plan", "10-year guarantee": the hyphenated word is the unit, its head the noun
        word = doc[last.i + 2]
        noun = word.head.text if word.head.pos_ in ("NOUN", "PROPN") and word.head.i > word.i else None
        return word.text, max(end, word.i + 1), noun
    if not unit and nxt is not None and nxt.lower_ in TIME_UNITS:
        return nxt.text, max(end, nxt.i + 1), None
    return unit, end, None


def _counted_noun(span: Span, last: Token, unit: str | None) -> str | None:
    """The noun the number counts: up the parse from its last number token, through modifiers."""
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
        return _hyphenated(head)
    return None


def _duration(ent: Span) -> bool:
    """A DATE/TIME entity that is an amount of time ("two days", "4-year-old"), not a point in time."""
    low = [token.lower_ for token in ent]
    return (
        any(_is_number_token(token) and not _YEAR.match(token.text) for token in ent)
        and any(word in TIME_UNITS for word in low)
        and "ago" not in low
        and not any(word in ("last", "next", "past", "this", "earlier") for word in low)
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
            quantity = _describe(doc, ent, ent.label_)
            if quantity:
                out.append(quantity)
    named = {
        i for mention in doc.ents if mention.label_ in NAME_LABELS for i in range(mention.start, mention.end)
    }
    for tok in doc:
        # numbers the model left unlabelled, counting a noun ("five times")
        if tok.i in taken or tok.i in named or not _is_number_token(tok) or _YEAR.match(tok.text):
            continue
        if tok.dep_ in ("nummod", "quantmod") and not in_spans(credits, tok.idx, tok.idx + 1):
            quantity = _describe(doc, doc[tok.i : tok.i + 1], "CARDINAL")
            if quantity:
                out.append(quantity)
    doc._.quantities = sorted(out, key=lambda quantity: quantity["start"])
    return doc
