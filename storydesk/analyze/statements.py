"""Analyze stage: sentence-level statements, with who the article attributes them to and how."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

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
        if any(
            child.dep_ == "mark" and child.lower_ in ("if", "unless", "whether") for child in node.children
        ):
            return True
        if node.head.i == node.i or node.dep_ not in ("advcl", "conj", "xcomp"):
            return False
        node = node.head


def _stance(sent: Span, attributed: bool) -> tuple[str, str | None]:
    """(stance, cue word) from the verbs and phrases of a sentence: deny, else dispute, claim, report."""
    denial = _denial(sent, attributed)
    if denial is not None:
        return denial
    for stance, lemmas in (("dispute", DISPUTE_LEMMAS), ("claim", CLAIM_LEMMAS)):
        verb = next((token for token in sent if _is_verb_of(token, lemmas)), None)
        if verb is not None:
            return stance, verb.text
    return _report_cue(sent) or (("claim" if attributed else "assert"), None)


def _is_verb_of(token: Token, lemmas: frozenset[str]) -> bool:
    return token.pos_ in ("VERB", "AUX") and token.lemma_.lower() in lemmas


def _denial(sent: Span, attributed: bool) -> tuple[str, str | None] | None:
    """("deny", cue) for a denying verb outside an "if" clause, a denying phrase, or a contrasted negation."""
    for token in sent:
        if _is_verb_of(token, DENY_LEMMAS) and not _conditional(token):
            return "deny", token.text
    low = sent.text.lower()
    for phrase in DENY_PHRASES:
        if f" {phrase}" in f" {low}":
            return "deny", phrase
    if attributed and _contrasted_negation(sent):
        return "deny", None
    return None


def _contrasted_negation(sent: Span) -> bool:
    """ "The army, however, said its forces still held ...": a contrasting party's answer to a claim."""
    cue_i = next(
        (token.i for token in sent if token.pos_ == "VERB" and token.lemma_.lower() in SPEECH_LEMMAS), None
    )
    if cue_i is None:
        return False
    before = {token.lower_ for token in sent if token.i < cue_i}
    after = {token.lower_ for token in sent if token.i > cue_i}
    return bool(before & _CONTRAST and after & _NEGATION)


def _report_cue(sent: Span) -> tuple[str, str | None] | None:
    """("report", cue) for "according to", hearsay adverbs and reporting verbs with a subject."""
    for token in sent:
        if token.lower_ == "according" or token.lower_ in _HEARSAY:
            return "report", "according to" if token.lower_ == "according" else token.text
        if (
            token.pos_ == "VERB"
            and token.lemma_.lower() in REPORT_LEMMAS
            and any(child.dep_ == "nsubj" for child in token.children)
        ):
            return "report", token.text
    return None


@Language.component("storydesk_statements")
def find_statements(doc: Doc) -> Doc:
    """Reads sentences, the parse, Doc._.quotes and Doc._.credits; writes Doc._.statements:
    [{start, end, stance, holder, cue}] (char offsets of the sentence). Skips credits, headlines,
    questions and fragments of fewer than five words."""
    credits = doc._.credits or []
    quotes = doc._.quotes or []
    out = []
    for start, end in sentence_ranges(doc):
        span = doc[start:end]
        words = [token for token in span if token.is_alpha]
        if len(words) < MIN_STATEMENT_WORDS or span.text.rstrip("”\"' ").endswith("?"):
            continue
        if in_spans(credits, span.start_char, span.end_char) or not any(
            token.pos_ in ("VERB", "AUX") for token in span
        ):
            continue
        if span.text.rstrip()[-1] not in ".!”\"'’)":
            continue  # a headline or caption without a closing stop
        attribution = None
        for quote in quotes:
            cue_in = (
                quote.get("cue_start") is not None and span.start_char <= quote["cue_start"] < span.end_char
            )
            if cue_in or (span.start_char <= quote["start"] < span.end_char and quote.get("cue")):
                attribution = quote
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
    for token in span:
        if (
            token.pos_ == "VERB"
            and token.lemma_.lower() in SPEECH_LEMMAS | CLAIM_LEMMAS | DENY_LEMMAS | REPORT_LEMMAS
        ):
            for child in token.children:
                if child.dep_ in ("nsubj", "nsubjpass"):
                    return span.doc[child.left_edge.i : child.i + 1].text
    return None
