"""Extractive summary over the five seed reports: verbatim, cited, corroborated first, no junk, stable."""

from __future__ import annotations

import re
from functools import lru_cache

import pytest

from conftest import SEEDS
from storydesk.embed import encode
from storydesk.models import Analysis, Article, Claim, from_json, to_json
from storydesk.reconcile import summary
from storydesk.reconcile.summary import split_sentences, usable
from storydesk.text import fold_text

pytestmark = pytest.mark.slow


@lru_cache(maxsize=1)
def seed_articles() -> tuple[Article, ...]:
    if not SEEDS.is_dir():
        pytest.skip("../shared/corpus/seeds is not beside this checkout")
    arts = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = re.sub(r"^\s*date \d{4}-\d{2}-\d{2}\s*", "", path.read_text(encoding="utf-8"))
        arts.append(Article(id=path.stem, text=text, source=path.stem))
    return tuple(arts)


def summarize(articles: list[Article], analyses: dict, claims: list[dict], **options) -> list[dict]:
    """The summary of ``articles`` as its dossier JSON, given the claims as dossier JSON."""
    typed = [from_json(Claim, {"attributed_to": None, **claim}) for claim in claims]
    return to_json(summary.summarize(articles, analyses, typed, **options))


@lru_cache(maxsize=1)
def seed_summary() -> tuple[dict, ...]:
    return tuple(summarize(list(seed_articles()), {}, []))


def test_length_and_shape() -> None:
    items = seed_summary()
    assert 5 <= len(items) <= 8
    for it in items:
        assert set(it) <= {"text", "articles", "also_reported_by", "occurrences", "status"}
        assert it["articles"] and it["articles"][0] == it["occurrences"][0]["article"]


def test_every_sentence_is_verbatim_in_each_article_it_cites() -> None:
    text = {article.id: article.text for article in seed_articles()}
    for it in seed_summary():
        for aid in it["articles"]:
            assert it["text"] in text[aid]
        assert [occ["article"] for occ in it["occurrences"]] == it["articles"] + it["also_reported_by"]
        for occ in it["occurrences"]:
            assert text[occ["article"]][occ["start"] : occ["end"]] == occ["text"]


def test_prefers_statements_several_outlets_carry() -> None:
    cited = [len(it["articles"]) + len(it["also_reported_by"]) for it in seed_summary()]
    assert max(cited) >= 3
    assert sum(count >= 2 for count in cited) >= 2


def test_every_carrier_is_cited() -> None:
    """Any article holding a sentence at cosine >= 0.8 to a summary sentence is among its citations."""
    items = seed_summary()
    for art in seed_articles():
        sents = [sentence.text for sentence in split_sentences(art) if usable(sentence.text)]
        sims = encode([it["text"] for it in items]) @ encode(sents).T
        for it, row in zip(items, sims, strict=True):
            if row.max() >= 0.8:
                assert art.id in it["articles"] + it["also_reported_by"], (art.id, it["text"])


@pytest.mark.parametrize(
    "bad", [r"Getty Images", r"REUTERS/", r"\?$", r"^By [A-Z]", r"^Tags$", r"contributed to this report"]
)
def test_no_captions_questions_or_furniture(bad: str) -> None:
    assert [it["text"] for it in seed_summary() if re.search(bad, it["text"])] == []


def test_no_near_duplicates() -> None:
    vecs = encode([it["text"] for it in seed_summary()])
    sim = vecs @ vecs.T
    assert (sim[~_eye(len(sim))] < 0.8).all()


def _eye(size: int):
    import numpy as np

    return np.eye(size, dtype=bool)


def test_same_input_same_summary_in_any_order() -> None:
    again = summarize(list(reversed(seed_articles())), {}, [])
    assert again == list(seed_summary())


def test_uses_given_sentences_and_marks_disputed_claims() -> None:
    arts = list(seed_articles())
    analyses = {
        article.id: Analysis(article_id=article.id, sentences=split_sentences(article)) for article in arts
    }
    first = seed_summary()[0]
    occ = first["occurrences"][0]
    claims = [
        {
            "id": "c1",
            "text": occ["text"],
            "status": "disputed",
            "occurrences": [occ],
            "sources": [occ["article"]],
        }
    ]
    items = summarize(arts, analyses, claims)
    marked = [it for it in items if it.get("status") == "disputed"]
    assert [it["text"] for it in marked] == [first["text"]]
    assert all("status" not in it for it in seed_summary())


def test_max_sentences_and_words() -> None:
    items = summarize(list(seed_articles()), {}, [], max_sentences=3, max_words=80)
    assert 1 <= len(items) <= 3
    assert sum(len(it["text"].split()) for it in items) <= 80 or len(items) == 1


def test_nothing_usable_gives_nothing() -> None:
    assert summarize([Article(id="x", text="Breaking?", source="x")], {}, []) == []


@pytest.mark.parametrize(
    "text,want",
    [
        (
            "U.S. President Joe Smith met Mr. Jones in Washington. They talked.",
            ["U.S. President Joe Smith met Mr. Jones in Washington.", "They talked."],
        ),
        ("He said “we will win.” The crowd cheered.", ["He said “we will win.”", "The crowd cheered."]),
        (
            "Headline without stop\nFirst line of the body. Second one.",
            ["Headline without stop", "First line of the body.", "Second one."],
        ),
        ("J. R. Smith arrived at 3 p.m. Monday.", ["J. R. Smith arrived at 3 p.m. Monday."]),
    ],
)
def test_split_sentences(text: str, want: list[str]) -> None:
    sents = split_sentences(Article(id="a", text=text, source="s"))
    assert [sentence.text for sentence in sents] == want
    assert all(text[sentence.start : sentence.end] == sentence.text for sentence in sents)


@pytest.mark.parametrize(
    "text,ok",
    [
        ("The ministry said on Tuesday that talks would resume next week in the capital.", True),
        ("Will the talks resume next week in the capital of the country?", False),
        ("Officials walk at the square in the capital on Tuesday. Jane Doe/AP Photo", False),
        ("A delegation leaves the airport, December 2, 2025. REUTERS/John Smith", False),
        ("“We will never accept this, not now and not ever,” the foreign minister said.", True),
        ("“We will never accept this, not now and not ever in our lives.”", False),
        ("and then the talks resumed in the capital after a long break.", False),
        ("Talks resume", False),
        ("Peace talks resume in the capital after a long break", False),
        ("A motorcade leaves the airport before a meeting in Lyon, France, June 2, 2025.", False),
        ("Delegates meet at the palace, joined by aides, Lyon, 2 June 2025.", False),
        ("The meeting will take place in Geneva on Tuesday, December 2, 2025.", True),
    ],
)
def test_usable(text: str, ok: bool) -> None:
    assert usable(text) is ok


def test_claim_occurrences_elsewhere_are_cited() -> None:
    """When the reconciler aligned a summary sentence with a claim in other articles, those are cited too."""
    arts = list(seed_articles())
    first = seed_summary()[0]
    occ = first["occurrences"][0]
    other = next(article for article in arts if article.id not in first["articles"])
    sentence = next(sentence for sentence in split_sentences(other) if usable(sentence.text))
    elsewhere = {"article": other.id, "text": sentence.text, "start": sentence.start, "end": sentence.end}
    claims = [
        {
            "id": "c1",
            "text": occ["text"],
            "status": "corroborated",
            "occurrences": [occ, elsewhere],
            "sources": [occ["article"], other.id],
        }
    ]
    item = next(it for it in summarize(arts, {}, claims) if it["text"] == first["text"])
    assert other.id in item["also_reported_by"]
    assert elsewhere in item["occurrences"]


def test_avoided_sentences_are_never_picked() -> None:
    arts = list(seed_articles())
    first = seed_summary()[0]
    again = summarize(arts, {}, [], avoid={fold_text(first["text"])})
    assert first["text"] not in [it["text"] for it in again]


@pytest.mark.parametrize(
    ("other", "more_shared"),
    [
        ("The council approved the new bridge budget on Monday.", 0),
        ("Fans cheered as the local team won the cup final.", 1),
    ],
)
def test_shared_words_favour_what_other_outlets_say(other: str, more_shared: int) -> None:
    from storydesk.reconcile.summary import _shared_words, candidates

    first = Article(
        id="a",
        source="a",
        text="The council approved a bridge budget on Monday. "
        "The local team won the cup final on Sunday night.",
    )
    arts = [first, Article(id="b", source="b", text=other)]
    cands = [cand for cand in candidates(arts, {}, []) if cand.article == "a"]
    shared = _shared_words(cands, arts, {article.id: article for article in arts})
    assert int(shared.argmax()) == more_shared


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a feed brief cut off mid-sentence: its cut sentence is its summary, not nothing
        (
            "The harbour board of Port Veylen voted on Monday to close the old ferry pier to traffic until",
            "The harbour board of Port Veylen voted on Monday to close the old ferry pier to traffic until",
        ),
        # with a whole sentence there, the cut one is not taken
        (
            "The harbour board of Port Veylen voted on Monday to close the old ferry pier. Repairs will",
            "The harbour board of Port Veylen voted on Monday to close the old ferry pier.",
        ),
    ],
)
def test_a_story_of_cut_sentences_still_gets_a_summary(text, expected):
    brief = Article(id="brief", text=text, source="Veylen Courier", title="Ferry pier to close")
    picked = summary.summarize([brief], None, None)
    assert [item.text for item in picked] == [expected]
    assert picked[0].articles == ["brief"]
