"""What a number measures (reconcile/measures.py): one fold for conflicts and for claim alignment."""

from __future__ import annotations

import pytest

from storydesk.models import Quantity
from storydesk.reconcile.measures import measure


def _quantity(text: str, unit: str | None = None, noun: str | None = None) -> Quantity:
    return Quantity("a", 0, len(text), text, value=1.0, unit=unit, noun=noun)


@pytest.mark.parametrize(
    ("quantity", "key"),
    [
        (_quantity("40 homes", noun="homes"), "|home"),
        (_quantity("one home", noun="home"), "|home"),  # singular and plural are one measure
        (_quantity("300 people", noun="people"), "|person"),
        (_quantity("12 churches", noun="churches"), "|church"),
        (_quantity("a 12-point plan", unit="point", noun="plan"), "|part"),  # what is counted: the points
        (_quantity("14 items", noun="items"), "|part"),  # the parts of a plan, however worded
        (_quantity("$5.6 billion", unit="$"), "usd|"),
        (_quantity("19%", unit="%"), "%|"),
        (_quantity("three years", unit="years"), "year|"),
        (_quantity("state senators", noun="state senators"), "|senator"),
    ],
)
def test_measure(quantity, key):
    assert measure(quantity) == key
