"""Number and role conflicts: what disagrees, and what only looks like it does (seed sentences)."""

from __future__ import annotations

import pytest
from reconcile_kit import article, mentions, quantity, role

from storydesk.models import to_json
from storydesk.reconcile.common import Context
from storydesk.reconcile.conflicts import number_conflicts, role_conflicts
from storydesk.reconcile.entities import resolve_entities

P19 = (
    "The meeting on Sunday included discussions of a revised 19-point peace plan that was developed a week "
    "ago during another round of American-Ukrainian talks in Geneva, Switzerland."
)
P28 = (
    "Those talks reworked an earlier 28-point plan that the Trump administration had presented and that had "
    "alarmed Kyiv and European allies as heavily favoring Russia."
)
P20 = (
    "The Trump plan, originally including 28 distinct points, has already been discussed with Ukrainian and "
    "European officials and reportedly whittled down to 20 action items."
)
SIXTH = (
    "The meeting in Moscow would be the sixth such Witkoff-Putin sit-down this year and it comes amid a "
    "redoubled effort by the White House to produce a peace deal."
)
FIVE = (
    "Witkoff has met with Putin five times before in his role as emissary for the second Trump "
    "administration, beginning in February 2025."
)
PCT = (
    "Russian forces currently control over 19% of Ukraine — about 115,600 sq km — around one percentage "
    "point more than two years ago."
)
PCT2 = (
    "Moscow currently occupies more than 19% of Ukraine — roughly 115,600 square kilometres — and has made "
    "its fastest gains since 2022 during 2025, according to pro-Ukrainian mapping."
)
CAS1 = "U.S. officials estimate over 1.2 million men have been killed or injured since the war began."
CAS2 = "Officials estimate that about 1.3 million men have been killed or injured since the war began."


def _numbers(specs):
    arts, ans = [], {}
    for aid, sentences, qs in specs:
        art, an = article(aid, sentences)
        for spec in qs:
            quantity(art, an, **spec)
        arts.append(art)
        ans[aid] = an
    return to_json(number_conflicts(Context(arts, ans)))


def test_plan_points_conflict_but_shared_28_agrees():
    conflicts = _numbers(
        [
            (
                "abc",
                [P19, P28],
                [
                    dict(text="19-point", value=19, unit="point", noun="plan"),
                    dict(text="28-point", value=28, unit="point", noun="plan"),
                ],
            ),
            (
                "nypost",
                [P20],
                [dict(text="28", value=28, noun="points"), dict(text="20", value=20, noun="items")],
            ),
        ]
    )
    assert len(conflicts) == 1
    conflict = conflicts[0]
    assert conflict["kind"] == "number"
    assert [(position["value"], position["articles"]) for position in conflict["positions"]] == [
        ("19", ["abc"]),
        ("20", ["nypost"]),
    ]
    assert conflict["positions"][0]["evidence"] == [P19]


@pytest.mark.parametrize(
    "specs",
    [
        pytest.param(
            [
                ("abc", [SIXTH], [dict(text="sixth", value=6, ordinal=True, noun="sit-down")]),
                ("nypost", [FIVE], [dict(text="five", value=5, noun="times")]),
            ],
            id="sixth-vs-five-before",
        ),
        pytest.param(
            [
                (
                    "bbc",
                    [PCT],
                    [
                        dict(text="over 19%", value=19, unit="%", approx="over"),
                        dict(text="about 115,600 sq km", value=115600, unit="sq km", approx="about"),
                    ],
                ),
                (
                    "reuters",
                    [PCT2],
                    [
                        dict(text="more than 19%", value=19, unit="%", approx="over"),
                        dict(
                            text="roughly 115,600 square kilometres",
                            value=115600,
                            unit="square kilometres",
                            approx="about",
                        ),
                    ],
                ),
            ],
            id="units-and-approx",
        ),
        pytest.param(
            [
                ("bbc", [CAS1], [dict(text="over 1.2 million", value=1.2e6, noun="men", approx="over")]),
                ("x", [CAS2], [dict(text="about 1.3 million", value=1.3e6, noun="men", approx="about")]),
            ],
            id="overlapping-approximations",
        ),
        pytest.param(
            [
                ("bbc", [PCT], [dict(text="over 19%", value=19, unit="%", approx="over")]),
                ("reuters", [PCT2], [dict(text="115,600", value=115600, unit="square kilometres")]),
            ],
            id="percent-vs-absolute",
        ),
    ],
)
def test_numbers_that_agree_in_context(specs):
    assert _numbers(specs) == []


def test_exact_values_that_differ_conflict():
    conflicts = _numbers(
        [
            ("bbc", [CAS1], [dict(text="1.2 million", value=1.2e6, noun="men")]),
            ("x", [CAS2], [dict(text="1.3 million", value=1.3e6, noun="men")]),
        ]
    )
    assert [position["value"] for position in conflicts[0]["positions"]] == ["1200000", "1300000"]


FORMER = (
    "Jared Kushner—former President Donald Trump’s son-in-law and an informal adviser in diplomatic "
    "efforts—is also expected to join the talks."
)
CURRENT = (
    "President Donald Trump’s special envoy Steve Witkoff, accompanied by Trump’s son-in-law Jared Kushner, "
    "met with Russian President Vladimir Putin in Moscow on Tuesday."
)
CURRENT2 = (
    "U.S. President Donald Trump’s special envoy Steve Witkoff and senior adviser Jared Kushner were set to "
    "meet Russian President Vladimir Putin in Moscow on Tuesday."
)
ADVISER = (
    "Russian political analyst Abbas Gallyamov, a former speechwriter for President Putin, told NBC News "
    "that Putin could be ready to offer some compromises."
)


def _roles(specs):
    arts, ans = [], {}
    for aid, sentences, names, roles in specs:
        art, an = article(aid, sentences)
        mentions(art, an, "PERSON", *names)
        for text, person in roles:
            role(art, an, text, person)
        arts.append(art)
        ans[aid] = an
    ctx = Context(arts, ans)
    return to_json(role_conflicts(ctx, resolve_entities(ctx)))


def test_former_president_against_sitting_president():
    conflicts = _roles(
        [
            (
                "nypost",
                [CURRENT],
                ["Donald Trump", "Trump", "Steve Witkoff", "Jared Kushner", "Vladimir Putin"],
                [],
            ),
            (
                "reuters",
                [CURRENT2],
                ["Donald Trump", "Steve Witkoff", "Jared Kushner", "Vladimir Putin"],
                [("U.S. President", "Donald Trump")],
            ),
            ("ibt", [FORMER], ["Jared Kushner", "Donald Trump"], []),
        ]
    )
    assert len(conflicts) == 1
    conflict = conflicts[0]
    assert conflict["kind"] == "role" and conflict["subject"].startswith("Donald Trump")
    assert [(position["value"], position["articles"]) for position in conflict["positions"]] == [
        ("President", ["nypost", "reuters"]),
        ("former President", ["ibt"]),
    ]
    assert conflict["positions"][1]["evidence"] == [FORMER]


def test_a_former_title_of_someone_else_is_no_conflict():
    assert (
        _roles(
            [
                (
                    "nypost",
                    [ADVISER],
                    ["Abbas Gallyamov", "Putin"],
                    [("Russian political analyst", "Abbas Gallyamov")],
                ),
                (
                    "reuters",
                    [CURRENT2],
                    ["Donald Trump", "Steve Witkoff", "Jared Kushner", "Vladimir Putin"],
                    [],
                ),
            ]
        )
        == []
    )


# ---- what only looks like a conflict (issue 9's held-out findings, on fictional sentences) ----------

MORE = "The Ostrel candidates agreed to hold two more debates before the vote."
THREE = "The Ostrel candidates will meet for three debates in all, the commission said."
STATE = "Twelve state senators from Lumera signed the letter on Monday."
FEDERAL = "Fifteen U.S. senators from Lumera signed the letter on Monday, aides said."


@pytest.mark.parametrize(
    "specs",
    [
        pytest.param(
            [
                ("a", [MORE], [dict(text="two", value=2, noun="debates")]),
                ("b", [THREE], [dict(text="three", value=3, noun="debates")]),
            ],
            id="two-more-is-an-addition",
        ),
        pytest.param(
            [
                ("a", [STATE], [dict(text="Twelve", value=12, noun="senators")]),
                ("b", [FEDERAL], [dict(text="Fifteen", value=15, noun="senators")]),
            ],
            id="two-kinds-of-senator",
        ),
    ],
)
def test_different_quantities_are_no_conflict(specs):
    assert _numbers(specs) == []


LATE = "The bill is named for the late Senator Ada Marrow, who wrote its first draft."
SENATOR = "Senator Ada Marrow wrote the first draft of the bill in 1998."
ADMIN = "The rule dates from President Tomas Vell's administration, aides said."
EX = "Former President Tomas Vell criticised the rule on Tuesday."
THEN = "The rule was signed by then-President Tomas Vell in 2009."


@pytest.mark.parametrize(
    "specs",
    [
        pytest.param(
            [("a", [LATE], ["Ada Marrow"], []), ("b", [SENATOR], ["Ada Marrow"], [])], id="late-is-not-former"
        ),
        pytest.param(
            [("a", [ADMIN], ["Tomas Vell"], []), ("b", [EX], ["Tomas Vell"], [])],
            id="a-historical-administration",
        ),
        pytest.param(
            [("a", [THEN], ["Tomas Vell"], []), ("b", [EX], ["Tomas Vell"], [])], id="then-is-not-current"
        ),
    ],
)
def test_titles_of_the_past_are_no_conflict(specs):
    assert _roles(specs) == []
