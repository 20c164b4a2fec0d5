"""Hand-written cases for each analysis component, as data: what must and must not be found."""

from __future__ import annotations

import pytest
from analyze_helpers import analyse

from storydesk.analyze.dates import resolve_date

pytestmark = pytest.mark.slow

# ---- sentences -------------------------------------------------------------------------------

SENTENCE_CASES = [
    # (text, sentences that must be found as written, paragraph index of the last sentence)
    (
        "Officials met on Monday\n\nThe talks ended early. Nobody spoke.",
        ["Officials met on Monday", "The talks ended early."],
        1,
    ),
    (
        "A headline without a stop\nThe body starts here. It goes on.",
        ["A headline without a stop", "It goes on."],
        1,
    ),
    ("One. Two words here.\n\nThree\n\nFour and more.", ["Four and more."], 2),
]


@pytest.mark.parametrize("text,must,last_para", SENTENCE_CASES)
def test_sentences_break_at_paragraphs(text: str, must: list[str], last_para: int) -> None:
    an = analyse(text)
    found = [s.text for s in an.sentences]
    for s in must:
        assert s in found
    assert an.sentences[-1].paragraph == last_para
    for s in an.sentences:
        assert text[s.start : s.end] == s.text and "\n" not in s.text


# ---- entities -------------------------------------------------------------------------------

ENTITY_CASES = [
    # (text, (mention text, label or None for any) that must be found, mention texts that must not be found)
    (
        "Governor Maria Lopez's plan was rejected. Lopez said she would try again.",
        [("Maria Lopez", "PERSON"), ("Lopez", "PERSON")],
        ["Maria Lopez's", "Governor Maria Lopez's"],
    ),
    (
        "The meeting took place at the White House on Friday, officials said.",
        [("White House", None)],
        ["the White House"],
    ),
    (
        "Spokesman Tomas Varga said the talks would go on. Varga added that nothing was agreed.",
        [("Tomas Varga", "PERSON"), ("Varga", "PERSON")],
        [],
    ),
    (
        "The minister arrived in Berlin.\n\nJane Doe/POOL/AFP via Getty Images\n\nShe left on Monday.",
        [("Berlin", "GPE")],
        ["Jane Doe", "AFP", "Getty Images"],
    ),
    ("By Kevin Marsh\n\nThe council voted on Tuesday to close the bridge.", [], ["Kevin Marsh"]),
    (
        "He is expected to meet with Taoiseach Micheal Martin, the Irish prime minister.",
        [("Micheal Martin", "PERSON")],
        ["Taoiseach Micheal Martin"],
    ),
]


@pytest.mark.parametrize("text,must,must_not", ENTITY_CASES)
def test_entities(text: str, must: list[tuple[str, str]], must_not: list[str]) -> None:
    an = analyse(text)
    found = {(m.text, m.label) for m in an.mentions}
    for name, label in must:  # label None: any type
        assert any(t == name and (label is None or lab == label) for t, lab in found), found
    texts = {m.text for m in an.mentions}
    for t in must_not:
        assert t not in texts
    for m in an.mentions:
        assert text[m.start : m.end] == m.text
        assert m.norm == m.norm.lower() and not m.norm.endswith("'s")


def test_mention_norm_folds_accents_and_possessive() -> None:
    an = analyse("President José Müller’s office said José Müller would travel to Paris.")
    norms = {m.norm for m in an.mentions}
    assert "jose muller" in norms


# ---- roles ----------------------------------------------------------------------------------

ROLE_CASES = [
    # (text, (role, person) pairs that must be found, roles that must not be found)
    (
        "Kremlin spokesman Dmitri Ivanov said the talks were useful.",
        [("Kremlin spokesman", "Dmitri Ivanov")],
        [],
    ),
    ("Ivanov, the Kremlin's spokesman, declined to comment.", [("Kremlin's spokesman", "Ivanov")], []),
    ("The senator met special envoy Paul Granger in Rome.", [("special envoy", "Paul Granger")], []),
    ("He was joined by the governor's son-in-law Mark Feld.", [("governor's son-in-law", "Mark Feld")], []),
    (
        "Talks were led by Anna Berg, the secretary of the country's national security council.",
        [("secretary of the country's national security council", "Anna Berg")],
        [],
    ),
    ("French President Marie Dubois spoke first.", [("French President", "Marie Dubois")], []),
    (
        "White House press secretary Lena Marsh told reporters the plan was ready.",
        [("White House press secretary", "Lena Marsh")],
        [],
    ),
    ("There was little expectation Victor Hale would agree.", [], ["little expectation"]),
]


@pytest.mark.parametrize("text,must,must_not", ROLE_CASES)
def test_roles(text: str, must: list[tuple[str, str]], must_not: list[str]) -> None:
    an = analyse(text)
    found = {(r.text, r.person) for r in an.roles}
    for pair in must:
        assert pair in found, found
    for r in an.roles:
        assert r.text not in must_not
        assert text[r.start : r.end] == r.text and text[r.person_start : r.person_end] == r.person


# ---- quotes ---------------------------------------------------------------------------------

QUOTE_CASES = [
    # (text, [(content, kind, speaker)] that must be found)
    ('"We are ready to talk," Anna Berg said.', [("We are ready to talk", "direct", "Anna Berg")]),
    ("“We are ready to talk,” Anna Berg said.", [("We are ready to talk", "direct", "Anna Berg")]),
    (
        "Foreign minister Anna Berg spoke on Monday.\n\n"
        "”We will wait for signals. Then we decide,” she said.",
        [("We will wait for signals. Then we decide", "direct", "Anna Berg")],
    ),
    (
        "Anna Berg arrived late.\n\n“The plan is dead,” Berg said. “We need a new one.”",
        [("The plan is dead", "direct", "Anna Berg"), ("We need a new one.", "direct", "Anna Berg")],
    ),
    (
        "The White House said it was “very optimistic” about the talks.",
        [("very optimistic", "partial", "White House")],
    ),
    (
        "Paul Granger said that the meeting had no time limit.",
        [("the meeting had no time limit", "indirect", "Paul Granger")],
    ),
    (
        "Paul Granger said the meeting had no time limit.",
        [("the meeting had no time limit", "indirect", "Paul Granger")],
    ),
    (
        "The army was moving north, according to Colonel Mark Feld.",
        [("The army was moving north", "indirect", "Mark Feld")],
    ),
    (
        "Mayor Lena Marsh told reporters the bridge would reopen in May.",
        [("the bridge would reopen in May", "indirect", "Lena Marsh")],
    ),
    (
        "Russian President Ivan Petrov spoke to reporters.\n\n“We will not retreat,” the president said.",
        [("We will not retreat", "direct", "Ivan Petrov")],
    ),
    ('"It is over," said Tom Reyes, a spokesman for the league.', [("It is over", "direct", "Tom Reyes")]),
    (
        "BERLIN -- Chancellor Anna Berg warned that the talks could fail.",
        [("the talks could fail", "indirect", "Anna Berg")],
    ),
    (
        "Senator Ruth Cole spoke in Ohio.\n\nShe said:\n\n“The bill will pass this week.”",
        [("The bill will pass this week.", "direct", "Ruth Cole")],
    ),
]


@pytest.mark.parametrize("text,must", QUOTE_CASES)
def test_quotes(text: str, must: list[tuple[str, str, str]]) -> None:
    an = analyse(text)
    found = {(q.text, q.kind, q.speaker) for q in an.quotes}
    for triple in must:
        assert triple in found, found
    for q in an.quotes:
        assert text[q.start : q.end] == q.text
        assert q.cue, q


NOT_SPEECH = [
    "She starred in “Orange Is the New Black” last year.",
    "He appeared on CNN’s “State of the Union” on Sunday.",
    "The council, which meets weekly, approved the budget.",
]


@pytest.mark.parametrize("text", NOT_SPEECH)
def test_titles_and_plain_sentences_are_not_speech(text: str) -> None:
    an = analyse(text)
    assert not [q for q in an.quotes if q.kind in ("direct", "indirect") or q.cue], an.quotes


def test_pronoun_speaker_prefers_recent_subject_over_nearest_name() -> None:
    text = (
        "Ivan Petrov did not sound conciliatory, as he accused the Europeans of sabotaging "
        "Mark Feld’s plan.\n\n"
        "“We are ready right now,” he said."
    )
    q = next(q for q in analyse(text).quotes if q.kind == "direct")
    assert q.speaker == "Ivan Petrov" and q.speaker_text == "he"


def test_unnamed_source_stays_unresolved() -> None:
    text = "Lena Marsh chaired the talks. The top official at the talks said there had been progress."
    q = next(q for q in analyse(text).quotes if q.kind == "indirect")
    assert q.speaker is None and q.speaker_text == "The top official at the talks"


# ---- quantities ------------------------------------------------------------------------------

QUANTITY_CASES = [
    # (text, (value, unit, noun, approx, ordinal) that must be found)
    ("They discussed a revised 19-point peace plan.", [(19, "point", "plan", None, False)]),
    ("Russian forces control over 19% of the country.", [(19, "%", None, "over", False)]),
    ("It covers about 115,600 sq km of land.", [(115600, "sq km", None, "about", False)]),
    (
        "It covers roughly 115,600 square kilometres of land.",
        [(115600, "square kilometres", None, "about", False)],
    ),
    ("Officials estimate over 1.2 million men have been killed.", [(1_200_000, None, "men", "over", False)]),
    ("Washington floated a 10-year security guarantee.", [(10, "year", "guarantee", None, False)]),
    ("It would be the sixth meeting this year.", [(6, None, "meeting", None, True)]),
    ("He has met him five times before.", [(5, None, "times", None, False)]),
    (
        "The plan had 28 distinct points and was cut to 20 action items.",
        [(28, None, "points", None, False), (20, None, "items", None, False)],
    ),
    ("Talks lasted two days in Florida.", [(2, "days", None, None, False)]),
    ("The fund raised more than $5 million last year.", [(5_000_000, "$", None, "over", False)]),
    ("Nearly 300 people were evacuated.", [(300, None, "people", "nearly", False)]),
]


@pytest.mark.parametrize("text,must", QUANTITY_CASES)
def test_quantities(text: str, must: list[tuple]) -> None:
    an = analyse(text)
    found = {(q.value, q.unit, q.noun, q.approx, q.ordinal) for q in an.quantities}
    for item in must:
        assert any(abs(f[0] - item[0]) < 1e-6 and f[1:] == item[1:] for f in found), found
    for q in an.quantities:
        assert text[q.start : q.end] == q.text


def test_years_in_dates_are_not_quantities() -> None:
    an = analyse("The war began in February 2022 and talks resumed on December 2, 2025.")
    assert not any(q.value in (2022, 2025, 2) for q in an.quantities)


# ---- dates -----------------------------------------------------------------------------------

DATE_CASES = [
    # (expression, published, future, resolved, granularity); 2025-12-02 is a Tuesday
    ("Tuesday", "2025-12-02", False, "2025-12-02", "day"),
    ("Monday", "2025-12-02", False, "2025-12-01", "day"),
    ("Sunday", "2025-12-02", False, "2025-11-30", "day"),
    ("Tuesday morning", "2025-12-02", False, "2025-12-02", "day"),
    ("Thursday", "2025-12-02", True, "2025-12-04", "day"),
    ("Tuesday", "2025-12-02", True, "2025-12-02", "day"),
    ("last month", "2025-12-02", False, "2025-11", "month"),
    ("August 2025", "2025-12-02", False, "2025-08", "month"),
    ("in August 2025", "2025-12-02", False, "2025-08", "month"),
    ("Dec. 1", "2025-12-02", False, "2025-12-01", "day"),
    ("December 2, 2025", None, False, "2025-12-02", "day"),
    ("2022", "2025-12-02", False, "2022", "year"),
    ("this year", "2025-12-02", False, "2025", "year"),
    ("a week ago", "2025-12-02", False, "2025-11-25", "day"),
    ("more than two years ago", "2025-12-02", False, "2023", "year"),
    ("last week", "2025-12-02", False, "2025-11-24", "week"),
    ("recent days", "2025-12-02", False, None, None),
    ("the weekend", "2025-12-02", False, None, None),
    ("Tuesday", None, False, None, None),
]


@pytest.mark.parametrize("text,published,future,resolved,granularity", DATE_CASES)
def test_resolve_date(
    text: str, published: str | None, future: bool, resolved: str | None, granularity: str | None
) -> None:
    assert resolve_date(text, published, future) == (resolved, granularity)


def test_dates_in_context_skip_durations_and_ages() -> None:
    an = analyse("The almost 4-year-old war went on for two days before the talks on Monday.")
    texts = {d.text: d.resolved for d in an.dates}
    assert texts.get("Monday") == "2025-12-01"
    assert not any("two days" in t or "4-year-old" in t for t in texts)


def test_future_tense_weekday_in_context() -> None:
    an = analyse("The leaders will meet on Thursday in Geneva.")
    assert [(d.text, d.resolved) for d in an.dates] == [("Thursday", "2025-12-04")]


# ---- statements ------------------------------------------------------------------------------

STATEMENT_CASES = [
    # (text, sentence start, stance, holder)
    (
        "Russian officials claimed to have captured the strategic towns in the east.",
        "Russian officials",
        "claim",
        "Russian officials",
    ),
    (
        "Ukraine, however, said its forces still held the northern part of the city.",
        "Ukraine",
        "deny",
        "Ukraine",
    ),
    ("The ministry denied that any soldiers had crossed the border.", "The ministry", "deny", None),
    (
        "Open-source monitoring groups report that neither town is fully under Russian control.",
        "Open-source",
        "report",
        "Open-source monitoring groups",
    ),
    ("The bridge was closed for repairs after the storm last winter.", "The bridge", "assert", None),
    (
        "The general warns that if the city rejects a deal, his forces will advance.",
        "The general",
        "claim",
        "The general",
    ),
    ("The army was moving north, according to Colonel Mark Feld.", "The army", "report", "Mark Feld"),
]


@pytest.mark.parametrize("text,start,stance,holder", STATEMENT_CASES)
def test_statements(text: str, start: str, stance: str, holder: str | None) -> None:
    an = analyse(text)
    st = next(s for s in an.statements if s.text.startswith(start))
    assert st.stance == stance
    if holder is not None:
        assert st.holder == holder


@pytest.mark.parametrize("text", ["Is this the end of the war?", "Photo: the talks.", "Tags"])
def test_questions_and_fragments_are_not_statements(text: str) -> None:
    assert analyse(text).statements == []
