"""Metadata helpers: dates, timestamp lines, outlets from URLs, authors, language, article ids."""

from __future__ import annotations

import time

import pytest

from storydesk.ingest.meta import (
    guess_language,
    is_timestamp_line,
    person_names,
    record_id,
    split_authors,
    to_iso,
    url_host,
    url_id,
    usable_id,
)


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("2025-12-02", "2025-12-02"),
        ("2025-12-02T10:00:00Z", "2025-12-02T10:00:00Z"),
        ("2025-12-02 10:00:00", "2025-12-02T10:00:00"),
        ("December 2, 2025, 12:10 PM", "2025-12-02T12:10:00"),
        ("Tue, 10 Mar 2026 16:30:00 +0000", "2026-03-10T16:30:00"),
        ("2 December 2025", "2025-12-02"),
        ("Sept. 3, 2024", "2024-09-03"),
        (time.strptime("2026-03-10 16:30", "%Y-%m-%d %H:%M"), "2026-03-10T16:30:00Z"),
        ("yesterday", None),
        ("10 March", None),  # no year: better none than a guessed one
        ("", None),
        (None, None),
        ("2025-02-30", None),
    ],
)
def test_to_iso(value, iso):
    assert to_iso(value) == iso


@pytest.mark.parametrize(
    ("line", "is_stamp"),
    [
        ("December 2, 2025, 12:10 PM", True),
        ("Updated 12:10 PM EST, Tue December 2, 2025", True),
        ("Published: 2025-12-02", True),
        ("Posted on Thu Jun 13, 2013 08:45 AM PDT", True),
        ("He arrived on December 2, 2025.", False),
        ("December 2, 2025: a day of talks", False),
        ("The talks", False),
    ],
)
def test_timestamp_lines(line, is_stamp):
    assert is_timestamp_line(line) is is_stamp


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        (
            "The talks between the two sides were held in the capital on Tuesday, "
            "and officials said that progress was made.",
            "en",
        ),
        (
            "Die Gespräche zwischen den beiden Seiten wurden am Dienstag in der Hauptstadt geführt, "
            "und es gab Fortschritte.",
            "de",
        ),
        (
            "Les discussions entre les deux parties ont eu lieu mardi dans la capitale, "
            "et des progrès ont été faits.",
            "fr",
        ),
        (
            "Las conversaciones entre las dos partes se celebraron el martes en la capital, "
            "y se lograron avances.",
            "es",
        ),
        ("12 34 56", None),
    ],
)
def test_guess_language(text, lang):
    assert guess_language(text) == lang


def test_urls_and_ids():
    assert url_host("https://www.bbc.co.uk/news/x") == "bbc.co.uk"
    assert url_host("not a url") is None
    a = url_id("https://www.example.com/world/2026/05/floods-reach-valley.html")
    assert a == url_id("https://www.example.com/world/2026/05/floods-reach-valley.html")
    assert a.startswith("example-com-floods-reach-valley-")
    assert usable_id("abc-1") == "abc-1" and usable_id(17) == "17"
    assert record_id("abc-1") == "abc-1" and record_id(None) is None
    assert record_id("https://x.example/a/b-c") == url_id("https://x.example/a/b-c")
    assert record_id("Story 12 / draft").startswith("story-12-draft-")
    assert (
        usable_id("has space") is None
        and usable_id("https://x.example/a") is None
        and usable_id(None) is None
    )


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Jane Doe and Omar Haddad", ["Jane Doe", "Omar Haddad"]),
        ("Jane Doe, Staff Writer", ["Jane Doe"]),
        ("Valley News' Piet Aalders", ["Piet Aalders"]),
        ("Ana Lima in Brenn and Tom Reed in New York", ["Ana Lima", "Tom Reed"]),
        ("Ludwig van Beethoven", ["Ludwig van Beethoven"]),
        ("Maria de la Cruz", ["Maria de la Cruz"]),
        ("JANE DOE Associated Press", ["JANE DOE"]),
        ("Jane Doe Associated Press", ["Jane Doe"]),
        ("The Associated Press", []),
    ],
)
def test_person_names(text, names):
    assert person_names(text) == names


def test_split_authors():
    assert split_authors("Jane Doe; Omar Haddad") == ["Jane Doe", "Omar Haddad"]
    assert split_authors(["By Jane Doe", {"name": "Omar Haddad"}]) == ["Jane Doe", "Omar Haddad"]
    assert split_authors(None) == []
