"""The five real seed reports: after cleaning no caption or credit is left, and the metadata is read."""

from __future__ import annotations

import re

import pytest

from conftest import SEEDS
from storydesk.ingest import clean, read_paths
from storydesk.models import RawRecord


@pytest.fixture(scope="module")
def seeds():
    if not SEEDS.is_dir():
        pytest.skip("../shared/corpus/seeds is not beside this checkout")
    out = {}
    for raw in read_paths([str(SEEDS)]):
        assert isinstance(raw, RawRecord), raw
        out[raw.stem[:3]] = clean(raw)
    assert len(out) == 5
    return out


AGENCY_ONLY = re.compile(r"^(?:Reuters|REUTERS|AP|AFP|Getty Images|Sputnik|AFP via Getty Images)$")


@pytest.mark.parametrize("key", ["000", "001", "002", "003", "004"])
def test_no_caption_or_credit_left(seeds, key):
    art = seeds[key]
    for bad in ("Getty Images", "REUTERS/", "/AP\n", "/POOL/", "via Reuters", "Sputnik/AP"):
        assert bad not in art.text + "\n"
    for para in art.text.split("\n\n"):
        assert not AGENCY_ONLY.match(para), para
        assert "\n" not in para  # paragraphs are separated by one blank line, nothing else
    assert "\n\n\n" not in art.text and art.text == art.text.strip()


@pytest.mark.parametrize(
    ("key", "kinds"),
    [
        ("000", {"caption": 6, "byline": 2, "dateline": 2, "title": 1}),
        ("001", {"title": 1, "repeated_title": 1, "caption": 1, "credit": 1, "tags": 1}),
        ("002", {"dateline": 1}),
        ("003", {}),
        ("004", {"caption": 1}),
    ],
)
def test_what_was_removed(seeds, key, kinds):
    got: dict[str, int] = {}
    for r in seeds[key].removed:
        got[r.kind] = got.get(r.kind, 0) + 1
    assert got == kinds


def test_seed_000_date_byline_contributors(seeds):
    art = seeds["000"]
    assert art.published == "2025-12-02"
    assert "date 2025-12-02" not in art.text and not art.text.startswith(" ")
    assert art.authors == ["Kevin Shalvey", "Emily Chang", "Patrick Reevell"]
    assert "By Kevin Shalvey" not in art.text and "contributed to this report" not in art.text
    assert "12:10 PM" not in art.text
    assert art.title == "US envoy Steve Witkoff to meet Putin in push for Ukraine peace deal"
    assert art.text.startswith("Witkoff and Kushner are meeting with Putin in Moscow on Tuesday.")
    # the caption glued to its credit is gone whole, the paragraph after it stays
    assert "In this pool photograph" not in art.text
    assert "Putin's meeting with Witkoff is underway" in art.text


def test_seed_001_repeated_title_caption_and_tags(seeds):
    art = seeds["001"]
    assert art.title == "Putin meets Trump envoys Witkoff and Kushner in Kremlin"
    assert art.title not in art.text
    assert "joined by aide Yuri Ushakov" not in art.text
    assert art.text.startswith("Russian President Vladimir Putin met U.S. envoys")
    assert not art.text.endswith("Tags")
    assert "Security Guarantees and High-Level Meetings" in art.text  # subheadings are kept (policy)


def test_seed_002_date(seeds):
    assert seeds["002"].published == "2025-12-02"
    assert seeds["002"].text.startswith("President Donald Trump")


def test_seed_004_caption_and_subheadings(seeds):
    art = seeds["004"]
    assert "Anastasia Barashkova" not in art.text and "A motorcade" not in art.text
    assert "Washington revises peace plan after European pushback" in art.text
    assert "Diplomatic efforts intensify" in art.text


@pytest.mark.parametrize("key", ["000", "001", "002", "003", "004"])
def test_common_metadata(seeds, key):
    art = seeds[key]
    assert art.language == "en" and art.words > 300
    assert art.source == art.id  # nothing in a bare text file names the outlet
    assert art.format == "txt" and art.path.endswith(".txt")


def test_seed_004_caption_with_agency_credit_is_gone(seeds):
    # "... in Moscow, Russia, December 2, 2025. REUTERS/Name": caption and credit leave together
    art = seeds["004"]
    assert "A motorcade" not in art.text and "REUTERS" not in art.text
    captions = [r for r in art.removed if r.kind == "caption"]
    assert len(captions) == 1 and "REUTERS/" in captions[0].reason
    assert art.text.startswith("U.S. President Donald Trump")
