"""Reconcile stage: what a number measures, once normalised: its unit ("%", "usd", "km") and the noun it
counts, as a lemma. The one home of this fold: conflicts compare figures of one measure, and claims refuse to
join two sentences that give different figures for it."""

from __future__ import annotations

import re

from ..models import Quantity

_UNITS = [
    (re.compile(r"^(?:%|percent|per cent|pct)$", re.I), "%"),
    (re.compile(r"^percentage points?$", re.I), "pp"),
    (re.compile(r"^(?:sq\.? ?km|square kilomet(?:er|re)s?|km2|km²)$", re.I), "km2"),
    (re.compile(r"^(?:sq\.? ?mi(?:les?)?|square miles?)$", re.I), "mi2"),
    (re.compile(r"^(?:km|kilomet(?:er|re)s?)$", re.I), "km"),
    (re.compile(r"^(?:mi|miles?)$", re.I), "mi"),
    (re.compile(r"^(?:\$|usd|dollars?|us\$)$", re.I), "usd"),
    (re.compile(r"^(?:€|eur|euros?)$", re.I), "eur"),
    (re.compile(r"^(?:£|gbp|pounds?)$", re.I), "gbp"),
]
# nouns that count the parts of a plan, a list or a text: one measure however an outlet words it
_PARTS = {"point", "item", "step", "clause", "provision", "article", "plank", "action"}
_TIME = re.compile(r"^(?:second|minute|hour|day|week|month|year|decade|century)s?$", re.I)


def measure_unit(quantity: Quantity) -> str:
    """A unit of measure ("%", "km2", "usd", "year"); "" when the number counts things."""
    unit = (quantity.unit or "").strip()
    for rx, name in _UNITS:
        if rx.match(unit):
            return name
    if "%" in quantity.text or re.search(r"\bper ?cent\b", quantity.text, re.I):
        return "%"
    if _TIME.match(unit):
        return lemma(unit)
    return ""


_IRREGULAR = {
    "people": "person",
    "men": "man",
    "women": "woman",
    "children": "child",
    "feet": "foot",
    "teeth": "tooth",
    "mice": "mouse",
    "geese": "goose",
    "persons": "person",
}


def lemma(word: str) -> str:
    """A plain singular of an English noun ("churches" -> "church", "people" -> "person")."""
    lowered = word.lower().strip("-")
    if lowered in _IRREGULAR:
        return _IRREGULAR[lowered]
    if re.search(r"(?:ch|sh|x|ss|z)es$", lowered):
        return lowered[:-2]
    if lowered.endswith("ies") and len(lowered) > 4:
        return lowered[:-3] + "y"
    if lowered.endswith("s") and not lowered.endswith("ss") and len(lowered) > 3:
        return lowered[:-1]
    return lowered


def measure_noun(quantity: Quantity) -> str:
    """What is counted, as a lemma; parts of a plan fold into one measure."""
    noun = quantity.noun or ""
    if quantity.unit and not measure_unit(quantity):
        noun = quantity.unit  # "19-point plan": what is counted is the points
    parts = [lemma(word) for word in re.split(r"[\s-]+", noun) if word]
    if not parts:
        return ""
    if any(part in _PARTS for part in parts):
        return "part"
    return parts[-1]


def measure(quantity: Quantity) -> str:
    """One key for what a quantity measures ("usd|", "|person", "|part"); "|" when it says nothing."""
    return f"{measure_unit(quantity)}|{measure_noun(quantity)}"
