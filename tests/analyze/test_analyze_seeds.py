"""The seed articles: roles, quotes, quantities and dates the reconciliation stage relies on."""

from __future__ import annotations

from dataclasses import fields

import pytest
from analyze_helpers import seed_analysis

from storydesk.models import Span

pytestmark = pytest.mark.slow

SEEDS = ["000", "001", "002", "003", "004"]


@pytest.mark.parametrize("prefix", SEEDS)
def test_every_span_points_into_the_text(prefix: str, seeds_dir) -> None:
    from analyze_helpers import seed_article

    text = seed_article(prefix).text
    an = seed_analysis(prefix)
    assert an.sentences and an.mentions and an.statements
    for f in fields(an):
        for item in getattr(an, f.name) if f.name != "article_id" else []:
            assert isinstance(item, Span)
            assert text[item.start : item.end] == item.text, (f.name, item)


ROLES = [
    ("002", "Kremlin spokesman", "Dmitry Peskov"),
    ("000", "Kremlin spokesperson", "Dmitry Peskov"),
    ("000", "U.S. special envoy", "Steve Witkoff"),
    ("000", "Trump's son-in-law", "Jared Kushner"),
    ("000", "White House press secretary", "Karoline Leavitt"),
    ("000", "Russia's President", "Vladimir Putin"),
    ("002", "Russian President", "Vladimir Putin"),
    ("004", "secretary of Ukraine’s national security council", "Rustem Umerov"),
]


@pytest.mark.parametrize("prefix,role,person", ROLES)
def test_seed_roles(prefix: str, role: str, person: str, seeds_dir) -> None:
    assert (role, person) in {(r.text, r.person) for r in seed_analysis(prefix).roles}


QUOTES = [
    # (seed, start of the content, kind, speaker)
    ("000", "will be waiting for signals from the American delegation", "direct", "Volodymyr Zelenskyy"),
    (
        "002",
        "Ukraine will be waiting for signals from the American delegation",
        "direct",
        "Volodymyr Zelensky",
    ),
    ("002", "We will receive signals of one kind or another", "direct", "Volodymyr Zelensky"),  # ” as opener
    ("000", "We can clearly see that these changes", "direct", "Vladimir Putin"),
    ("000", "We are not going to fight Europe", "direct", "Vladimir Putin"),
    (
        "002",
        "We are not going to fight Europe",
        "direct",
        "Vladimir Putin",
    ),  # "he said" after a Trump mention
    ("000", "I think the administration feels very optimistic", "direct", "Karoline Leavitt"),
    ("000", "We've put points on paper", "direct", "Karoline Leavitt"),  # "she said"
    ("000", "very optimistic", "partial", "White House"),
    ("000", "the meeting had no time limit", "indirect", "Dmitry Peskov"),
    ("000", "Putin prepared in recent days", "indirect", None),  # according to Russian officials
    ("002", "The most important thing you need to understand", "direct", "Abbas Gallyamov"),
]


@pytest.mark.parametrize("prefix,start,kind,speaker", QUOTES)
def test_seed_quotes(prefix: str, start: str, kind: str, speaker: str | None, seeds_dir) -> None:
    quotes = [q for q in seed_analysis(prefix).quotes if q.text.startswith(start)]
    assert quotes, start
    assert (quotes[0].kind, quotes[0].speaker) == (kind, speaker)
    assert quotes[0].cue


QUANTITIES = [
    ("001", "over 19%", 19, "%", "over"),
    ("001", "about 115,600 sq km", 115600, "sq km", "about"),
    ("004", "more than 19%", 19, "%", "over"),
    ("004", "roughly 115,600 square kilometres", 115600, "square kilometres", "about"),
    ("001", "over 1.2 million", 1_200_000, None, "over"),
    ("000", "19-point", 19, "point", None),
]


@pytest.mark.parametrize("prefix,text,value,unit,approx", QUANTITIES)
def test_seed_quantities(
    prefix: str, text: str, value: float, unit: str | None, approx: str | None, seeds_dir
) -> None:
    found = {(q.text, q.value, q.unit, q.approx) for q in seed_analysis(prefix).quantities}
    assert (text, value, unit, approx) in found, found


DATES = [
    ("000", "Tuesday", "2025-12-02", "day"),
    ("000", "Monday", "2025-12-01", "day"),
    ("000", "last month", "2025-11", "month"),
    ("000", "Dec. 1", "2025-12-01", "day"),
    ("002", "August 2025", "2025-08", "month"),
    ("002", "last week", "2025-11-24", "week"),
]


@pytest.mark.parametrize("prefix,text,resolved,granularity", DATES)
def test_seed_dates(prefix: str, text: str, resolved: str, granularity: str, seeds_dir) -> None:
    found = {(d.resolved, d.granularity) for d in seed_analysis(prefix).dates if d.text == text}
    assert found == {(resolved, granularity)}


def test_seed_without_publication_date_leaves_weekdays_unresolved(seeds_dir) -> None:
    dates = [d for d in seed_analysis("003").dates if d.text == "Monday"]
    assert dates and all(d.resolved is None for d in dates)


STATEMENTS = [
    ("003", "Meanwhile, Russian officials claimed", "claim", "Russian officials"),
    ("004", "Ukraine, however, said its forces still held", "deny", "Ukraine"),
    ("003", "Ukrainian officials have made no such confirmation", "deny", None),
]


@pytest.mark.parametrize("prefix,start,stance,holder", STATEMENTS)
def test_seed_statements(prefix: str, start: str, stance: str, holder: str | None, seeds_dir) -> None:
    st = next(s for s in seed_analysis(prefix).statements if s.text.startswith(start))
    assert st.stance == stance
    if holder:
        assert st.holder == holder


def test_no_credit_names_in_mentions(seeds_dir) -> None:
    names = {m.text for m in seed_analysis("000").mentions}
    for credit in ("Getty Images", "Gavriil Grigorov", "Kevin Shalvey", "Kilcoyne/AP", "Sputnik/AP"):
        assert credit not in names
