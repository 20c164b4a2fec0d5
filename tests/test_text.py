"""Shared text helpers: each fold keeps its own meaning; months and written dates."""

from __future__ import annotations

import pytest

from storydesk.text import (
    DATE_DMY_RE,
    DATE_MDY_RE,
    MONTH_NUMBERS,
    fold_ascii,
    fold_name,
    fold_space,
    fold_term,
    fold_text,
    month_number,
    quote_share,
)


def test_the_folds_differ_as_documented() -> None:
    written = "  The Café’s “U.S.”\n\nplan "
    assert fold_space(written) == "The Café’s “U.S.” plan"
    assert fold_text(written) == 'The Café\'s "U.S." plan'
    assert fold_ascii(written) == 'the cafe\'s "u.s." plan'
    assert fold_name("The Café’s") == "cafe"
    assert fold_name("U.S.") == "u.s."
    assert fold_term("Jane Doe’s U.S.") == "jane doe u s"


def test_fold_space_is_white_space_of_any_kind() -> None:
    assert fold_space("a\u00a0b\u2028c\td") == "a b c d"


@pytest.mark.parametrize(
    ("name", "number"), [("Jan", 1), ("june", 6), ("Sept.", 9), ("September", 9), ("DEC", 12)]
)
def test_month_number(name: str, number: int) -> None:
    assert month_number(name) == number


def test_month_table_holds_names_abbreviations_and_sept() -> None:
    assert len(MONTH_NUMBERS) == 12 + 11 + 1  # "may" is both name and abbreviation
    assert MONTH_NUMBERS["sept"] == MONTH_NUMBERS["sep"] == MONTH_NUMBERS["september"] == 9


def test_written_dates() -> None:
    m = DATE_MDY_RE.search("Updated Dec. 2nd, 2025 at noon")
    assert m and (m["mon"], m["d"], m["y"]) == ("Dec", "2", "2025")
    m = DATE_DMY_RE.search("on 14 March 2026.")
    assert m and (m["d"], m["mon"], m["y"]) == ("14", "March", "2026")
    assert not DATE_MDY_RE.search("Mayor 2, 2025")


def test_quote_share() -> None:
    assert quote_share('He said "no deal" today') == pytest.approx(9 / 23)
    assert quote_share("") == 0.0
