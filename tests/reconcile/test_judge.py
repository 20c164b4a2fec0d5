"""The alignment judgement (reconcile/judge.py) and `storydesk compare`, its contract and its floors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import BENCH
from storydesk import api
from storydesk.cli import cli
from storydesk.reconcile.judge import (
    FEATURES,
    RELATIONS,
    Text,
    answered_subject,
    default_judge,
    is_taken,
    opposes,
)

pytestmark = pytest.mark.slow


def test_weights_match_the_features():
    judge = default_judge()
    assert judge.coef.shape == (len(judge.classes), len(FEATURES))
    assert set(judge.classes) <= set(RELATIONS)
    assert 0 < judge.thresholds["same_claim"] < 1


@pytest.mark.parametrize(
    ("claim", "answer", "subject"),
    [
        (
            "Commanders told the general they had captured Dorvel and Imsk.",
            "Officials in the capital denied that Dorvel had fallen.",
            "Dorvel",
        ),
        (
            "The ministry claimed its troops took the port of Caldera on Monday.",
            "The navy, however, said its sailors still held Caldera.",
            "Caldera",
        ),
    ],
)
def test_a_denial_of_what_was_taken_answers_the_claim(claim, answer, subject):
    assert answered_subject(claim, answer) == subject


@pytest.mark.parametrize(
    ("claim", "answer"),
    [
        # a place both name, but the denial is about something else
        (
            "Ostrel officials said the leaked plan caused alarm in Varn, conceding Ostrel's control of the "
            "coast.",
            "The demand that Varn give up the coast is something its leaders insist they will never accept.",
        ),
        # the taker, not what was taken
        (
            "Critics said the plan would allow Ostrel to retain seized land.",
            "Ostrel does not seek war, its president said, but is prepared if challenged.",
        ),
        # no claim at all: a plain report
        ("The talks in Varn lasted five hours.", "Nobody in Varn denied the talks took place."),
    ],
)
def test_a_shared_place_is_not_a_dispute(claim, answer):
    assert answered_subject(claim, answer) is None


@pytest.mark.parametrize(
    ("text", "name", "taken"),
    [
        ("Forces captured the town of Dorvel.", "Dorvel", True),
        ("Dorvel, in the east, is fully under enemy control.", "Dorvel", True),
        ("Ostrel's control of the coast grew.", "Ostrel", False),
        ("The plan would allow Ostrel to retain seized land.", "Ostrel", False),
    ],
)
def test_what_was_taken(text, name, taken):
    assert is_taken(text, name) is taken


def test_a_denial_must_be_about_an_outcome():
    assert opposes("Officials denied that the town had fallen.")
    assert not opposes("He denied any wrongdoing in the affair.", stance="deny")


def test_text_reads_numbers_with_what_they_count():
    text = Text.read("A 19-point plan and 28 points, about 115,600 sq km, 19% of the land, in 2025.")
    assert text.numbers[28.0] == "point" and text.numbers[115600.0] == "sq"
    assert 2025.0 not in text.numbers and text.numbers[19.0] in {"%", "point"}


PAIRS = [
    {
        "id": "same",
        "a": "The Ostrel council approved a budget of 4.2 million crowns on Tuesday.",
        "b": "On Tuesday the council of Ostrel approved its 4.2 million crown budget.",
    },
    {
        "id": "other",
        "a": "The Ostrel council approved a budget of 4.2 million crowns on Tuesday.",
        "b": "A giant squid washed up on a beach in Lumera after the storm.",
    },
]


def test_compare_tells_a_paraphrase_from_an_unrelated_sentence():
    by_id = {comparison.id: comparison for comparison in api.compare(PAIRS)}
    assert by_id["same"].relation == "corroborates"
    assert by_id["other"].relation == "unrelated"
    assert all(0 <= comparison.score <= 1 for comparison in by_id.values())


def test_compare_reads_a_whole_article_as_b():
    article = " ".join(
        ["The Lumera ferry service resumed on Monday after a week of storms."]
        + [f"Passengers on route {k} waited for hours at the harbour before boarding." for k in range(30)]
    )
    [result] = api.compare([{"id": "art", "a": "The Lumera ferry service resumed on Monday.", "b": article}])
    assert result.relation in {"corroborates", "related"}


def test_compare_cli_follows_the_contract(tmp_path: Path):
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(
        "\n".join(
            [json.dumps(PAIRS[0]), "not json", json.dumps({"id": "x", "a": "only a"}), json.dumps(PAIRS[1])]
        )
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["compare", str(pairs), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [row["id"] for row in rows] == ["same", "other"]
    assert all(set(row) == {"id", "relation", "score"} and row["relation"] in RELATIONS for row in rows)
    assert f"{pairs}:2" in result.stderr and f"{pairs}:3" in result.stderr


def test_compare_cli_names_a_missing_file(tmp_path: Path):
    result = CliRunner().invoke(cli, ["compare", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2 and "no such file" in result.stderr and "Traceback" not in result.output


# Floors just under what compare gives on the first 1,200 pairs of each set (in-sample: the judgement is
# trained on these; bench/compare_pairs.py prints the whole sets): 0.833, 0.825 and 0.332.
FLOORS = [
    ("mrpc", "corroborates", 0.82),
    ("claimdiff", "corroborates", 0.81),
    ("claimdiff", "disputes", 0.31),
]


@pytest.mark.parametrize(("name", "label", "floor"), FLOORS)
def test_compare_floors_on_labelled_pairs(name, label, floor):
    if not (BENCH / name).is_dir():
        pytest.skip(f"../shared/bench/{name} is not beside this checkout")
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from compare_pairs import load, prf

    pairs, gold = load(name, 1200)
    pred = [result.relation for result in api.compare(pairs)]
    assert prf(pred, gold, label)[2] >= floor


def test_compare_tells_same_story_articles_from_others():
    if not (BENCH / "neus").is_dir():
        pytest.skip("../shared/bench/neus is not beside this checkout")
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from compare_articles import pairs

    rows, same = pairs()
    rows, same = rows[:360], same[:360]
    related = [result.relation != "unrelated" for result in api.compare(rows)]
    # floor just under bench/compare_articles.py (0.926 on all 1,356 pairs)
    assert sum(predicted == gold for predicted, gold in zip(related, same, strict=True)) / len(same) >= 0.88


@pytest.mark.parametrize(
    ("text", "name", "taken"),
    [
        (
            "The navy captured 23 suspects who tried to take over a vessel in the Gulf of Varn.",
            "Gulf of Varn",
            False,
        ),
        ("Forces captured the strategic towns of Dorvel and Imsk in eastern Ostrel.", "Ostrel", False),
        ("Forces captured the strategic towns of Dorvel and Imsk in eastern Ostrel.", "Imsk", True),
    ],
)
def test_where_something_was_taken_is_not_what_was_taken(text, name, taken):
    assert is_taken(text, name) is taken
