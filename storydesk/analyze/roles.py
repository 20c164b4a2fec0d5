"""Analyze stage: titles and roles that the article attaches to named people."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from .lexicon import HONORIFICS, TITLE_WORDS

_PREMOD_DEPS = frozenset({"compound", "amod", "nmod", "poss", "nummod"})
_MAX_ROLE = 12
# Caption positions ("X, center left") are not roles.
_POSITIONS = frozenset(
    "left right center centre top bottom front back middle foreground background file".split()
)


# Family ties name a role too ("son-in-law", "wife").
KIN_WORDS = frozenset(
    """son daughter wife husband brother sister father mother nephew niece cousin uncle aunt
    grandson granddaughter widow widower partner""".split()
)
# Nouns for people by what they do ("speechwriter", "activist", "resident"): a role; other nouns
# ("expectation", "conditions") are not.
_AGENT = ("er", "or", "ist", "ian", "ant", "ent", "ee", "man", "woman", "person", "ess", "ive", "aire")


def _is_title_token(tok: Token) -> bool:
    low, lemma = tok.lower_, tok.lemma_.lower()
    if low in TITLE_WORDS or lemma in TITLE_WORDS or lemma in KIN_WORDS:
        return True
    return tok.pos_ == "NOUN" and low not in HONORIFICS and lemma.endswith(_AGENT) and len(lemma) > 4


def _has_title(doc: Doc, start: int, end: int) -> bool:
    return any(_is_title_token(token) for token in doc[start:end])


def _strip(doc: Doc, start: int, end: int, person: Span) -> tuple[int, int]:
    """Trim determiners, punctuation and honorifics at the edges of a role."""
    while start < end and (
        doc[start].pos_ in ("DET", "PUNCT", "CCONJ", "ADP")
        or doc[start].is_space
        or doc[start].lower_ in HONORIFICS
    ):
        start += 1
    while end > start and (
        doc[end - 1].is_punct
        or doc[end - 1].is_space
        or doc[end - 1].pos_ == "CCONJ"
        or doc[end - 1].lower_ in HONORIFICS
    ):
        end -= 1
    return start, end


def _premodifier(person: Span) -> tuple[int, int] | None:
    """ "Ministry spokesman John Roe": the compound/amod/poss children of the name's head before it."""
    doc = person.doc
    lefts = [left for left in person.root.lefts if left.i < person.start and left.dep_ in _PREMOD_DEPS]
    if lefts:
        start = min(left.left_edge.i for left in lefts)
    else:
        # The parse may attach the title elsewhere ("Secretary of State Jane Smith"): walk left over
        # a title-like run of words (nouns, adjectives, proper nouns, "of", possessives, hyphens).
        start = person.start
        while start > 0 and person.start - start < _MAX_ROLE:
            before = doc[start - 1]
            ok = (
                before.pos_ in ("NOUN", "PROPN", "ADJ")
                or before.tag_ == "POS"
                or before.dep_ == "case"
                or before.text in ("-", "‑")
            )
            ok = ok or (before.lower_ == "of" and start - 2 >= 0 and doc[start - 2].pos_ in ("NOUN", "PROPN"))
            if (
                not ok
                or before.ent_type_ == "PERSON"
                and before.i < person.start - 1
                and doc[before.i + 1].ent_iob_ == "B"
            ):
                break
            start -= 1
    # a comma or a conjunction inside means a list ("Roe, Smith and Secretary X"): keep the last item
    for i in range(person.start - 1, start - 1, -1):
        if doc[i].text in (",", ";", "(", ")", "—", "–") or doc[i].lower_ in ("and", "or", "with", "by"):
            start = i + 1
            break
    # a hyphenated title ("son-in-law") is one word
    while start >= 2 and doc[start - 1].text in ("-", "‑") and not doc[start - 2].whitespace_:
        start -= 2
    if not lefts and start < person.start and doc[person.start - 1].lower_ not in TITLE_WORDS:
        return None  # without the parse's word, only a known title word right before the name counts
    # another person's name at the left edge belongs to the role only as a possessive ("the mayor's envoy")
    start, end = _strip(doc, start, person.start, person)
    if end - start < 1 or end - start > _MAX_ROLE or not _has_title(doc, start, end):
        return None
    if doc[end - 1].ent_type_ == "PERSON" and doc[end - 1].tag_ != "POS":
        return None
    return start, end


def _appositive(person: Span) -> list[tuple[int, int]]:
    """ "Roe, the ministry's spokesman" and "the head of the delegation, Jane Smith"."""
    doc = person.doc
    out = []
    for child in person.root.children:
        if (
            child.dep_ == "appos"
            and child.i >= person.end
            and child.ent_type_ != "PERSON"
            and child.lower_ not in _POSITIONS
        ):
            end = child.i + 1
            if end < len(doc) and doc[end].ent_type_ == "PERSON":
                continue  # in a list, a title right before a name is that name's ("..., and chief X Roe")
            # "the secretary of X's council" but not a relative clause after a comma
            for right in child.rights:
                if right.dep_ in ("prep", "compound", "amod") and not any(
                    token.text == "," for token in doc[child.i : right.i]
                ):
                    end = max(end, right.right_edge.i + 1)
            start = child.left_edge.i
            start, end = _strip(doc, start, end, person)
            if 0 < end - start <= _MAX_ROLE and _has_title(doc, start, end):
                out.append((start, end))
    head = person.root.head
    if person.root.dep_ == "appos" and head.i < person.start and head.ent_type_ == "" and head.pos_ == "NOUN":
        start, end = head.left_edge.i, person.start
        for i in range(head.i + 1, person.start):
            if doc[i].text == ",":
                end = i
                break
        start, end = _strip(doc, start, end, person)
        if 0 < end - start <= _MAX_ROLE and _has_title(doc, start, end):
            out.append((start, end))
    return out


@Language.component("storydesk_roles")
def find_roles(doc: Doc) -> Doc:
    """Reads PERSON doc.ents and the dependency parse; writes Doc._.roles:
    [{start, end, person_start, person_end}] (char offsets) for each title written before a name or in
    apposition to it."""
    roles = []
    for person in doc.ents:
        if person.label_ != "PERSON":
            continue
        found = []
        pre = _premodifier(person)
        if pre:
            found.append(pre)
        found += _appositive(person)
        for start, end in found:
            roles.append(
                {
                    "start": doc[start].idx,
                    "end": doc[end - 1].idx + len(doc[end - 1]),
                    "person_start": person.start_char,
                    "person_end": person.end_char,
                }
            )
    doc._.roles = roles
    return doc
