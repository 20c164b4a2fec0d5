"""Quotes carried by several outlets, rewordings, and claims aligned with their sources and disputes."""

from __future__ import annotations

import pytest
from reconcile_kit import article, mentions, quote, statements

from storydesk.models import to_json
from storydesk.reconcile.claims import build_claims
from storydesk.reconcile.common import Context
from storydesk.reconcile.entities import resolve_entities
from storydesk.reconcile.quotes import reconcile_quotes

Z1 = (
    'Ukraine "will be waiting for signals from the American delegation after its meetings in Russia," '
    "Ukrainian President Volodymyr Zelenskyy said in a post on X, while the discussions with Witkoff and "
    "Putin were ongoing."
)
Z2 = (
    '"The U.S. delegation intends to brief us directly immediately after those meetings. The next steps will '
    'depend on those signals," Zelenskyy said, adding that he is "ready for a meeting" with Trump.'
)
Z3 = (
    "“Ukraine will be waiting for signals from the American delegation after its meetings in Russia. The "
    "U.S. delegation intends to brief us directly immediately after those meetings. The next steps will "
    "depend on those signals,” Zelensky said."
)
Z4 = (
    "“The next steps will depend on the signals we receive,” he told Volodymyr Zelenskyy's reporters in "
    "Dublin."
)
P1 = (
    '"We have no doubt that this will be a very important step towards peace and a peaceful settlement," '
    "Peskov told reporters in Moscow on Tuesday."
)
P2 = (
    "“We have no doubt that this will be a very important step towards peace and a peaceful settlement,” "
    "Peskov said."
)


@pytest.fixture(scope="module")
def story():
    art_a, an_a = article("abc", [Z1, Z2, P1])
    mentions(art_a, an_a, "PERSON", "Volodymyr Zelenskyy", "Zelenskyy", "Peskov", "Witkoff", "Putin", "Trump")
    quote(
        art_a,
        an_a,
        "will be waiting for signals from the American delegation after its meetings in Russia",
        "Volodymyr Zelenskyy",
        "partial",
    )
    quote(
        art_a,
        an_a,
        "The U.S. delegation intends to brief us directly immediately after those meetings. The next "
        "steps will depend on those signals",
        "Zelenskyy",
    )
    quote(art_a, an_a, "ready for a meeting", "Zelenskyy", "partial")
    quote(
        art_a,
        an_a,
        "We have no doubt that this will be a very important step towards peace and a peaceful settlement",
        "Peskov",
    )
    art_b, an_b = article("nypost", [Z3, P2])
    mentions(art_b, an_b, "PERSON", "Zelensky", "Peskov")
    quote(
        art_b,
        an_b,
        "Ukraine will be waiting for signals from the American delegation after its meetings in Russia. The "
        "U.S. delegation intends to brief us directly immediately after those meetings. The next steps will "
        "depend on those signals",
        "Zelensky",
    )
    quote(
        art_b,
        an_b,
        "We have no doubt that this will be a very important step towards peace and a peaceful settlement",
        "Peskov",
    )
    art_c, an_c = article("bbc", [Z4])
    mentions(art_c, an_c, "PERSON", "Volodymyr Zelenskyy")
    quote(art_c, an_c, "The next steps will depend on the signals we receive", "Volodymyr Zelenskyy")
    ctx = Context([art_a, art_b, art_c], {"abc": an_a, "nypost": an_b, "bbc": an_c})
    idx = resolve_entities(ctx)
    return ctx, idx, tuple(to_json(reconcile_quotes(ctx, idx)))


@pytest.mark.slow
def test_shared_quote_is_one_quote_with_every_occurrence(story):
    _ctx, idx, (quotes, _c) = story
    zq = [story_quote for story_quote in quotes if "waiting for signals" in story_quote["text"]]
    assert len(zq) == 1
    story_quote = zq[0]
    assert story_quote["speaker_name"] == "Volodymyr Zelenskyy"
    assert story_quote["speaker"] == idx.by_id[story_quote["speaker"]].id
    assert {occ["article"] for occ in story_quote["occurrences"]} == {"abc", "nypost", "bbc"}
    assert story_quote["variants"] == ["The next steps will depend on the signals we receive"]
    peskov = [story_quote for story_quote in quotes if story_quote["text"].startswith("We have no doubt")]
    assert len(peskov) == 1 and [occ["article"] for occ in peskov[0]["occurrences"]] == ["abc", "nypost"]


@pytest.mark.slow
def test_short_partial_quote_stays_alone(story):
    _ctx, _idx, (quotes, _c) = story
    short = [story_quote for story_quote in quotes if story_quote["text"] == "ready for a meeting"]
    assert len(short) == 1 and len(short[0]["occurrences"]) == 1


@pytest.mark.slow
def test_rewording_by_another_outlet_is_a_quote_conflict(story):
    _ctx, _idx, (_q, conflicts) = story
    assert [conflict["kind"] for conflict in conflicts] == ["quote"]
    values = [position["value"] for position in conflicts[0]["positions"]]
    assert "The next steps will depend on the signals we receive" in values


# ---- claims ------------------------------------------------------------------------------------

CAP_A = (
    "Meanwhile, Russian officials claimed to have captured the strategic towns of Pokrovsk and Vovshansk in "
    "eastern Ukraine."
)
CAP_B = (
    "Ukrainian officials have made no such confirmation, and open-source monitoring groups report that "
    "neither settlement is fully under Russian control."
)
CAP_C = (
    "On the eve of the meeting, Putin celebrated what he said was the capture of Pokrovsk in eastern Ukraine "
    "following a prolonged campaign."
)
CAP_D = (
    "Ukraine, however, said its forces still held the northern part of the city and had launched "
    "counter-attacks in the south."
)
MEET_1 = (
    "Russian President Vladimir Putin met U.S. envoys Steve Witkoff and Jared Kushner in the Kremlin on "
    "Tuesday, marking the highest-level contact yet."
)
MEET_2 = (
    "President Donald Trump’s special envoy Steve Witkoff, accompanied by Trump’s son-in-law Jared Kushner, "
    "met with Russian President Vladimir Putin in Moscow on Tuesday."
)
ONLY = (
    "A Bombardier Global 7500 jet previously used by Witkoff was tracked entering Russian airspace before "
    "landing in Moscow, according to Interfax."
)
QUESTION = "Will the talks in Moscow finally bring the war in Ukraine to an end?"


@pytest.fixture(scope="module")
def claims():
    art_a, an_a = article("ibt", [CAP_A, CAP_B, MEET_1])
    mentions(art_a, an_a, "GPE", "Pokrovsk", "Vovshansk", "Ukraine")
    mentions(art_a, an_a, "PERSON", "Vladimir Putin", "Steve Witkoff", "Jared Kushner")
    statements(an_a, {"Meanwhile": ("claim", None), "Ukrainian officials": ("deny", None)})
    art_b, an_b = article("reuters", [CAP_C, CAP_D, MEET_2, ONLY, QUESTION])
    mentions(art_b, an_b, "GPE", "Pokrovsk", "Ukraine", "Moscow")
    mentions(
        art_b,
        an_b,
        "PERSON",
        "Putin",
        "Vladimir Putin",
        "Steve Witkoff",
        "Witkoff",
        "Jared Kushner",
        "Donald Trump",
    )
    statements(an_b, {"On the eve": ("claim", "Putin"), "Ukraine, however": ("dispute", "Ukraine")})
    art_c, an_c = article("reuters-copy", [MEET_2, ONLY], source="wire-reprint", copy_of="reuters")
    ctx = Context([art_a, art_b, art_c], {"ibt": an_a, "reuters": an_b, "reuters-copy": an_c})
    idx = resolve_entities(ctx)
    claims, conflicts, units, groups = build_claims(ctx, idx)
    return (to_json(claims), to_json(conflicts), units, groups), idx


def _claim(claims, text):
    hits = [claim for claim in claims if any(occ["text"] == text for occ in claim["occurrences"])]
    assert len(hits) == 1, text
    return hits[0]


@pytest.mark.slow
def test_same_statement_from_two_outlets_is_corroborated(claims):
    (cl, _d, _u, _g), _idx = claims
    claim = _claim(cl, MEET_1)
    assert claim["status"] == "corroborated"
    assert {occ["article"] for occ in claim["occurrences"]} == {"ibt", "reuters", "reuters-copy"}
    assert claim["sources"] == ["ibt", "reuters"]


@pytest.mark.slow
def test_copy_counts_once(claims):
    (cl, _d, _u, _g), _idx = claims
    claim = _claim(cl, ONLY)
    assert claim["status"] == "single_source" and claim["sources"] == ["reuters"]


@pytest.mark.slow
def test_capture_claim_is_disputed_with_a_denial_conflict(claims):
    (cl, denials, _u, _g), idx = claims
    assert _claim(cl, CAP_A)["status"] == "disputed"
    assert _claim(cl, CAP_C)["status"] == "disputed"
    assert _claim(cl, CAP_C)["attributed_to"] == next(
        entity.id for entity in idx.entities if entity.name == "Vladimir Putin"
    )
    assert len(denials) == 1 and denials[0]["subject"] == "Pokrovsk"
    asserted, contested = denials[0]["positions"]
    assert asserted["value"] == "asserted by Vladimir Putin" and contested["value"] == "contested by Ukraine"
    assert set(asserted["evidence"]) == {CAP_A, CAP_C}
    assert set(contested["evidence"]) == {CAP_B, CAP_D}


@pytest.mark.slow
def test_questions_are_not_claims(claims):
    (cl, _d, _u, _g), _idx = claims
    assert not [claim for claim in cl if any(occ["text"] == QUESTION for occ in claim["occurrences"])]


# ---- attribution ---------------------------------------------------------------------------------

U1 = "“We have no doubt that this will be a very important step towards peace,” Yuri Ushakov said."
U2 = "“We have no doubt that this will be a very important step towards peace,” he said."


def _two_outlets(sentence: str, speaker: str, written: str) -> tuple[list[dict], list[dict]]:
    """One outlet credits the remark to Peskov; another, in ``sentence``, to ``speaker`` as ``written``."""
    art_a, an_a = article("abc", [P1])
    mentions(art_a, an_a, "PERSON", "Peskov")
    quote(
        art_a,
        an_a,
        "We have no doubt that this will be a very important step towards peace and a peaceful settlement",
        "Peskov",
    )
    art_b, an_b = article(
        "tass", [sentence, "Earlier, Kremlin spokesperson Dmitry Peskov spoke to reporters."]
    )
    mentions(art_b, an_b, "PERSON", "Yuri Ushakov", "Dmitry Peskov")
    tass_quote = quote(
        art_b, an_b, "We have no doubt that this will be a very important step towards peace", speaker
    )
    tass_quote.speaker_text = written
    ctx = Context([art_a, art_b], {"abc": an_a, "tass": an_b})
    return tuple(to_json(reconcile_quotes(ctx, resolve_entities(ctx))))


@pytest.mark.parametrize(
    ("sentence", "speaker", "conflict"),
    [
        (U1, "Yuri Ushakov", True),  # another outlet names another man: who said it is disputed
        (U2, "Dmitry Peskov", False),  # a pronoun resolved elsewhere is no evidence either way
    ],
)
@pytest.mark.slow
def test_same_words_credited_to_different_people(sentence, speaker, conflict):
    quotes, conflicts = _two_outlets(sentence, speaker, "he" if sentence == U2 else speaker)
    assert (
        len([story_quote for story_quote in quotes if story_quote["text"].startswith("We have no doubt")])
        == 1
    )
    found = [conflict for conflict in conflicts if conflict["kind"] == "entity"]
    assert bool(found) is conflict
    if conflict:
        assert {position["value"] for position in found[0]["positions"]} == {"Dmitry Peskov", "Yuri Ushakov"}


U3 = (
    "“We have no doubt that this will be a very important step towards peace,” Yuri Ushakov said, "
    "repeating what Dmitry Peskov had said."
)
U4 = "“We have no doubt that this will be a very important step towards peace,” the aide said."


@pytest.mark.parametrize(
    ("sentence", "written"),
    [
        (U3, "Yuri Ushakov"),  # the sentence names the other man too: which of them spoke is a guess
        (U4, "the aide"),  # a role, resolved by the analysis to a name: no evidence of who spoke
    ],
)
@pytest.mark.slow
def test_no_attribution_conflict_without_a_clear_credit(sentence, written):
    _quotes, conflicts = _two_outlets(sentence, "Yuri Ushakov", written)
    assert not [conflict for conflict in conflicts if conflict["kind"] == "entity"]


@pytest.mark.parametrize(
    ("short", "long", "cut"),
    [
        (
            "we will not give up an inch of our land",
            "we will not and we shall never give up an inch of our land",
            True,
        ),
        (
            "the talks were useful ... we will meet again",
            "the talks were useful and constructive and we will meet again",
            True,
        ),
        ("the talks were useless", "the talks were useful and constructive", False),
    ],
)
def test_a_shortened_or_spliced_quote_is_cut_from_the_longer(short, long, cut):
    from storydesk.reconcile.quotes import _cut_from, _key

    assert _cut_from(_key(short), _key(long)) is cut
