"""Analyze stage: credit lines, and named entities corrected by evidence within the article."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from spacy.language import Language
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

from ..credits import CREDIT_LINE_RE
from ..text import CAPITALISED as _CAP
from ..text import fold_name
from .lexicon import HONORIFICS, ORG_WORDS, SPEECH_LEMMAS, TITLE_WORDS
from .sentences import trimmed

NAME_LABELS = frozenset(
    {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW"}
)
_BYLINE = re.compile(rf"^[ \t]*By[ \t]+{_CAP}(?:[ \t]+(?:{_CAP}|and|&|,))*[ \t]*$", re.M)
_CONTRIB = re.compile(
    r"^[^\n]*\b(?:contributed (?:to )?(?:this )?report(?:ing)?|reporting by|editing by|"
    r"writing by)\b[^\n]*$",
    re.M | re.I,
)
_SHORT_LINE = re.compile(r"^[ \t]*(?:[A-Z][\w'’.&\-]*[ \t]?){1,3}[ \t]*$", re.M)
_POSSESSIVE = re.compile(r"[’']s?$")
# Datelines opening a paragraph: "CITY --", "CITY, Country —", "CITY (Agency) -", "City (AP) —".
_DATELINE = re.compile(
    r"^[ \t]*(?:[A-Z][A-Z.'’\-]+(?:[ \t]+[A-Z][A-Z.'’\-]+){0,3}"
    r"(?:,[ \t]*[A-Z][\w.'’\-]*(?:[ \t]+[A-Z][\w.'’\-]*){0,2})?"
    r"(?:[ \t]*\([A-Z][\w .&]{0,30}\))?[ \t]*(?:--|—|–|-)"
    r"|[A-Z][\w.'’\-]*(?:[ \t]+[A-Z][\w.'’\-]*){0,3}"
    r"(?:,[ \t]*[A-Z][\w.'’\-]*(?:[ \t]+[A-Z][\w.'’\-]*){0,2})?"
    r"[ \t]*\([A-Z][\w .&]{0,30}\)[ \t]*(?:--|—|–|-))(?=[ \t])",
    re.M,
)
# Words after a name that make it a place ("the X region") and before it ("the port of X").
PLACE_NOUNS = frozenset(
    """region city province oblast district town village port capital county state territory
    republic island coast valley area municipality prefecture governorate""".split()
)
# Prepositions that put a name in a place ("in X", "near X"); "to"/"from" only after a verb of motion.
_PLACE_PREPS = frozenset({"in", "near", "outside", "across", "around"})
_MOTION_PREPS = frozenset({"to", "from", "into", "toward", "towards"})
MOTION_LEMMAS = frozenset(
    """travel fly go come return arrive head move flee drive sail visit trip journey flight
    road route ferry train evacuate deploy send relocate withdraw retreat advance march""".split()
)
# Nouns a place name premodifies ("the X pumping station").
FACILITY_NOUNS = frozenset("station plant airport dam bridge port base reservoir crossing checkpoint".split())
PUBLISH_LEMMAS = SPEECH_LEMMAS | frozenset("publish print quote cite interview appear air broadcast".split())
# First words that make a name an event, not a person ("Storm X", "Hurricane Y").
EVENT_HEADS = frozenset("storm hurricane typhoon cyclone tropical tornado wildfire operation".split())


@Language.component("storydesk_credits")
def mark_credits(doc: Doc) -> Doc:
    """Reads doc.text; writes Doc._.credits: [start, end] char spans of photo credits, bylines, agency lines.

    Later components ignore entities, quotes and statements inside these spans.
    """
    spans = []
    for pattern in (CREDIT_LINE_RE, _BYLINE, _CONTRIB):
        spans += [[match.start(), match.end()] for match in pattern.finditer(doc.text)]
    for match in _SHORT_LINE.finditer(doc.text):
        # A line of at most three capitalised words alone ("Reuters", "Tags") is furniture, not prose.
        if match.group().strip() and not any(ch in match.group() for ch in ".!?:"):
            spans.append([match.start(), match.end()])
    # A dateline names where the story was filed, not who or what it is about.
    spans += [[match.start(), match.end()] for match in _DATELINE.finditer(doc.text)]
    doc._.credits = sorted(spans)
    return doc


def in_spans(spans: list[list[int]], start: int, end: int) -> bool:
    return any(span_start <= start and end <= span_end for span_start, span_end in spans)


def _trim(ent: Span) -> Span | None:
    """Drop a leading determiner and a trailing possessive or punctuation: "the Ministry's" -> "Ministry"."""
    start, end = ent.start, ent.end
    doc = ent.doc
    while start < end and (
        doc[start].lower_ in ("the", "a", "an") or doc[start].is_punct or doc[start].is_space
    ):
        start += 1
    while end > start and (
        doc[end - 1].tag_ == "POS"
        or doc[end - 1].lower_ in ("'s", "’s", "'", "’")
        or doc[end - 1].is_punct
        or doc[end - 1].is_space
    ):
        end -= 1
    if start >= end:
        return None
    return Span(doc, start, end, label=ent.label_)


def _title_first(head) -> bool:
    """Whether a noun phrase is a title: its head or its first word after a determiner is a title word."""
    first = next((token for token in head.subtree if token.pos_ != "DET"), head)
    return head.lemma_.lower() in TITLE_WORDS or first.lower_ in TITLE_WORDS


def _person_votes(ent: Span) -> int:
    """Evidence from the context that a name is a person's: a title before it, a speech verb after it."""
    doc = ent.doc
    votes = 0
    before = doc[ent.start - 1] if ent.start > 0 else None
    if before is not None and (before.lower_ in TITLE_WORDS or before.lower_ in HONORIFICS):
        votes += 2
    root = ent.root
    if root.dep_ in ("nsubj", "nsubjpass") and root.head.lemma_ in SPEECH_LEMMAS and len(ent) >= 2:
        if not any(token.lower_ in ORG_WORDS for token in ent) and ent.label_ not in ("GPE", "NORP"):
            votes += 1
    for child in root.children:  # "Name, the secretary of ..."
        if child.dep_ == "appos" and child.i > root.i and _title_first(child):
            votes += 2
    if root.dep_ == "appos" and root.head.lemma_.lower() in TITLE_WORDS and root.head.ent_type_ == "":
        votes += 2
    return votes


def _place_votes(ent: Span) -> int:
    """Evidence that a name is a place: "in X", "travelled to X", "X region", "the port of X"."""
    doc = ent.doc
    votes = 0
    after = doc[ent.end] if ent.end < len(doc) else None
    if after is not None and after.lower_ in PLACE_NOUNS and after.is_lower:
        votes += 2
    root = ent.root
    if root.dep_ == "compound" and root.head.lemma_.lower() in FACILITY_NOUNS:
        votes += 2  # "the X pumping station", "X airport"
    if len(ent) == 1 and any(conjunct.ent_type_ in ("GPE", "LOC") for conjunct in root.conjuncts):
        votes += 1  # listed with places: "Crimea, Donbas and X"
    before = doc[ent.start - 1] if ent.start > 0 else None
    if (
        before is not None
        and before.lower_ in _PLACE_PREPS
        and root.head.i == before.i
        and before.head.lemma_.lower() not in PUBLISH_LEMMAS
    ):  # "reported in X" names a medium
        votes += 2
    elif (
        before is not None and before.lower_ in _MOTION_PREPS and before.head.lemma_.lower() in MOTION_LEMMAS
    ):
        votes += 2
    elif (
        before is not None
        and before.lower_ == "of"
        and ent.start > 1
        and doc[ent.start - 2].lower_ in PLACE_NOUNS
    ):
        votes += 2
    return votes


def _common_noun_start(ent: Span) -> bool:
    """A capitalised common noun opening a sentence ("Ferry service resumed"): one word the tagger calls a
    noun, modifying a lower-case noun after it."""
    tok = ent[0]
    nxt = tok.doc[tok.i + 1] if tok.i + 1 < len(tok.doc) else None
    return (
        len(ent) == 1
        and bool(tok.is_sent_start)
        and tok.pos_ == "NOUN"
        and tok.dep_ == "compound"
        and nxt is not None
        and nxt.is_lower
        and nxt.pos_ == "NOUN"
    )


def _extend_given_names(doc: Doc, ents: list[Span]) -> list[Span]:
    """A capitalised word the parse joins to a person's name ("Ivan" in "by Ivan Smith") is part of it."""
    # the model sometimes tags the given name alone as a one-word organisation; it joins the person too
    ent_at = {i: ent for ent in ents for i in range(ent.start, ent.end)}
    absorbed: set[int] = set()
    out = []
    for ent in ents:
        start = ent.start
        while ent.label_ == "PERSON" and start > 0:
            before = doc[start - 1]
            other = ent_at.get(before.i)
            if other is not None and not (
                len(other) == 1 and other.label_ in ("ORG", "PRODUCT", "WORK_OF_ART")
            ):
                break
            if not (
                before.pos_ == "PROPN"
                and before.is_title
                and before.dep_ == "compound"
                and ent.start <= before.head.i < ent.end
                and before.lower_ not in TITLE_WORDS
                and before.lower_ not in HONORIFICS
                and before.lower_ not in ORG_WORDS
            ):
                break
            if other is not None:
                absorbed.add(other.start)
            start -= 1
        out.append(Span(doc, start, ent.end, label=ent.label_) if start != ent.start else ent)
    return [ent for ent in out if not (len(ent) == 1 and ent.start in absorbed and ent.label_ != "PERSON")]


def _unlabelled_titled_names(doc: Doc, ents: list[Span], credits: list[list[int]]) -> list[Span]:
    """Runs of capitalised proper nouns the model left unlabelled but the article presents as a person:
    a title word right before them, or an appositive title after ("Jane Roe, secretary of ...")."""
    taken = {i for ent in ents for i in range(ent.start, ent.end)}
    out = []
    i = 0
    while i < len(doc):
        tok = doc[i]
        if tok.i in taken or tok.pos_ != "PROPN" or not tok.is_title:
            i += 1
            continue
        j = i
        while j + 1 < len(doc) and j + 1 not in taken and doc[j + 1].pos_ == "PROPN" and doc[j + 1].is_title:
            j += 1
        span = doc[i : j + 1]
        if (
            len(span) >= 2
            and not in_spans(credits, span.start_char, span.end_char)
            and not any(token.lower_ in TITLE_WORDS or token.lower_ in ORG_WORDS for token in span)
        ):
            before = doc[i - 1] if i > 0 else None
            titled = before is not None and before.lower_ in TITLE_WORDS
            for child in span.root.children:
                if child.dep_ == "appos" and child.i > j and _title_first(child):
                    titled = True
            if titled:
                out.append(Span(doc, i, j + 1, label="PERSON"))
        i = j + 1
    return out


@Language.component("storydesk_entities")
def fix_entities(doc: Doc) -> Doc:
    """Reads doc.ents, the parse and Doc._.credits; writes corrected doc.ents.

    Trims determiners and possessives, drops names inside credit lines, gives one type per name by
    majority and context cues, and labels later bare surnames of a named person as PERSON.
    """
    credits = doc._.credits or []
    ents = _extend_given_names(doc, _cleaned_entities(doc, credits))
    ents += _unlabelled_titled_names(doc, ents, credits)
    label_of = _name_labels(doc, ents)
    # Surnames of multi-word persons: a later bare "Surname" is the same person.
    surnames = {
        key.split()[-1]: key for key, label in label_of.items() if label == "PERSON" and len(key.split()) >= 2
    }
    for key in list(label_of):
        if len(key.split()) == 1 and key in surnames:
            label_of[key] = "PERSON"
    out = [_relabelled(doc, ent, label_of) for ent in ents]
    out += _missed_persons(doc, out, label_of, surnames, credits)
    doc.ents = filter_spans(out)
    return doc


def _cleaned_entities(doc: Doc, credits: list[list[int]]) -> list[Span]:
    """The model's entities, each ``_cleaned``, without those inside credit lines."""
    ents: list[Span] = []
    for ent in doc.ents:
        cleaned = _cleaned(doc, ent)
        if cleaned is not None and not in_spans(credits, cleaned.start_char, cleaned.end_char):
            ents.append(cleaned)
    return ents


def _cleaned(doc: Doc, ent: Span) -> Span | None:
    """An entity without edge spaces, and a name without a leading determiner or trailing possessive;
    None for a name that is a capitalised common noun opening a sentence."""
    start, end = trimmed(doc, ent.start, ent.end)
    if start == end:
        return None
    span = Span(doc, start, end, label=ent.label_)
    if ent.label_ not in NAME_LABELS:
        return span
    cut = _trim(span)
    return None if cut is None or _common_noun_start(cut) else cut


class _NameCues:
    """What the article says about each name (by its folded form): the labels the model gave it and the
    context cues around its mentions."""

    def __init__(self) -> None:
        self.votes: dict[str, Counter[str]] = defaultdict(Counter)
        self.place: Counter[str] = Counter()
        self.person_cued: set[str] = set()
        self.event: set[str] = set()
        self.org_like: set[str] = set()

    def add(self, doc: Doc, ent: Span) -> None:
        key = fold_name(ent.text)
        self.votes[key][ent.label_] += 1
        span = Span(doc, ent.start, ent.end, label=ent.label_)
        cue = _person_votes(span)
        if cue:
            self.votes[key]["PERSON"] += cue
            self.person_cued.add(key)
        if ent.label_ in ("PERSON", "ORG", "GPE", "LOC", "FAC"):
            self.place[key] += _place_votes(span)
        if doc[ent.start].lower_ in EVENT_HEADS and len(ent) >= 2:
            self.event.add(key)
        if ent.label_ == "ORG" and (
            (ent.start > 0 and doc[ent.start - 1].lower_ == "the") or ent.text.isupper()
        ):
            self.org_like.add(key)

    def label(self, key: str) -> str:
        """The name's label: the majority vote, unless the cues make it an event or a place."""
        majority = self.votes[key].most_common(1)[0][0]
        # place cues without any person cue make a name a place; an organisation only when written like a
        # place name (no "the", not an acronym, no organisation word)
        if key in self.event:
            return "EVENT"
        if self.place[key] and majority == "PERSON" and key not in self.person_cued:
            return "LOC" if self.votes[key]["LOC"] else "GPE"
        if (
            self.place[key]
            and majority == "ORG"
            and key not in self.org_like
            and not set(key.split()) & ORG_WORDS
        ):
            return "LOC" if self.votes[key]["LOC"] else "GPE"
        return majority


def _name_labels(doc: Doc, ents: list[Span]) -> dict[str, str]:
    """One label for each name (folded), in the order of the names' first mentions."""
    cues = _NameCues()
    for ent in ents:
        if ent.label_ in NAME_LABELS:
            cues.add(doc, ent)
    return {key: cues.label(key) for key in cues.votes}


def _relabelled(doc: Doc, ent: Span, label_of: dict[str, str]) -> Span:
    """A name with its name's one label; other entities as they are."""
    if ent.label_ not in NAME_LABELS:
        return ent
    start, label = ent.start, label_of[fold_name(ent.text)]
    # a title the model took into a person's name ("Taoiseach Jane Roe") is a role, not the name
    while (
        label == "PERSON"
        and ent.end - start > 2
        and (doc[start].lower_ in TITLE_WORDS or doc[start].lower_ in HONORIFICS)
    ):
        start += 1
    return Span(doc, start, ent.end, label=label)


def _missed_persons(
    doc: Doc, ents: list[Span], label_of: dict[str, str], surnames: dict[str, str], credits: list[list[int]]
) -> list[Span]:
    """Names the model missed in one place but found in another: the unlabelled occurrences, labelled."""
    taken = {i for ent in ents for i in range(ent.start, ent.end)}
    known = {key: label for key, label in label_of.items() if label == "PERSON"}
    for key in surnames:
        known.setdefault(key, "PERSON")
    found = []
    for tok in doc:
        if tok.i in taken or not tok.is_title or tok.pos_ in ("DET", "PRON", "ADP", "CCONJ"):
            continue
        key = fold_name(tok.text)
        if key in known and not in_spans(credits, tok.idx, tok.idx + len(tok)):
            start = _name_start(doc, tok, taken, known)
            found.append(Span(doc, start, tok.i + 1, label=known[key]))
            taken.update(range(start, tok.i + 1))
    return found


def _name_start(doc: Doc, tok: Token, taken: set[int], known: dict[str, str]) -> int:
    """Where a known name ending at ``tok`` starts: with a given name before it ("Jane" + "Smith")."""
    start = tok.i
    while (
        start > 0
        and start - 1 not in taken
        and doc[start - 1].pos_ == "PROPN"
        and fold_name(doc[start - 1 : tok.i + 1].text) in known
    ):
        start -= 1
    return start
