"""Cross-document entities: spellings merge, different people stay apart (sentences from the seeds)."""

from __future__ import annotations

import pytest
from reconcile_kit import article, mentions, role

from storydesk.models import EntityRole
from storydesk.reconcile.common import Context
from storydesk.reconcile.entities import (
    attach_roles,
    first_name_compatible,
    normalise_role,
    resolve_entities,
    surname_match,
)

SENTENCES_A = [
    'Ukraine "will be waiting for signals from the American delegation after its meetings in Russia," '
    "Ukrainian President Volodymyr Zelenskyy said in a post on X.",
    "Taoiseach Micheal Martin, center left, speaks to Ukrainian President Volodymyr Zelenskyy and first lady "
    "Olena Zelenska as they arrive at Dublin Airport.",
    "Zelenskyy landed on Tuesday in Dublin, where he's expected to meet with Taoiseach Micheal Martin.",
    "Russia's President Vladimir Putin, accompanied by Kremlin economic envoy Kirill Dmitriev and Kremlin "
    "aide Yuri Ushakov, meets with special envoy Steve Witkoff.",
    "Earlier, Kremlin spokesperson Dmitry Peskov said the meeting had no time limit.",
]
SENTENCES_B = [
    "Ukrainian President Volodymyr Zelensky said on Tuesday he was ready to move forward with peace "
    "negotiations if Witkoff made progress with Putin.",
    "According to the Kremlin, Putin was joined at his meeting with Witkoff and Kushner by Yury Ushakov and "
    "Kirill Dmitriev, the Russian president's foreign policy and economic aides, respectively.",
    '"We have no doubt that this will be a very important step towards peace and a peaceful settlement," '
    "Peskov said.",
    'Their last encounter, in August 2025, was described as "very productive" by President Trump.',
]
SENTENCES_C = [
    "Trump has frequently stated he wants to end the war, despite earlier meetings with Putin in Alaska and "
    "with Ukrainian President Volodymyr Zelenskiy.",
    "In Florida on Sunday, Steven Witkoff, Jared Kushner, and U.S. Secretary of State Marco Rubio met Rustem "
    "Umerov.",
    "U.S. President Donald Trump and first lady Melania Trump hosted a dinner in Washington.",
    "Melania Trump spoke first, and the United States delegation left for NATO talks.",
]


@pytest.fixture(scope="module")
def index():
    arts = []
    art_a, an_a = article("a", SENTENCES_A)
    mentions(
        art_a,
        an_a,
        "PERSON",
        "Volodymyr Zelenskyy",
        "Zelenskyy",
        "Olena Zelenska",
        "Vladimir Putin",
        "Kirill Dmitriev",
        "Yuri Ushakov",
        "Steve Witkoff",
        "Dmitry Peskov",
        "Micheal Martin",
    )
    mentions(art_a, an_a, "GPE", "Ukraine", "Russia", "Dublin")
    role(art_a, an_a, "Kremlin spokesperson", "Dmitry Peskov")
    role(art_a, an_a, "Ukrainian President", "Volodymyr Zelenskyy")
    art_b, an_b = article("b", SENTENCES_B)
    mentions(
        art_b,
        an_b,
        "PERSON",
        "Volodymyr Zelensky",
        "Putin",
        "Yury Ushakov",
        "Kirill Dmitriev",
        "Peskov",
        "Trump",
    )
    mentions(art_b, an_b, "ORG", "Witkoff", "Kushner")  # the small model's usual mistake
    mentions(art_b, an_b, "ORG", "Kremlin")
    role(art_b, an_b, "Ukrainian President", "Volodymyr Zelensky")
    art_c, an_c = article("c", SENTENCES_C)
    mentions(
        art_c,
        an_c,
        "PERSON",
        "Volodymyr Zelenskiy",
        "Putin",
        "Steven Witkoff",
        "Jared Kushner",
        "Marco Rubio",
        "Rustem Umerov",
        "Donald Trump",
        "Melania Trump",
    )
    mentions(art_c, an_c, "PERSON", "Trump")
    mentions(art_c, an_c, "GPE", "U.S.", "United States", "Washington", "Alaska", "Florida")
    mentions(art_c, an_c, "ORG", "NATO")
    arts = [art_a, art_b, art_c]
    ctx = Context(arts, {"a": an_a, "b": an_b, "c": an_c})
    idx = resolve_entities(ctx)
    attach_roles(ctx, idx, an_a.roles + an_b.roles + an_c.roles)
    return idx


def _entity_of(idx, variant: str):
    hits = [entity for entity in idx.entities if variant in entity.variants]
    assert len(hits) == 1, (variant, [(entity.name, entity.variants) for entity in hits])
    return hits[0]


SAME = [
    ("Volodymyr Zelenskyy", "Volodymyr Zelensky", "Volodymyr Zelenskiy", "Zelenskyy"),
    ("Yuri Ushakov", "Yury Ushakov"),
    ("Steve Witkoff", "Steven Witkoff", "Witkoff"),
    ("Dmitry Peskov", "Peskov"),
    ("Vladimir Putin", "Putin"),
    ("Jared Kushner", "Kushner"),
    ("U.S.", "United States"),
]
APART = [
    ("Donald Trump", "Melania Trump"),
    ("Volodymyr Zelenskyy", "Olena Zelenska"),
    ("Vladimir Putin", "Volodymyr Zelenskyy"),
    ("Kirill Dmitriev", "Dmitry Peskov"),
]


@pytest.mark.parametrize("names", SAME)
def test_spellings_merge(index, names):
    ids = {_entity_of(index, name).id for name in names}
    assert len(ids) == 1, names


@pytest.mark.parametrize("pair", APART)
def test_different_people_stay_apart(index, pair):
    assert _entity_of(index, pair[0]).id != _entity_of(index, pair[1]).id


def test_lone_surname_ambiguous_in_story_stays_with_its_article(index):
    # "Trump" alone: the story has two Trumps (c), but article b only knows the president's title
    donald = _entity_of(index, "Donald Trump")
    melania = _entity_of(index, "Melania Trump")
    trump_mentions = [
        mention_key
        for mention_key, entity_id in index.of_mention.items()
        if entity_id in (donald.id, melania.id)
    ]
    assert all(
        index.of_mention[mention_key] != melania.id for mention_key in trump_mentions if mention_key[0] == "b"
    )


def test_entity_fields(index):
    zelenskyy = _entity_of(index, "Zelenskyy")
    assert zelenskyy.type == "PERSON"
    assert zelenskyy.name == "Volodymyr Zelenskyy"  # most complete, most common spelling
    assert zelenskyy.articles == ["a", "b", "c"]
    assert zelenskyy.id.startswith("e-")
    assert EntityRole("Ukrainian President", ["a", "b"]) in zelenskyy.roles
    assert _entity_of(index, "Dmitry Peskov").roles == [EntityRole("Kremlin spokesperson", ["a"])]
    assert _entity_of(index, "Kushner").type == "PERSON"


@pytest.mark.parametrize(
    ("name", "other", "ok"),
    [
        ("steve", "steven", True),
        ("yuri", "yury", True),
        ("volodymyr", "volodymyr", True),
        ("d", "donald", True),
        ("donald", "melania", False),
        ("olena", "volodymyr", False),
        ("kirill", "dmitry", False),
    ],
)
def test_first_names(name, other, ok):
    assert first_name_compatible(name, other) is ok


@pytest.mark.parametrize(
    ("surname", "other", "ok"),
    [
        ("zelenskyy", "zelensky", True),
        ("zelenskyy", "zelenskiy", True),
        ("ushakov", "ushakov", True),
        ("trump", "rubio", False),
        ("putin", "peskov", False),
    ],
)
def test_surnames(surname, other, ok):
    assert bool(surname_match(surname, other)) is ok


@pytest.mark.parametrize(
    ("raw", "norm"),
    [
        ("the Kremlin spokesman", "Kremlin spokesman"),
        ("Trump's son-in-law", "Trump's son-in-law"),  # a relation keeps its anchor
        ("President Donald Trump’s special envoy", "special envoy"),
        ("Russia's President", "President"),
    ],
)
def test_normalise_role(raw, norm):
    assert normalise_role(raw) == norm


# An honorific is how a name is written, not another name (issue 9): (mention in article a with its label,
# mention in article b with its label, the one entity's name), or None when they must stay apart.
HONORIFIC_CASES = [
    (
        "UK Prime Minister Sir Keir Starmer met him.",
        "Sir Keir Starmer",
        "PERSON",
        "British Prime Minister Keir Starmer spoke.",
        "Keir Starmer",
        "PERSON",
        "Keir Starmer",
    ),
    # the model's usual mislabel on either side: the honorific says it is a person
    (
        "UK Prime Minister Sir Keir Starmer met him.",
        "Sir Keir Starmer",
        "ORG",
        "British Prime Minister Keir Starmer spoke.",
        "Keir Starmer",
        "PERSON",
        "Keir Starmer",
    ),
    (
        "UK Prime Minister Sir Keir Starmer met him.",
        "Sir Keir Starmer",
        "PERSON",
        "British Prime Minister Keir Starmer spoke.",
        "Keir Starmer",
        "ORG",
        "Keir Starmer",
    ),
    (
        "Dame Jane Roe opened the session.",
        "Dame Jane Roe",
        "NORP",
        "Jane Roe spoke.",
        "Jane Roe",
        "PERSON",
        "Jane Roe",
    ),
    # "Sir" and "Dame" go before the given name, in another article too
    (
        "Sir Keir told MPs he would not resign.",
        "Sir Keir",
        "PERSON",
        "British Prime Minister Keir Starmer spoke.",
        "Keir Starmer",
        "PERSON",
        "Keir Starmer",
    ),
    (
        "Mr. Starmer told MPs he would not resign.",
        "Mr. Starmer",
        "ORG",
        "British Prime Minister Keir Starmer spoke.",
        "Keir Starmer",
        "PERSON",
        "Keir Starmer",
    ),
    # an honorific does not make two first names one person
    (
        "Sir John Roe opened the session.",
        "Sir John Roe",
        "PERSON",
        "Jane Roe spoke.",
        "Jane Roe",
        "PERSON",
        None,
    ),
]


@pytest.mark.parametrize("sa,ma,la,sb,mb,lb,name", HONORIFIC_CASES)
def test_honorific_is_not_another_name(sa, ma, la, sb, mb, lb, name):
    art_a, an_a = article("a", [sa])
    mentions(art_a, an_a, la, ma)
    art_b, an_b = article("b", [sb])
    mentions(art_b, an_b, lb, mb)
    idx = resolve_entities(Context([art_a, art_b], {"a": an_a, "b": an_b}))
    ea, eb = _entity_of(idx, ma), _entity_of(idx, mb)
    if name is None:
        assert ea.id != eb.id
    else:
        assert ea.id == eb.id and ea.name == name and ea.type == "PERSON", (ea, eb)
