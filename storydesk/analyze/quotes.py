"""Analyze stage: direct, partial and indirect quotes with their cue and resolved speaker."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii
from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from .entities import in_spans
from .lexicon import BELIEF_LEMMAS, SOURCE_NOUNS, SPEECH_LEMMAS, TITLE_WORDS

# Double marks (typographic, straight, doubled apostrophes as in some wire copy) and single typographic marks.
_MARKS = re.compile(r"''|[“”„«»\"‘’]")
OPENERS = frozenset({"“", "„", "«", "‘"})
CLOSERS = frozenset({"”", "»", "’"})
SINGLE = frozenset({"‘", "’"})
_OPEN_BEFORE = set(" \t\n([{—–-:/,")
_SUBJ = ("nsubj", "nsubjpass")
_PRONOUNS = frozenset({"he", "she", "him", "her"})
# Include attributed beliefs ("officials believe that ...") as indirect speech.
WITH_BELIEFS = True
PARTIAL_MAX_WORDS = 12
# Verbs that frame a quoted phrase without being speech verbs ("called the plan “a mess”").
NAMING_LEMMAS = frozenset("call label describe dub term brand chant mouth echo read continue".split())
# Speech verbs whose direct object is what was said ("announced a plan", "denied the report").
NP_CONTENT_LEMMAS = frozenset(
    """predict announce confirm deny acknowledge promise propose reject dismiss demand
    question pledge vow admit concede allege reveal""".split()
)
_SMALL = frozenset("a an the of and or in on at to for with by is".split())


_CACHE = "_storydesk_quotes_cache"


class _Cache:
    """What the quote helpers look up many times per article, computed once (doc.text and doc.ents
    are rebuilt by spaCy on every access)."""

    def __init__(self, doc: Doc) -> None:
        self.text = doc.text
        self.ents = list(doc.ents)
        self.persons = [(e, _norm_tokens(e.text)) for e in self.ents if e.label_ == "PERSON"]
        self.ent_of = {i: e for e in self.ents for i in range(e.start, e.end)}
        self.starts = [t.idx for t in doc]


def _cache(doc: Doc) -> _Cache:
    cache = doc.user_data.get(_CACHE)
    if cache is None:  # helpers called outside find_quotes
        cache = _Cache(doc)
    return cache


@lru_cache(maxsize=8192)
def _norm_tokens(text: str) -> tuple[str, ...]:
    return tuple(re.sub(r"[’']s$", "", anyascii(text).lower()).replace(".", "").split())


def full_name(doc: Doc, short: str) -> str:
    """The longest PERSON name written in the article that ends with ``short`` ("Smith" -> "Jane Smith")."""
    want = _norm_tokens(short)
    best, best_len = short, len(want)
    for ent, toks in _cache(doc).persons:
        if len(toks) > best_len and toks[-len(want) :] == want:
            best, best_len = ent.text, len(toks)
    return best


# ---- direct quotes: quotation marks ------------------------------------------------------------


def find_marked(text: str) -> list[tuple[int, int, int, int]]:
    """(open mark offset, open mark length, close mark offset, close mark length) for each quotation.

    Works paragraph by paragraph. A quotation left open at a paragraph's end runs to that end (news
    style: the next paragraph reopens it; close length 0). A closing mark used as an opener (”We will
    ...) counts as an opener; single marks pair only with single marks, double with double.
    """
    out = []
    pos = 0
    for line in text.split("\n"):
        open_at, open_len, single = None, 0, False
        for m in _MARKS.finditer(line):
            i, j, mk = m.start(), m.end(), m.group()
            prev = line[i - 1] if i > 0 else " "
            nxt = line[j] if j < len(line) else " "
            can_open = (prev in _OPEN_BEFORE or prev.isspace()) and not nxt.isspace()
            can_close = not prev.isspace() and not nxt.isalnum()
            is_single = mk in SINGLE
            if open_at is None:
                if (mk in OPENERS or (mk not in SINGLE)) and can_open:
                    open_at, open_len, single = i, j - i, is_single
            elif is_single == single:
                if mk not in OPENERS and can_close:
                    out.append((pos + open_at, open_len, pos + i, j - i))
                    open_at = None
                elif mk in OPENERS and can_open and not single:
                    out.append(
                        (pos + open_at, open_len, pos + i, 0)
                    )  # an opener before a close: cut the first
                    open_at, open_len = i, j - i
        if open_at is not None and not single and len(line) - open_at > 2:
            out.append((pos + open_at, open_len, pos + len(line.rstrip()), 0))
        pos += len(line) + 1
    return out


def _title_like(content: str) -> bool:
    words = re.findall(r"[\w’'-]+", content)
    return (
        0 < len(words) <= 6
        and all(w[0].isupper() or w.lower() in _SMALL for w in words)
        and content[-1] not in ".!?"
    )


def _content_bounds(text: str, open_at: int, close_at: int) -> tuple[int, int]:
    start, end = open_at, close_at
    while start < end and text[start].isspace():
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:"):
        end -= 1
    return start, end


_DOUBLES = '“”„«»"'
_EXTEND_MAX = 80


def _opens(text: str, i: int) -> bool:
    """Whether the double mark at ``i`` opens a quotation, by where it stands (wire copy mixes mark styles)."""
    if text[i] in "“„«":
        return i == 0 or not text[i - 1].isalnum() and text[i - 1] not in ".,;:!?"
    if text[i] in "”»":
        return False
    return i == 0 or text[i - 1].isspace() or text[i - 1] in "([{—–-/"


def _unbalanced(content: str) -> int | None:
    """Offset in ``content`` of a double quotation mark left without its partner, or None."""
    stack: list[int] = []
    for i, ch in enumerate(content):
        if ch not in _DOUBLES:
            continue
        if _opens(content, i):
            stack.append(i)
        elif stack:
            stack.pop()
        else:
            return i
    return stack[0] if stack else None


def balance(text: str, start: int, end: int) -> tuple[int, int]:
    """Content bounds whose quotation marks pair up: extend to the closing mark of a quotation left open
    when it closes soon after in the same paragraph ("... alive.”"), else cut the content at the
    unpaired mark (or start after a closing one near its beginning)."""
    at = _unbalanced(text[start:end])
    if at is None:
        return start, end
    if _opens(text[start:end], at):
        limit = min(len(text), end + _EXTEND_MAX)
        for j in range(end, limit):
            if text[j] == "\n":
                break
            if text[j] in _DOUBLES and _unbalanced(text[start : j + 1]) is None:
                return start, j + 1
    if text[start : start + at].strip() == "" or (
        at <= (end - start) // 2 and not _opens(text[start:end], at)
    ):
        start = start + at + 1  # the content began inside a quotation: keep what follows its close
    else:
        end = start + at
    while start < end and (text[start].isspace() or text[start] in ",;:"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:"):
        end -= 1
    if _unbalanced(text[start:end]) is not None:
        return balance(text, start, end) if end - start < len(text) else (start, start)
    return start, end


# ---- speakers ------------------------------------------------------------------------------------


_RELATIVE = frozenset({"who", "that", "which"})
# Links by which a clause hangs off another inside one sentence.
_CLAUSE_LINKS = frozenset({"conj", "advcl", "xcomp", "ccomp", "acomp", "relcl"})


def _agent(verb: Token) -> Token | None:
    """The "by" phrase of a passive verb: "was described as “...” by the minister" -> minister."""
    for c in verb.children:
        if c.dep_ == "agent":
            for p in c.children:
                if p.dep_ == "pobj":
                    return p
    if not any(c.dep_ == "auxpass" for c in verb.children):
        return None
    # the parse may hang the "by" phrase on the quoted words ("was called “a mess” by the minister")
    for t in verb.subtree:
        if t.i > verb.i and t.lower_ == "by" and t.dep_ == "prep" and t.head.pos_ in ("ADJ", "NOUN"):
            for p in t.children:
                if p.dep_ == "pobj" and (p.ent_type_ in ("PERSON", "ORG") or p.lower_ in TITLE_WORDS):
                    return p
    return None


def _enclosing_cue(verb: Token) -> Token | None:
    """The speech verb whose reported content holds ``verb``: "X said A, insisting B", "X warned A if B and
    claimed C", "X confirmed A but declined ..., saying B" (the parse hangs the second cue off A)."""
    tok = verb
    for _ in range(6):
        if tok.dep_ not in _CLAUSE_LINKS or tok.head.i == tok.i:
            return None
        if tok.dep_ == "ccomp" and _is_cue(tok.head):
            return tok.head
        tok = tok.head
    return None


def _subject(verb: Token) -> Token | None:
    # a passive speech verb is said by its agent, when the sentence names one
    if (agent := _agent(verb)) is not None:
        return agent
    # the subject nearest the verb: a dateline ("CITY -- ") can be parsed as a second subject
    credits = verb.doc._.credits or []
    subjects = [c for c in verb.children if c.dep_ in _SUBJ and not in_spans(credits, c.idx, c.idx + len(c))]
    if subjects:
        return min(subjects, key=lambda c: abs(verb.i - c.i))
    if verb.dep_ in ("conj", "advcl") and verb.tag_ != "VBN" and _is_cue(verb) and not _is_cue(verb.head):
        outer = _enclosing_cue(verb.head)
        if outer is not None:
            return _subject(outer)
    if verb.dep_ in ("conj", "advcl", "xcomp") and verb.head.i != verb.i:
        return _subject(verb.head)
    return None


def _np_bounds(tok: Token) -> tuple[int, int]:
    """The noun phrase of a subject: its left modifiers and the name it heads, not clauses after a comma."""
    doc = tok.doc
    start = tok.left_edge.i
    for i in range(tok.i - 1, start - 1, -1):
        if doc[i].text in (",", "—", "–", "(") or doc[i].is_space:
            start = i + 1
            break
    end = tok.i + 1
    if tok.ent_iob_ in ("B", "I"):
        while end < len(doc) and doc[end].ent_iob_ == "I":
            end += 1
    for c in tok.rights:  # "the top official at the talks", not a clause after a comma
        if c.dep_ == "prep" and not any(t.text == "," or t.is_space for t in doc[tok.i : c.right_edge.i + 1]):
            end = max(end, c.right_edge.i + 1)
    for c in _conjuncts(tok):  # "Ostrel and Varn": every speaker of a joint statement
        end = max(end, c.i + 1)
        while end < len(doc) and doc[end].ent_iob_ == "I":
            end += 1
    return start, end


def _conjuncts(tok: Token) -> list[Token]:
    """Nouns coordinated with a subject ("X and Y said", "X and his aides said"): several speakers.

    A common noun joined by a comma alone is an appositive the parse took for a list ("China, its only
    ally, said"); one without its own determiner after a common noun is the same person's second title
    ("the former minister and senator said")."""
    doc = tok.doc
    out: list[Token] = []
    for c in sorted(tok.conjuncts, key=lambda t: t.i):
        if c.i < tok.i:
            continue
        if c.pos_ not in ("PROPN", "NOUN", "PRON"):
            break
        if c.pos_ == "NOUN" and not c.ent_type_:
            before = doc[c.left_edge.i - 1] if c.left_edge.i > 0 else None
            if before is None or before.lower_ not in ("and", "or", "&"):
                break
            if tok.pos_ == "NOUN" and not any(d.dep_ in ("det", "poss") for d in c.children):
                break
        out.append(c)
    return out


def _ent_at(doc: Doc, i: int) -> Span | None:
    return _cache(doc).ent_of.get(i)


def _nearest_person(doc: Doc, before_char: int, skip: list[list[int]]) -> Span | None:
    best = None
    for ent, _ in _cache(doc).persons:
        # a name inside a possessive ("Smith's plan") is what is talked about, not who talks
        if (
            ent.end_char <= before_char
            and not in_spans(skip, ent.start_char, ent.end_char)
            and not _possessive(ent)
        ):
            best = ent
    return best


def _possessive(ent: Span) -> bool:
    doc = ent.doc
    return ent.end < len(doc) and doc[ent.end].tag_ == "POS" or ent.root.dep_ == "poss"


def _appositive_person(doc: Doc, subj: Token) -> Span | None:
    """The name in apposition to a title subject: "X's foreign minister, Jane Roe, said" -> Jane Roe."""
    for c in subj.children:
        if c.dep_ == "appos" and c.i > subj.i:
            ent = _ent_at(doc, c.i)
            if ent is not None and ent.label_ == "PERSON":
                return ent
    return None


@dataclass(frozen=True, slots=True)
class _Referent:
    """What a pronoun was found to refer to: a named person, or (``name`` None) no one nameable."""

    name: str | None


def _antecedent(doc: Doc, pronoun: Token, skip: list[list[int]]) -> _Referent | None:
    """What "he"/"she" refers to: the nearest earlier subject that is a person or a titled noun phrase,
    in this sentence or the three before it. None when no subject decides it."""
    first_sent = pronoun.sent.start
    for _ in range(3):
        if first_sent == 0:
            break
        first_sent = doc[first_sent - 1].sent.start
    for tok in reversed(doc[first_sent : pronoun.i]):
        if tok.dep_ not in _SUBJ or in_spans(skip, tok.idx, tok.idx + 1) or tok.lower_ in _PRONOUNS:
            continue
        ent = _ent_at(doc, tok.i)
        if ent is not None and ent.label_ == "PERSON":
            return _Referent(full_name(doc, ent.text))
        if ent is None and (known := _known_person(doc, tok)) is not None:
            return _Referent(known)
        if tok.pos_ == "NOUN" and tok.lower_ in TITLE_WORDS:
            return _Referent(_role_holder(doc, tok.lower_, tok.idx) if tok.lower_ != "official" else None)
    return None


def _known_person(doc: Doc, tok: Token) -> str | None:
    """A capitalised word that ends a PERSON name written elsewhere in the article."""
    if not tok.is_title:
        return None
    name = full_name(doc, tok.text)
    return name if name != tok.text else None


def _role_holder(doc: Doc, word: str, before_char: int) -> str | None:
    """The person whose role (as written earlier) contains ``word`` ("the president" -> "French President X")."""
    best = None
    text = _cache(doc).text
    for r in doc._.roles or []:
        if r["start"] < before_char and word in text[r["start"] : r["end"]].lower().split():
            best = text[r["person_start"] : r["person_end"]]
    return best


def _relative_antecedent(pron: Token) -> Token | None:
    """The noun a relative pronoun subject stands for: "officials, who said" -> officials; "Democrats on the
    Hill, who said" -> Democrats (a person "who" speaks, not the place after a preposition)."""
    verb = pron.head
    if pron.lower_ not in _RELATIVE or verb.dep_ != "relcl" or verb.head.pos_ not in ("NOUN", "PROPN"):
        return None
    noun = verb.head
    if (
        pron.lower_ == "who"
        and noun.dep_ == "pobj"
        and noun.ent_type_ != "PERSON"
        and noun.head.head.pos_ in ("NOUN", "PROPN")
    ):
        noun = noun.head.head
    return noun


def resolve(doc: Doc, subj: Token, skip: list[list[int]]) -> tuple[str | None, int, int]:
    """(resolved named speaker or None, start char, end char of the speaker as written)."""
    start, end = _np_bounds(subj)
    s_char, e_char = doc[start].idx, doc[end - 1].idx + len(doc[end - 1])
    ent = _ent_at(doc, subj.i)
    if ent is None:  # "Ministry spokesman John Roe": the head may be a title with the name beside it
        # a name joined to the head ("spokesman John Roe"), not one it owns ("X's spokeswoman"), one after it
        # ("a lawyer for X") or a title word's modifier ("the “X” show")
        ents = [
            e
            for e, _ in _cache(doc).persons
            if start <= e.start
            and e.end <= subj.i + 1
            and not _possessive(e)
            and e.root.dep_ in ("compound", "appos")
        ]
        ent = ents[-1] if ents else None
    if _conjuncts(subj):
        return None, s_char, e_char  # several speakers: none of them alone said it
    if (
        (ent is None or ent.label_ != "PERSON")
        and subj.pos_ == "NOUN"
        and (app := _appositive_person(doc, subj))
    ):
        return full_name(doc, app.text), s_char, app.end_char
    if ent is not None and ent.label_ == "PERSON":
        return full_name(doc, ent.text), s_char, e_char
    # a name that is itself the subject speaks ("the ministry said", "Ostrel said", "Republicans said"); a
    # name that modifies the subject ("Ostrelian officials said") does not: the subject's head is not in it
    if ent is not None and ent.label_ in ("ORG", "GPE", "NORP") and subj.pos_ == "PROPN":
        return ent.text, s_char, e_char
    if (noun := _relative_antecedent(subj)) is not None:
        # "Jane Roe, who said ...": the relative pronoun as written, the speaker its antecedent
        return resolve(doc, noun, skip)[0], s_char, e_char
    if ent is None and (known := _known_person(doc, subj)):
        return known, s_char, e_char
    low = subj.lower_
    if low in _PRONOUNS:
        found = _antecedent(doc, subj, skip)
        if found is not None:
            return found.name, s_char, e_char
        person = _nearest_person(doc, s_char, skip)
        return (full_name(doc, person.text) if person is not None else None), s_char, e_char
    if low in TITLE_WORDS and subj.pos_ == "NOUN" and any(t.lower_ == "the" for t in doc[start : subj.i]):
        holder = _role_holder(doc, low, s_char)
        if holder is None and low in (
            "president",
            "leader",
            "minister",
            "secretary",
            "chancellor",
            "premier",
        ):
            person = _nearest_person(doc, s_char, skip)
            holder = person.text if person is not None else None
        return (full_name(doc, holder) if holder else None), s_char, e_char
    return None, s_char, e_char


def _is_cue(tok: Token, beliefs: bool = False) -> bool:
    lemmas = SPEECH_LEMMAS | BELIEF_LEMMAS if beliefs else SPEECH_LEMMAS
    return tok.pos_ in ("VERB", "AUX") and tok.lemma_.lower() in lemmas


def _according(tok: Token) -> Token | None:
    """The source of "according to X" when ``tok`` is "according"."""
    if tok.lower_ != "according":
        return None
    for c in tok.children:
        if c.lower_ == "to":
            for p in c.children:
                if p.dep_ == "pobj":
                    return p
    nxt = tok.nbor(1) if tok.i + 1 < len(tok.doc) else None
    if nxt is not None and nxt.lower_ == "to" and nxt.i + 1 < len(tok.doc):
        return _first_noun(tok.doc, nxt.i + 1)
    return None


def _is_source(tok: Token) -> bool:
    """Whether "according to X" names a source (a name, a person, a report) rather than a rule or plan."""
    return (
        bool(tok.ent_type_)
        or tok.pos_ == "PRON"
        or tok.lemma_.lower() in SOURCE_NOUNS
        or tok.lower_ in TITLE_WORDS
    )


def _first_noun(doc: Doc, i: int) -> Token | None:
    for t in doc[i : min(len(doc), i + 8)]:
        if t.pos_ in ("PROPN", "NOUN", "PRON"):
            j = t.i
            while j + 1 < len(doc) and doc[j + 1].pos_ in ("PROPN", "NOUN") and doc[j + 1].head.i != j:
                j += 1
            return doc[j]
    return None


def _speaker_record(doc: Doc, cue: Token, subj: Token | None, skip: list[list[int]]) -> dict:
    rec = {
        "cue": cue.text if cue.lower_ != "according" else "according to",
        "cue_start": cue.idx,
        "speaker": None,
        "speaker_text": None,
        "speaker_start": None,
        "speaker_end": None,
    }
    if subj is not None:
        name, s, e = resolve(doc, subj, skip)
        rec.update(speaker=name, speaker_text=_cache(doc).text[s:e], speaker_start=s, speaker_end=e)
    return rec


def _inverted_subject(verb: Token, tokens: list[Token]) -> Token | None:
    """The speaker after the verb in "..., said Smith" (the parse may not call it nsubj)."""
    after = [t for t in tokens if t.i > verb.i]
    for t in after[:6]:
        if t.pos_ in ("PROPN", "NOUN", "PRON") and t.dep_ not in ("pobj", "npadvmod"):
            while t.i + 1 < len(t.doc) and t.doc[t.i + 1].pos_ == "PROPN" and t.doc[t.i + 1] in after:
                t = t.doc[t.i + 1]
            return t
        if t.pos_ in ("ADP", "VERB", "PUNCT"):
            break
    return None


def _frame_cue(doc: Doc, tokens: list[Token], last: bool) -> tuple[Token, Token | None] | None:
    inside = {t.i for t in tokens}
    cands = []
    for t in tokens:
        naming = t.pos_ == "VERB" and t.lemma_.lower() in NAMING_LEMMAS
        if (
            naming
            and t.lemma_.lower() == "continue"
            and any(c.dep_ in ("dobj", "xcomp", "ccomp", "prep") for c in t.children)
        ):
            naming = False  # "he continued," frames a quote; "officials continue their push" does not
        if _is_cue(t) or naming:
            subj = _subject(t)
            if subj is not None and subj.dep_ == "nsubjpass" and subj.head.i == t.i:
                subj = None  # "the talks were described as “...”": what is talked about, not who talks
            agent = _agent(t)
            if agent is not None:
                subj = agent  # "was called “a mess” by the minister": the "by" phrase may follow the quote
            elif subj is None or subj.i not in inside:
                subj = _inverted_subject(t, tokens) or (
                    subj if subj is not None and subj.i in inside else None
                )
            cands.append((t, subj))
        elif t.lower_ == "according":
            src = _according(t)
            if src is not None:
                cands.append((t, src))
    cands = [c for c in cands if c[1] is not None] or cands
    if not cands:
        return None
    return cands[-1] if last else cands[0]


def _colon_source(doc: Doc, lead: list[Token], spans: list[list[int]]) -> dict | None:
    """ "Philip Bump: “...”", "in an interview on Tuesday: “...”": the subject of the lead, else its first name."""
    lead = [t for t in lead if not t.is_space]
    for t in lead:
        if t.dep_ == "ROOT" and t.pos_ in ("VERB", "AUX"):
            subj = _subject(t)
            if subj is not None:
                rec = _speaker_record(doc, t, subj, spans)
                rec["cue"] = t.text
                return rec
    for t in lead:
        if t.pos_ in ("PROPN", "NOUN") and t.dep_ not in ("pobj", "compound", "amod", "npadvmod"):
            colon = lead[-1]
            rec = _speaker_record(doc, colon, t, spans)
            return rec
    return None


def _sent_tokens(doc: Doc, a: int, b: int, quotes: list[list[int]]) -> list[Token]:
    """Tokens between two char offsets that are not inside any quotation."""
    starts = _cache(doc).starts
    lo, hi = bisect.bisect_left(starts, a), bisect.bisect_left(starts, b)
    return [t for t in doc[lo:hi] if not in_spans(quotes, t.idx, t.idx + len(t))]


def _direct(doc: Doc) -> list[dict]:
    text = _cache(doc).text
    credits = doc._.credits or []
    marked = find_marked(text)
    spans = [[o, c + cl] for o, _, c, cl in marked]
    out: list[dict] = []
    prev: dict | None = None
    for open_at, open_len, close_at, close_len in marked:
        start, end = _content_bounds(text, open_at + open_len, close_at)
        if end <= start or in_spans(credits, start, end):
            continue
        first = doc.char_span(open_at, open_at + 1, alignment_mode="expand")
        last = doc.char_span(max(close_at - 1, open_at), max(close_at, open_at + 1), alignment_mode="expand")
        if first is None or last is None:
            continue
        s_sent, e_sent = first.sent, last.sent
        after = _sent_tokens(doc, close_at + close_len, e_sent.end_char, spans)
        nxt_open = [o for o, _, _, _ in marked if o > close_at]
        if nxt_open:
            after = [t for t in after if t.idx < nxt_open[0]]
        before = _sent_tokens(doc, s_sent.start_char, open_at, spans)
        lead = text[s_sent.start_char : open_at].rstrip()
        n_words = len(text[start:end].split())
        embedded = bool(lead) and (lead[-1].isalnum() or lead[-1] in "’'") and not lead.endswith(":")
        # a quoted phrase inside a clause is governed by the verb before it; a full quote by the cue after it
        first_before = lead.endswith(":") or (embedded and n_words <= PARTIAL_MAX_WORDS)
        frames = [(before, True), (after, False)] if first_before else [(after, False), (before, True)]
        rec = None
        for toks, use_last in frames:
            found = _frame_cue(doc, toks, use_last)
            if found:
                rec = _speaker_record(doc, found[0], found[1], spans)
                break
        kind = "partial" if embedded and n_words <= PARTIAL_MAX_WORDS else "direct"
        if rec is None and lead.endswith(":"):
            rec = _colon_source(doc, before, spans)
        if rec is None and not lead and s_sent.start > 0:
            # "X said:" ending the paragraph before a quoted paragraph
            before_sent = doc[s_sent.start - 1].sent
            if before_sent.text.rstrip().endswith(":"):
                found = _frame_cue(
                    doc, _sent_tokens(doc, before_sent.start_char, before_sent.end_char, spans), True
                )
                if found:
                    rec = _speaker_record(doc, found[0], found[1], spans)
        if kind == "partial" and _title_like(text[start:end]):
            rec = None  # the name of a show, book or slogan ("on CNN's “State of the Union”"), not speech
        if rec is None and kind == "direct" and (prev is None or lead):
            kind = "partial"  # no cue and no quotation before it: a title or scare quotes, not speech
        if rec is None and prev is not None and kind == "direct" and not lead:
            # a quotation continuing the previous one (next paragraph or after "he said.") keeps its speaker
            gap = text[prev["end"] : open_at]
            if gap.count("\n") <= 2 and len(gap) < 200:
                rec = {
                    k: prev[k]
                    for k in ("cue", "cue_start", "speaker", "speaker_text", "speaker_start", "speaker_end")
                }
        rec = rec or {
            "cue": None,
            "cue_start": None,
            "speaker": None,
            "speaker_text": None,
            "speaker_start": None,
            "speaker_end": None,
        }
        q = {"start": start, "end": end, "kind": kind, **rec}
        out.append(q)
        if kind == "direct":
            prev = q
    return out


# ---- indirect speech -----------------------------------------------------------------------------


def _content_of(verb: Token) -> tuple[int, int] | None:
    for c in verb.children:
        if c.dep_ == "ccomp":
            return c.left_edge.i, c.right_edge.i + 1
    for c in verb.children:
        if c.dep_ == "xcomp" and c.i > verb.i and any(a.lower_ == "to" for a in c.lefts):
            return c.left_edge.i, c.right_edge.i + 1
    lemma = verb.lemma_.lower()
    for c in verb.children:
        # "predicted big wins", "accused the mayor of lying", "questioned whether ...": a noun phrase or
        # an "of"/"whether" complement carries the content of some speech verbs
        if c.dep_ == "dobj" and lemma in NP_CONTENT_LEMMAS and c.right_edge.i - c.left_edge.i >= 1:
            return c.left_edge.i, c.right_edge.i + 1
        if (
            c.dep_ == "prep"
            and c.lower_ in ("of", "about", "on")
            and lemma in ("accuse", "warn", "complain", "boast")
        ):
            return c.i, c.right_edge.i + 1
    if verb.dep_ == "parataxis" and verb.head.i < verb.i:
        head = verb.head
        return head.sent.start, verb.left_edge.i
    return None


def _trim_tokens(doc: Doc, a: int, b: int) -> tuple[int, int]:
    while a < b and (doc[a].is_punct or doc[a].is_space) and doc[a].text not in '“"':
        a += 1
    while b > a and (doc[b - 1].is_punct or doc[b - 1].is_space) and doc[b - 1].text not in '”"':
        b -= 1
    return a, b


def _indirect(doc: Doc, direct: list[dict]) -> list[dict]:
    credits = doc._.credits or []
    marked = [[o, c + cl] for o, _, c, cl in find_marked(_cache(doc).text)]
    direct_spans = [[q["start"], q["end"]] for q in direct if q["kind"] == "direct"]
    out = []
    for tok in doc:
        if in_spans(marked, tok.idx, tok.idx + 1) or in_spans(credits, tok.idx, tok.idx + 1):
            continue
        subj: Token | None
        if tok.lower_ == "according":
            src = _according(tok)
            if src is None or not _is_source(src):
                continue
            sent = tok.sent
            phrase_a, phrase_b = tok.i, max(src.right_edge.i, src.i) + 1
            if phrase_a - sent.start >= sent.end - phrase_b:
                a, b = sent.start, phrase_a
            else:
                a, b = phrase_b, sent.end
            subj = src
        elif _is_cue(tok, WITH_BELIEFS):
            bounds = _content_of(tok)
            subj = _subject(tok)
            if tok.dep_ == "conj" and tok.head.dep_ == "ccomp" and _is_cue(tok.head.head):
                # "X said A “...” and argued that B": the parse may join "argued" to A's verb; X argues
                subj = _subject(tok.head.head) or subj
            if (
                bounds is None
                or subj is None
                or subj.lower_ in ("i", "we", "you", "it")
                or subj.dep_ == "nsubjpass"
            ):
                continue
            a, b = bounds
            if a <= tok.i < b:
                # a part of the content stands before its cue ("which he said were split", "what X says the
                # plan would do"): what follows the cue is reported, unless that is an infinitive whose
                # subject went before ("what X expected to happen": no proposition is reported)
                a = tok.i + 1
                if a < b and doc[a].lower_ == "to" and doc[a].dep_ == "aux":
                    continue
        else:
            continue
        a, b = _trim_tokens(doc, a, b)
        if a < b and doc[a].lower_ == "that" and (doc[a].dep_ == "mark" or doc[a].pos_ == "SCONJ"):
            a, b = _trim_tokens(doc, a + 1, b)  # the complementiser introduces the content; not part of it
        if b - a < 3:
            continue
        start, end = balance(_cache(doc).text, doc[a].idx, doc[b - 1].idx + len(doc[b - 1]))
        if end - start < 3:
            continue
        covered = sum(min(end, e) - max(start, s) for s, e in direct_spans if s < end and e > start)
        if covered >= 0.5 * (end - start):
            continue
        rec = _speaker_record(doc, tok, subj, marked)
        out.append({"start": start, "end": end, "kind": "indirect", **rec})
    return out


@Language.component("storydesk_quotes")
def find_quotes(doc: Doc) -> Doc:
    """Reads doc.text, sentences, the parse, doc.ents, Doc._.roles and Doc._.credits; writes Doc._.quotes:
    [{start, end, kind, cue, cue_start, speaker, speaker_text, speaker_start, speaker_end}] (char offsets,
    content only)."""
    doc.user_data[_CACHE] = _Cache(doc)
    try:
        direct = _direct(doc)
        doc._.quotes = sorted(direct + _indirect(doc, direct), key=lambda q: (q["start"], q["end"]))
    finally:
        del doc.user_data[_CACHE]  # Span objects must not travel with the Doc between processes
    return doc
