"""Analyze stage: sentence-level statements, with who the article attributes them to and how."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span

from .entities import in_spans
from .lexicon import CLAIM_LEMMAS, DENY_LEMMAS, DENY_PHRASES, DISPUTE_LEMMAS, REPORT_LEMMAS, SPEECH_LEMMAS
from .sentences import sentence_ranges

_CONTRAST = frozenset({"however", "nevertheless", "nonetheless"})
_NEGATION = frozenset({"not", "n't", "no", "never", "neither", "nor", "still"})
_HEARSAY = frozenset({"reportedly", "allegedly", "purportedly", "apparently"})
MIN_STATEMENT_WORDS = 5  # a sentence of fewer alphabetic words is no statement


def _conditional(verb) -> bool:
    """Whether a verb sits in an "if"/"unless" clause ("warns that if Varn rejects a deal ...")."""
    node = verb
    while True:
        if any(c.dep_ == "mark" and c.lower_ in ("if", "unless", "whether") for c in node.children):
            return True
        if node.head.i == node.i or node.dep_ not in ("advcl", "conj", "xcomp"):
            return False
        node = node.head


def _stance(sent: Span, attributed: bool) -> tuple[str, str | None]:
    """(stance, cue word) from the verbs and phrases of a sentence."""
    low = sent.text.lower()
    for t in sent:
        lemma = t.lemma_.lower()
        if t.pos_ in ("VERB", "AUX") and lemma in DENY_LEMMAS and not _conditional(t):
            return "deny", t.text
    for phrase in DENY_PHRASES:
        if f" {phrase}" in f" {low}":
            return "deny", phrase
    cue_i = next((t.i for t in sent if t.pos_ == "VERB" and t.lemma_.lower() in SPEECH_LEMMAS), None)
    if attributed and cue_i is not None:
        # "The army, however, said its forces still held ...": a contrasting party's answer to a claim
        before = {t.lower_ for t in sent if t.i < cue_i}
        after = {t.lower_ for t in sent if t.i > cue_i}
        if before & _CONTRAST and after & _NEGATION:
            return "deny", None
    for t in sent:
        lemma = t.lemma_.lower()
        if t.pos_ in ("VERB", "AUX") and lemma in DISPUTE_LEMMAS:
            return "dispute", t.text
    for t in sent:
        if t.pos_ in ("VERB", "AUX") and t.lemma_.lower() in CLAIM_LEMMAS:
            return "claim", t.text
    for t in sent:
        if t.lower_ == "according" or t.lower_ in _HEARSAY:
            return "report", "according to" if t.lower_ == "according" else t.text
        if (
            t.pos_ == "VERB"
            and t.lemma_.lower() in REPORT_LEMMAS
            and any(c.dep_ == "nsubj" for c in t.children)
        ):
            return "report", t.text
    return ("claim" if attributed else "assert"), None


@Language.component("storydesk_statements")
def find_statements(doc: Doc) -> Doc:
    """Reads sentences, the parse, Doc._.quotes and Doc._.credits; writes Doc._.statements:
    [{start, end, stance, holder, cue}] (char offsets of the sentence). Skips credits, headlines,
    questions and fragments of fewer than five words."""
    credits = doc._.credits or []
    quotes = doc._.quotes or []
    out = []
    for a, b in sentence_ranges(doc):
        span = doc[a:b]
        words = [t for t in span if t.is_alpha]
        if len(words) < MIN_STATEMENT_WORDS or span.text.rstrip("”\"' ").endswith("?"):
            continue
        if in_spans(credits, span.start_char, span.end_char) or not any(
            t.pos_ in ("VERB", "AUX") for t in span
        ):
            continue
        if span.text.rstrip()[-1] not in ".!”\"'’)":
            continue  # a headline or caption without a closing stop
        attribution = None
        for q in quotes:
            cue_in = q.get("cue_start") is not None and span.start_char <= q["cue_start"] < span.end_char
            if cue_in or (span.start_char <= q["start"] < span.end_char and q.get("cue")):
                attribution = q
                break
        stance, cue = _stance(span, attribution is not None)
        holder = None
        if attribution is not None:
            holder = attribution.get("speaker") or attribution.get("speaker_text")
            cue = cue or attribution.get("cue")
        elif stance != "assert":
            holder = _subject_text(span)
        out.append(
            {"start": span.start_char, "end": span.end_char, "stance": stance, "holder": holder, "cue": cue}
        )
    doc._.statements = out
    return doc


def _subject_text(span: Span) -> str | None:
    """The subject of the sentence's stance verb ("open-source monitoring groups")."""
    for t in span:
        if (
            t.pos_ == "VERB"
            and t.lemma_.lower() in SPEECH_LEMMAS | CLAIM_LEMMAS | DENY_LEMMAS | REPORT_LEMMAS
        ):
            for c in t.children:
                if c.dep_ in ("nsubj", "nsubjpass"):
                    return span.doc[c.left_edge.i : c.i + 1].text
    return None
