"""Who the dossier says spoke (reconcile/quotes.py, `speaker` and `speaker_name`), as data: an entity only
when the article names it as the speaker, else the speaker as written (issue 9, "speakers that are not
speakers": a nationality or country modifying the subject is not who spoke)."""

from __future__ import annotations

import pytest
from reconcile_kit import article, mentions, span

from storydesk.models import Quote, to_json
from storydesk.reconcile.common import Context
from storydesk.reconcile.entities import resolve_entities
from storydesk.reconcile.quotes import reconcile_quotes

CASES = [
    # (sentence, mentions {label: names}, quote, analysis speaker, speaker as written,
    #  entity the dossier must credit (its name) or None, speaker_name)
    (
        "Ukrainian officials said they would support the revised plan.",
        {"NORP": ["Ukrainian"]},
        "they would support the revised plan",
        None,
        "Ukrainian officials",
        None,
        "Ukrainian officials",
    ),
    (
        "U.S. officials estimate over 1.2 million men have been killed or injured.",
        {"GPE": ["U.S."]},
        "over 1.2 million men have been killed or injured",
        None,
        "U.S. officials",
        None,
        "U.S. officials",
    ),
    (
        "The top Ukrainian official at the Florida talks said there had been progress.",
        {"NORP": ["Ukrainian"], "GPE": ["Florida"]},
        "there had been progress",
        None,
        "The top Ukrainian official at the Florida talks",
        None,
        "The top Ukrainian official at the Florida talks",
    ),
    (
        "European governments rejected what they view as a punitive deal for the region.",
        {"NORP": ["European"]},
        "what they view as a punitive deal",
        None,
        "European governments",
        None,
        "European governments",
    ),
    # a nationality or group as the subject is kept as written, not as the entity of the adjective
    (
        "Ukrainians said they would support the revised plan.",
        {"NORP": ["Ukrainians"]},
        "they would support the revised plan",
        "Ukrainians",
        "Ukrainians",
        None,
        "Ukrainians",
    ),
    # a place that is not a country: as written
    (
        "Europe warns against a punitive peace for the region.",
        {"LOC": ["Europe"]},
        "against a punitive peace",
        None,
        "Europe",
        None,
        "Europe",
    ),
    # a country or body that is the subject itself speaks (metonymy)
    (
        "Russia said the talks would continue next week.",
        {"GPE": ["Russia"]},
        "the talks would continue next week",
        "Russia",
        "Russia",
        "Russia",
        "Russia",
    ),
    (
        "The Kremlin said the talks would continue next week.",
        {"ORG": ["Kremlin"]},
        "the talks would continue next week",
        "Kremlin",
        "The Kremlin",
        "Kremlin",
        "Kremlin",
    ),
    # the named speaker, not the body in the title before the name
    (
        "Ministry spokesman John Roe said the talks would continue next week.",
        {"ORG": ["Ministry"], "PERSON": ["John Roe"]},
        "the talks would continue next week",
        "John Roe",
        "Ministry spokesman John Roe",
        "John Roe",
        "John Roe",
    ),
    # a relative pronoun names no one: no speaker_name "who"
    (
        "Ukrainian and European officials, who said the document conceded to the demands, met on Monday.",
        {"NORP": ["Ukrainian", "European"]},
        "the document conceded to the demands",
        None,
        "who",
        None,
        None,
    ),
]


@pytest.mark.parametrize("sentence,names,text,speaker,written,entity,speaker_name", CASES)
def test_speaker_in_the_dossier(sentence, names, text, speaker, written, entity, speaker_name):
    art, an = article("a", [sentence])
    for label, texts in names.items():
        mentions(art, an, label, *texts)
    start, end = span(art, text)
    ws, we = span(art, written)
    an.quotes.append(
        Quote(
            "a",
            start,
            end,
            text,
            kind="indirect",
            speaker=speaker,
            speaker_text=written,
            speaker_start=ws,
            speaker_end=we,
            sentence=0,
        )
    )
    ctx = Context([art], {"a": an})
    index = resolve_entities(ctx)
    quotes, _conflicts = to_json(reconcile_quotes(ctx, index))
    found = next(found for found in quotes if found["text"] == text)
    assert (index.by_id[found["speaker"]].name if found["speaker"] else None) == entity, found
    assert found["speaker_name"] == speaker_name, found
