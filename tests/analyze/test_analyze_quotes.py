"""Quote speakers (analyze/quotes.py) as data: who the sentence says spoke, or nobody by name (issue 9,
"speakers that are not speakers"). Invented sentences, then the seeds."""

from __future__ import annotations

import pytest
from analyze_helpers import analyse, seed_analysis, seed_article

pytestmark = pytest.mark.slow

# (text, content start, resolved speaker or None, speaker as written)
SPEAKER_CASES = [
    # a nationality or a country modifying the subject is not the speaker: the subject's head is
    ("French officials said the talks had made progress.", "the talks had made", None, "French officials"),
    ("U.S. envoys said the talks had made progress on the plan.", "the talks had made", None, "U.S. envoys"),
    # a country that is itself the subject of the speech verb speaks for its government
    ("Russia said the talks would continue next week.", "the talks would continue", "Russia", "Russia"),
    # several speakers together: none of them alone
    (
        "France and Germany said they had agreed a framework for the talks.",
        "they had agreed",
        None,
        "France and Germany",
    ),
    # a name that owns the subject is not who spoke
    (
        "John Smith's spokeswoman said the figures were wrong.",
        "the figures were wrong",
        None,
        "John Smith's spokeswoman",
    ),
    # a passive speech verb is said by its agent, wherever the parse hangs the "by" phrase
    (
        "Their last meeting, in August, was described as “very productive” by President Donald Trump.",
        "very productive",
        "Donald Trump",
        "President Donald Trump",
    ),
    (
        "The plan has been called “a disaster” by Senator John Smith.",
        "a disaster",
        "John Smith",
        "Senator John Smith",
    ),
    # ... and its subject is what was talked about, not who talked
    ("The plan was described as “a mess” in the newspaper.", "a mess", None, None),
    # a relative pronoun as written, resolved to the name it stands for
    (
        "The report angered John Smith, who said the figures were wrong.",
        "the figures were wrong",
        "John Smith",
        "who",
    ),
    # a second speech verb the parse hangs inside the first one's content keeps the first one's speaker
    (
        "In the capital, President Donald Trump said the envoys were in the city “right now,” "
        "insisting the war “never would have happened” under him.",
        "never would have happened",
        "Donald Trump",
        "President Donald Trump",
    ),
    (
        "Spokesman John Smith confirmed the meeting would take place on Tuesday "
        "but declined to give details, saying public “megaphone diplomacy” was unhelpful.",
        "public “megaphone diplomacy”",
        "John Smith",
        "Spokesman John Smith",
    ),
]


@pytest.mark.parametrize("text,start,speaker,written", SPEAKER_CASES)
def test_speaker(text: str, start: str, speaker: str | None, written: str | None) -> None:
    an = analyse(text)
    hits = [q for q in an.quotes if text[q.start : q.end].startswith(start)]
    assert hits, [(text[q.start : q.end], q.speaker) for q in an.quotes]
    for q in hits:
        assert (q.speaker, q.speaker_text) == (speaker, written), q


# (text, words that must not be reported as content): an unstated belief inside a question is no quote
NOT_CONTENT_CASES = [
    (
        "Speaking on Monday, John Smith did not detail what the country expected to happen during the talks.",
        "to happen during the talks",
    ),
]


@pytest.mark.parametrize("text,absent", NOT_CONTENT_CASES)
def test_not_content(text: str, absent: str) -> None:
    assert not [q for q in analyse(text).quotes if absent in text[q.start : q.end]]


# (seed, content start, resolved speaker or None, speaker as written or None when not checked)
SEED_CASES = [
    ("000", "European countries are trying", "Vladimir Putin", None),
    ("001", "never would have happened", "Donald Trump", None),
    ("001", "over 1.2 million men", None, "U.S. officials"),
    ("001", "they had created", None, "the U.S. and Ukraine"),
    ("002", "they would support the revised plan", None, "Ukrainian officials"),
    ("004", "public “megaphone diplomacy”", "Dmitry Peskov", None),
    ("004", "the document appeared to concede", None, "who"),
]


@pytest.mark.parametrize("prefix,start,speaker,written", SEED_CASES)
def test_seed_speaker(prefix: str, start: str, speaker: str | None, written: str | None, seeds_dir) -> None:
    an = seed_analysis(prefix)
    text = _seed_text(prefix)
    hits = [q for q in an.quotes if text[q.start : q.end].startswith(start)]
    assert hits
    for q in hits:
        assert q.speaker == speaker, q
        if written is not None:
            assert q.speaker_text == written, q


def test_seed_unstated_expectation_is_no_quote(seeds_dir) -> None:
    text = _seed_text("000")
    assert not [q for q in seed_analysis("000").quotes if "expected to happen" in text[q.start : q.end]]


def _seed_text(prefix: str) -> str:
    return seed_article(prefix).text
