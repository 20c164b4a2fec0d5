"""Errors a journalist saw in the dossiers, as data: sentences, quote content, speakers, entity types,
roles, relative dates and datelines (general rules, checked on invented text and on the seeds)."""

from __future__ import annotations

import pytest
from analyze_helpers import analyse, seed_analysis

from storydesk.analyze.quotes import balance

pytestmark = pytest.mark.slow

OPENERS = "“‘«„"


def _marks_balanced(text: str) -> bool:
    return text.count("“") == text.count("”") and text.count('"') % 2 == 0


# ---- 1. sentences: a closing mark after the full stop stays with its sentence ------------------

CLOSING_MARK_CASES = [
    # (text, sentence that must be found as written)
    (
        'Ilona Marek said her government would accept "any fair arrangement that keeps the valley alive." '
        "Varnia's army said it held the station.",
        'Ilona Marek said her government would accept "any fair arrangement that keeps the valley alive."',
    ),
    (
        "The army called the statement “pure invention.” Monitors disagreed.",
        "The army called the statement “pure invention.”",
    ),
    ("He said: “We will stay.” Then he left.", "He said: “We will stay.”"),
]


@pytest.mark.parametrize("text,sentence", CLOSING_MARK_CASES)
def test_closing_mark_stays_with_its_sentence(text: str, sentence: str) -> None:
    an = analyse(text)
    found = [s.text for s in an.sentences]
    assert sentence in found, found
    statements = [s.text for s in an.statements]  # statements (claims in the dossier) are sentences too
    assert sentence in statements or len(sentence.split()) < 5, statements
    for s in an.sentences:
        assert s.text[0] not in '”"' or s.text.count('"') % 2 == 0, found  # no sentence opens with a closer
        assert s.text[-1] not in OPENERS, found
    for q in an.quotes:
        assert q.text[-1] not in OPENERS, q


# ---- 2. indirect quotes: no complementiser, balanced marks ----------------------------------

INDIRECT_CASES = [
    # (text, indirect content that must be found, speaker)
    (
        "Paul Granger said that the meeting had no time limit.",
        "the meeting had no time limit",
        "Paul Granger",
    ),
    (
        "Paul Granger said that, if elected, he would cut taxes.",
        "if elected, he would cut taxes",
        "Paul Granger",
    ),
    (
        "Ilona Marek said on Monday that her government would accept "
        '"any fair arrangement that keeps the valley alive."',
        'her government would accept "any fair arrangement that keeps the valley alive."',
        "Ilona Marek",
    ),
    (
        "Tomas Hale said the sessions would continue “for as long as both sides are willing to talk.”",
        "the sessions would continue “for as long as both sides are willing to talk.”",
        "Tomas Hale",
    ),
]


@pytest.mark.parametrize("text,content,speaker", INDIRECT_CASES)
def test_indirect_content(text: str, content: str, speaker: str) -> None:
    an = analyse(text)
    found = {(q.text, q.speaker) for q in an.quotes if q.kind == "indirect"}
    assert (content, speaker) in found, found
    for q in an.quotes:
        if q.kind == "indirect":
            assert not q.text.lower().startswith("that "), q.text
            assert _marks_balanced(q.text), q.text


BALANCE_CASES = [
    # (text, start, end, expected content)
    ('x said it was "very good." Then', 7, 24, 'it was "very good."'),
    ("x said “the end is near and", 7, 27, "the end is near and"),
    ("x said the end “is near", 7, 23, "the end"),
    ("x said it is “fine” now", 7, 23, "it is “fine” now"),
    ("That is smart,” when she left", 0, 29, "when she left"),
]


@pytest.mark.parametrize("text,start,end,expected", BALANCE_CASES)
def test_balance(text: str, start: int, end: int, expected: str) -> None:
    a, b = balance(text, start, end)
    assert text[a:b] == expected


# ---- 3. speakers: an appositive person, not the possessive country; "he" is the last speaker ------

SPEAKER_CASES = [
    # (text, content start, speaker)
    (
        "Ostrel's foreign minister, Aleksei Dravin, said his country had come to share the river.",
        "his country had come",
        "Aleksei Dravin",
    ),
    (
        "The city's mayor, Lena Marsh, told reporters the bridge would reopen in May.",
        "the bridge would reopen",
        "Lena Marsh",
    ),
    (
        "Ivan Petrov spoke after talks on Mark Feld's peace plan.\n\n“We are ready,” he said.",
        "We are ready",
        "Ivan Petrov",
    ),
    (
        "Anna Berg stressed that “no final plan exists yet” and insisted that the allies must shape "
        "any proposal.",
        "the allies must shape",
        "Anna Berg",
    ),
    (
        "Minister Tom Reyes said the army’s moves “threaten navigation” and argued that “it is time to act.”",
        "“it is time to act",
        "Tom Reyes",
    ),
]


@pytest.mark.parametrize("text,start,speaker", SPEAKER_CASES)
def test_speakers(text: str, start: str, speaker: str) -> None:
    q = next(q for q in analyse(text).quotes if q.text.startswith(start))
    assert q.speaker == speaker, q


SEED_SPEAKER_CASES = [
    # (seed, content start, speaker): "he said" after a possessive "Trump's peace plan" is still Putin
    ("002", "We are not going to fight Europe", "Vladimir Putin"),
    ("002", "he was prepared for war", "Vladimir Putin"),
]


@pytest.mark.parametrize("prefix,start,speaker", SEED_SPEAKER_CASES)
def test_seed_speakers(prefix: str, start: str, speaker: str, seeds_dir) -> None:
    q = next(q for q in seed_analysis(prefix).quotes if q.text.startswith(start))
    assert q.speaker == speaker


# ---- 4. entity types by evidence ------------------------------------------------------------

ENTITY_TYPE_CASES = [
    # (text, (mention, allowed labels) that must be found, mention texts that must not be found)
    ("Officials met in Lumera on Tuesday. Lumera is quiet.", [("Lumera", {"GPE", "LOC"})], []),
    (
        "Russia demands recognition of its occupation of Crimea, Donbas, Zaporizhzhia and Kherson.",
        [("Zaporizhzhia", {"GPE", "LOC"}), ("Kherson", {"GPE", "LOC"})],
        [],
    ),
    (
        "Ostrel repeated its claim that it had captured the Brezno pumping station.",
        [("Brezno", {"GPE", "LOC", "FAC"})],
        [],
    ),
    (
        "Ferry service to the port of Vessa resumed on Monday, two days after Storm Hedda damaged "
        "the harbour wall.",
        [("Vessa", {"GPE", "LOC"}), ("Storm Hedda", {"EVENT"})],
        ["Ferry"],
    ),
    (
        "Putin was joined by Yury Ushakov and Kirill Dmitriev.",
        [("Yury Ushakov", {"PERSON"})],
        ["Yury", "Ushakov"],
    ),
    ("As reported in Reuters, the Kremlin agreed.", [("Reuters", {"ORG"})], []),
    ("Residents fled the Kharkiv region.", [("Kharkiv", {"GPE", "LOC"})], []),
]


@pytest.mark.parametrize("text,must,must_not", ENTITY_TYPE_CASES)
def test_entity_types(text: str, must: list[tuple[str, set[str]]], must_not: list[str]) -> None:
    an = analyse(text)
    found = {(m.text, m.label) for m in an.mentions}
    for name, labels in must:
        assert any(t == name and lab in labels for t, lab in found), found
    assert not {m.text for m in an.mentions} & set(must_not), found


SEED_ENTITY_CASES = [
    # (seed, mention, allowed labels, mention that must not be found)
    ("002", "Yury Ushakov", {"PERSON"}, None),
    ("004", "Kherson", {"GPE", "LOC"}, None),
    ("000", "Putin", {"PERSON"}, "LONDON"),
]


@pytest.mark.parametrize("prefix,name,labels,absent", SEED_ENTITY_CASES)
def test_seed_entity_types(prefix: str, name: str, labels: set[str], absent: str | None, seeds_dir) -> None:
    an = seed_analysis(prefix)
    found = {(m.text, m.label) for m in an.mentions}
    assert any(t == name and lab in labels for t, lab in found)
    assert absent is None or absent not in {m.text for m in an.mentions}


# ---- 5. roles ---------------------------------------------------------------------------------

ROLE_CASES = [
    # (text, (role, person) pairs that must be found, (role, person) pairs that must not be found)
    (
        "He held talks with UK Prime Minister Sir Keir Starmer, Zelensky, and Ukraine's new chief negotiator "
        "Rustem Umerov.",
        [("UK Prime Minister", "Keir Starmer"), ("Ukraine's new chief negotiator", "Rustem Umerov")],
        [("Ukraine's new chief negotiator", "Keir Starmer")],
    ),
    ("There was little expectation Ivan Petrov would agree.", [], [("little expectation", "Ivan Petrov")]),
    (
        "Abbas Gallyamov, a former speechwriter for the president, spoke.",
        [("former speechwriter for the president", "Abbas Gallyamov")],
        [],
    ),
]


@pytest.mark.parametrize("text,must,must_not", ROLE_CASES)
def test_roles(text: str, must: list[tuple[str, str]], must_not: list[tuple[str, str]]) -> None:
    found = {(r.text, r.person) for r in analyse(text).roles}
    for pair in must:
        assert pair in found, found
    for pair in must_not:
        assert pair not in found, found


def test_noise_roles_are_gone_from_the_seeds(seeds_dir) -> None:
    roles = {r.text.lower() for p in ("000", "003", "004") for r in seed_analysis(p).roles}
    assert not {"little expectation", "conditions"} & roles, roles


# ---- 6. relative dates by tense -------------------------------------------------------------------

DATE_CONTEXT_CASES = [
    # (text, published, date text, resolved); past -> back, future/modal/expected -> forward,
    # same day -> that day
    ("The Kremlin on Monday said a meeting was scheduled.", "2025-12-02", "Monday", "2025-12-01"),
    (
        "The grid operator said most homes should have power again by Sunday evening.",
        "2026-03-21",
        "Sunday",
        "2026-03-22",
    ),
    (
        "Varnian President Ilona Marek is expected to join the talks on Thursday.",
        "2026-03-10",
        "Thursday",
        "2026-03-12",
    ),
    ("Ferry service resumed on Monday.", "2026-03-23", "Monday", "2026-03-23"),
    ("Power was cut on Friday night.", "2026-03-21", "Friday", "2026-03-20"),
    ("Kolev wants a deal before the dry season begins in June.", "2026-03-10", "June", "2026-06"),
    ("The talks ended in June.", "2026-03-10", "June", "2025-06"),
    # a date without a year that names an event is not dated against publication (issue 9)
    ("He spoke on the anniversary of the Sept. 11 attacks in New York.", "2026-03-10", "Sept. 11", None),
]


@pytest.mark.parametrize("text,published,date_text,resolved", DATE_CONTEXT_CASES)
def test_dates_by_tense(text: str, published: str, date_text: str, resolved: str) -> None:
    found = {(d.text, d.resolved) for d in analyse(text, published).dates}
    assert any(t.startswith(date_text) and r == resolved for t, r in found), found


# ---- 7. datelines ---------------------------------------------------------------------------------

DATELINE_CASES = [
    # (text, mention texts that must not be found, speaker of the first quote)
    ("LONDON -- President Ivan Petrov warned that the talks could fail.", ["LONDON"], "Ivan Petrov"),
    (
        "LUMERA -- Negotiators sat down in Lumera on Tuesday.\n\nTomas Hale said talks would go on.",
        [],
        "Tomas Hale",
    ),
    ("PARIS (Reuters) - Anna Berg said the plan was dead.", ["PARIS", "Reuters"], "Anna Berg"),
    ("KYIV, Ukraine — Mayor Lena Marsh said the bridge would reopen.", ["KYIV"], "Lena Marsh"),
]


@pytest.mark.parametrize("text,absent,speaker", DATELINE_CASES)
def test_datelines_are_ignored(text: str, absent: list[str], speaker: str) -> None:
    an = analyse(text)
    assert not {m.text for m in an.mentions} & set(absent), an.mentions
    quotes = [q for q in an.quotes if q.speaker]
    assert quotes and quotes[0].speaker == speaker, an.quotes
    dateline = text.split(" ")[0]
    assert all(dateline not in (q.speaker_text or "") for q in an.quotes)
    if "Lumera on" in text:  # the place in the body is still a place
        assert any(m.text == "Lumera" for m in an.mentions)
