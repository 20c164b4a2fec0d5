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
        self.persons = [(ent, _norm_tokens(ent.text)) for ent in self.ents if ent.label_ == "PERSON"]
        self.ent_of = {i: ent for ent in self.ents for i in range(ent.start, ent.end)}
        self.starts = [token.idx for token in doc]


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
        for match in _MARKS.finditer(line):
            at, stop, mark = match.start(), match.end(), match.group()
            prev = line[at - 1] if at > 0 else " "
            nxt = line[stop] if stop < len(line) else " "
            can_open = (prev in _OPEN_BEFORE or prev.isspace()) and not nxt.isspace()
            can_close = not prev.isspace() and not nxt.isalnum()
            is_single = mark in SINGLE
            if open_at is None:
                if (mark in OPENERS or (mark not in SINGLE)) and can_open:
                    open_at, open_len, single = at, stop - at, is_single
            elif is_single == single:
                if mark not in OPENERS and can_close:
                    out.append((pos + open_at, open_len, pos + at, stop - at))
                    open_at = None
                elif mark in OPENERS and can_open and not single:
                    out.append(
                        (pos + open_at, open_len, pos + at, 0)
                    )  # an opener before a close: cut the first
                    open_at, open_len = at, stop - at
        if open_at is not None and not single and len(line) - open_at > 2:
            out.append((pos + open_at, open_len, pos + len(line.rstrip()), 0))
        pos += len(line) + 1
    return out


def _title_like(content: str) -> bool:
    words = re.findall(r"[\w’'-]+", content)
    return (
        0 < len(words) <= 6
        and all(word[0].isupper() or word.lower() in _SMALL for word in words)
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


def _opens(text: str, pos: int) -> bool:
    """Whether the double mark at ``pos`` opens a quotation, by where it stands (wire copy mixes mark
    styles)."""
    if text[pos] in "“„«":
        return pos == 0 or not text[pos - 1].isalnum() and text[pos - 1] not in ".,;:!?"
    if text[pos] in "”»":
        return False
    return pos == 0 or text[pos - 1].isspace() or text[pos - 1] in "([{—–-/"


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
    for child in verb.children:
        if child.dep_ == "agent":
            for obj in child.children:
                if obj.dep_ == "pobj":
                    return obj
    if not any(child.dep_ == "auxpass" for child in verb.children):
        return None
    # the parse may hang the "by" phrase on the quoted words ("was called “a mess” by the minister")
    for token in verb.subtree:
        if (
            token.i > verb.i
            and token.lower_ == "by"
            and token.dep_ == "prep"
            and token.head.pos_ in ("ADJ", "NOUN")
        ):
            for obj in token.children:
                if obj.dep_ == "pobj" and (obj.ent_type_ in ("PERSON", "ORG") or obj.lower_ in TITLE_WORDS):
                    return obj
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
    subjects = [
        child
        for child in verb.children
        if child.dep_ in _SUBJ and not in_spans(credits, child.idx, child.idx + len(child))
    ]
    if subjects:
        return min(subjects, key=lambda child: abs(verb.i - child.i))
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
    for right in tok.rights:  # "the top official at the talks", not a clause after a comma
        if right.dep_ == "prep" and not any(
            token.text == "," or token.is_space for token in doc[tok.i : right.right_edge.i + 1]
        ):
            end = max(end, right.right_edge.i + 1)
    for conjunct in _conjuncts(tok):  # "Ostrel and Varn": every speaker of a joint statement
        end = max(end, conjunct.i + 1)
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
    for conjunct in sorted(tok.conjuncts, key=lambda token: token.i):
        if conjunct.i < tok.i:
            continue
        if conjunct.pos_ not in ("PROPN", "NOUN", "PRON"):
            break
        if conjunct.pos_ == "NOUN" and not conjunct.ent_type_:
            before = doc[conjunct.left_edge.i - 1] if conjunct.left_edge.i > 0 else None
            if before is None or before.lower_ not in ("and", "or", "&"):
                break
            if tok.pos_ == "NOUN" and not any(child.dep_ in ("det", "poss") for child in conjunct.children):
                break
        out.append(conjunct)
    return out


def _ent_at(doc: Doc, index: int) -> Span | None:
    return _cache(doc).ent_of.get(index)


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
    for child in subj.children:
        if child.dep_ == "appos" and child.i > subj.i:
            ent = _ent_at(doc, child.i)
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
    """The person whose role, as written earlier, contains ``word``.

    "the president" -> "French President X".
    """
    best = None
    text = _cache(doc).text
    for role in doc._.roles or []:
        if role["start"] < before_char and word in text[role["start"] : role["end"]].lower().split():
            best = text[role["person_start"] : role["person_end"]]
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
            candidate
            for candidate, _ in _cache(doc).persons
            if start <= candidate.start
            and candidate.end <= subj.i + 1
            and not _possessive(candidate)
            and candidate.root.dep_ in ("compound", "appos")
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
    if (
        low in TITLE_WORDS
        and subj.pos_ == "NOUN"
        and any(token.lower_ == "the" for token in doc[start : subj.i])
    ):
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
    for child in tok.children:
        if child.lower_ == "to":
            for obj in child.children:
                if obj.dep_ == "pobj":
                    return obj
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


def _first_noun(doc: Doc, start: int) -> Token | None:
    for token in doc[start : min(len(doc), start + 8)]:
        if token.pos_ in ("PROPN", "NOUN", "PRON"):
            j = token.i
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
        name, start, end = resolve(doc, subj, skip)
        rec.update(
            speaker=name, speaker_text=_cache(doc).text[start:end], speaker_start=start, speaker_end=end
        )
    return rec


def _inverted_subject(verb: Token, tokens: list[Token]) -> Token | None:
    """The speaker after the verb in "..., said Smith" (the parse may not call it nsubj)."""
    after = [token for token in tokens if token.i > verb.i]
    for token in after[:6]:
        if token.pos_ in ("PROPN", "NOUN", "PRON") and token.dep_ not in ("pobj", "npadvmod"):
            while (
                token.i + 1 < len(token.doc)
                and token.doc[token.i + 1].pos_ == "PROPN"
                and token.doc[token.i + 1] in after
            ):
                token = token.doc[token.i + 1]
            return token
        if token.pos_ in ("ADP", "VERB", "PUNCT"):
            break
    return None


def _frame_cue(doc: Doc, tokens: list[Token], last: bool) -> tuple[Token, Token | None] | None:
    inside = {token.i for token in tokens}
    cands = []
    for token in tokens:
        naming = token.pos_ == "VERB" and token.lemma_.lower() in NAMING_LEMMAS
        if (
            naming
            and token.lemma_.lower() == "continue"
            and any(child.dep_ in ("dobj", "xcomp", "ccomp", "prep") for child in token.children)
        ):
            naming = False  # "he continued," frames a quote; "officials continue their push" does not
        if _is_cue(token) or naming:
            subj = _subject(token)
            if subj is not None and subj.dep_ == "nsubjpass" and subj.head.i == token.i:
                subj = None  # "the talks were described as “...”": what is talked about, not who talks
            agent = _agent(token)
            if agent is not None:
                subj = agent  # "was called “a mess” by the minister": the "by" phrase may follow the quote
            elif subj is None or subj.i not in inside:
                subj = _inverted_subject(token, tokens) or (
                    subj if subj is not None and subj.i in inside else None
                )
            cands.append((token, subj))
        elif token.lower_ == "according":
            src = _according(token)
            if src is not None:
                cands.append((token, src))
    cands = [cand for cand in cands if cand[1] is not None] or cands
    if not cands:
        return None
    return cands[-1] if last else cands[0]


def _colon_source(doc: Doc, lead: list[Token], spans: list[list[int]]) -> dict | None:
    """The speaker of a quotation after a colon: the subject of the lead, else the first name in it.

    "Philip Bump: “...”", "in an interview on Tuesday: “...”".
    """
    lead = [token for token in lead if not token.is_space]
    for token in lead:
        if token.dep_ == "ROOT" and token.pos_ in ("VERB", "AUX"):
            subj = _subject(token)
            if subj is not None:
                rec = _speaker_record(doc, token, subj, spans)
                rec["cue"] = token.text
                return rec
    for token in lead:
        if token.pos_ in ("PROPN", "NOUN") and token.dep_ not in ("pobj", "compound", "amod", "npadvmod"):
            colon = lead[-1]
            rec = _speaker_record(doc, colon, token, spans)
            return rec
    return None


def _sent_tokens(doc: Doc, start: int, end: int, quotes: list[list[int]]) -> list[Token]:
    """Tokens between two char offsets that are not inside any quotation."""
    starts = _cache(doc).starts
    lo, hi = bisect.bisect_left(starts, start), bisect.bisect_left(starts, end)
    return [token for token in doc[lo:hi] if not in_spans(quotes, token.idx, token.idx + len(token))]


_SPEAKER_KEYS = ("cue", "cue_start", "speaker", "speaker_text", "speaker_start", "speaker_end")


def _direct(doc: Doc) -> list[dict]:
    text = _cache(doc).text
    credits = doc._.credits or []
    marked = find_marked(text)
    spans = [[open_at, close_at + close_len] for open_at, _, close_at, close_len in marked]
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
        sent = first.sent
        next_open = next((other for other, _, _, _ in marked if other > close_at), None)
        after = _tokens_after(doc, close_at + close_len, last.sent, next_open, spans)
        before = _sent_tokens(doc, sent.start_char, open_at, spans)
        lead = text[sent.start_char : open_at].rstrip()
        embedded = bool(lead) and (lead[-1].isalnum() or lead[-1] in "’'") and not lead.endswith(":")
        short = embedded and len(text[start:end].split()) <= PARTIAL_MAX_WORDS
        rec = _framing_speaker(doc, before, after, lead, short, sent, spans)
        kind = "partial" if short else "direct"
        if kind == "partial" and _title_like(text[start:end]):
            rec = None  # the name of a show, book or slogan ("on CNN's “State of the Union”"), not speech
        if rec is None and kind == "direct":
            if prev is None or lead:
                kind = "partial"  # no cue and no quotation before it: a title or scare quotes, not speech
            else:
                rec = _continued(text, prev, open_at)
        quote = {"start": start, "end": end, "kind": kind, **(rec or dict.fromkeys(_SPEAKER_KEYS))}
        out.append(quote)
        if kind == "direct":
            prev = quote
    return out


def _tokens_after(
    doc: Doc, close_end: int, sent: Span, next_open: int | None, quotes: list[list[int]]
) -> list[Token]:
    """The tokens after a quotation's close to the end of its sentence, up to the next quotation."""
    tokens = _sent_tokens(doc, close_end, sent.end_char, quotes)
    if next_open is not None:
        tokens = [token for token in tokens if token.idx < next_open]
    return tokens


def _framing_speaker(
    doc: Doc,
    before: list[Token],
    after: list[Token],
    lead: str,
    short: bool,
    sent: Span,
    spans: list[list[int]],
) -> dict | None:
    """The speaker record of the cue that frames a quotation, from the words of its sentence around it,
    the source of a lead ending in a colon, or "X said:" ending the paragraph before; None without one."""
    # a quoted phrase inside a clause is governed by the verb before it; a full quote by the cue after it
    first_before = lead.endswith(":") or short
    frames = [(before, True), (after, False)] if first_before else [(after, False), (before, True)]
    for tokens, use_last in frames:
        found = _frame_cue(doc, tokens, use_last)
        if found:
            return _speaker_record(doc, found[0], found[1], spans)
    if lead.endswith(":"):
        return _colon_source(doc, before, spans)
    if not lead and sent.start > 0:
        return _said_before(doc, doc[sent.start - 1].sent, spans)
    return None


def _said_before(doc: Doc, before: Span, spans: list[list[int]]) -> dict | None:
    """The speaker of "X said:" ending the paragraph before a quoted paragraph."""
    if not before.text.rstrip().endswith(":"):
        return None
    found = _frame_cue(doc, _sent_tokens(doc, before.start_char, before.end_char, spans), True)
    return _speaker_record(doc, found[0], found[1], spans) if found else None


def _continued(text: str, prev: dict, open_at: int) -> dict | None:
    """The speaker of the previous direct quote, for a quotation opening its sentence soon after it (the
    next paragraph, or after "he said."): it continues that quote."""
    gap = text[prev["end"] : open_at]
    if gap.count("\n") <= 2 and len(gap) < 200:
        return {key: prev[key] for key in _SPEAKER_KEYS}
    return None


# ---- indirect speech -----------------------------------------------------------------------------


def _content_of(verb: Token) -> tuple[int, int] | None:
    for child in verb.children:
        if child.dep_ == "ccomp":
            return child.left_edge.i, child.right_edge.i + 1
    for child in verb.children:
        if child.dep_ == "xcomp" and child.i > verb.i and any(left.lower_ == "to" for left in child.lefts):
            return child.left_edge.i, child.right_edge.i + 1
    lemma = verb.lemma_.lower()
    for child in verb.children:
        # "predicted big wins", "accused the mayor of lying", "questioned whether ...": a noun phrase or
        # an "of"/"whether" complement carries the content of some speech verbs
        if (
            child.dep_ == "dobj"
            and lemma in NP_CONTENT_LEMMAS
            and child.right_edge.i - child.left_edge.i >= 1
        ):
            return child.left_edge.i, child.right_edge.i + 1
        if (
            child.dep_ == "prep"
            and child.lower_ in ("of", "about", "on")
            and lemma in ("accuse", "warn", "complain", "boast")
        ):
            return child.i, child.right_edge.i + 1
    if verb.dep_ == "parataxis" and verb.head.i < verb.i:
        head = verb.head
        return head.sent.start, verb.left_edge.i
    return None


def _trim_tokens(doc: Doc, first: int, stop: int) -> tuple[int, int]:
    while first < stop and (doc[first].is_punct or doc[first].is_space) and doc[first].text not in '“"':
        first += 1
    while (
        stop > first and (doc[stop - 1].is_punct or doc[stop - 1].is_space) and doc[stop - 1].text not in '”"'
    ):
        stop -= 1
    return first, stop


def _indirect(doc: Doc, direct: list[dict]) -> list[dict]:
    credits = doc._.credits or []
    marked = [
        [open_at, close_at + close_len] for open_at, _, close_at, close_len in find_marked(_cache(doc).text)
    ]
    direct_spans = [[quote["start"], quote["end"]] for quote in direct if quote["kind"] == "direct"]
    out = []
    for tok in doc:
        if in_spans(marked, tok.idx, tok.idx + 1) or in_spans(credits, tok.idx, tok.idx + 1):
            continue
        if tok.lower_ == "according":
            found = _according_content(tok)
        elif _is_cue(tok, WITH_BELIEFS):
            found = _cue_content(doc, tok)
        else:
            continue
        if found is None:
            continue
        first, stop, subj = found
        bounds = _content_chars(doc, first, stop)
        if bounds is None or _mostly_direct(bounds, direct_spans):
            continue
        rec = _speaker_record(doc, tok, subj, marked)
        out.append({"start": bounds[0], "end": bounds[1], "kind": "indirect", **rec})
    return out


def _according_content(tok: Token) -> tuple[int, int, Token] | None:
    """(first token, end token, source) of what "according to X" attributes: the longer side of its
    sentence."""
    src = _according(tok)
    if src is None or not _is_source(src):
        return None
    sent = tok.sent
    phrase_start, phrase_end = tok.i, max(src.right_edge.i, src.i) + 1
    if phrase_start - sent.start >= sent.end - phrase_end:
        return sent.start, phrase_start, src
    return phrase_end, sent.end, src


def _cue_content(doc: Doc, verb: Token) -> tuple[int, int, Token] | None:
    """(first token, end token, subject) of what a speech or belief verb reports, said by a third party."""
    bounds = _content_of(verb)
    subj = _subject(verb)
    if verb.dep_ == "conj" and verb.head.dep_ == "ccomp" and _is_cue(verb.head.head):
        # "X said A “...” and argued that B": the parse may join "argued" to A's verb; X argues
        subj = _subject(verb.head.head) or subj
    if bounds is None or subj is None or subj.lower_ in ("i", "we", "you", "it") or subj.dep_ == "nsubjpass":
        return None
    first, stop = bounds
    if first <= verb.i < stop:
        # a part of the content stands before its cue ("which he said were split", "what X says the
        # plan would do"): what follows the cue is reported, unless that is an infinitive whose
        # subject went before ("what X expected to happen": no proposition is reported)
        first = verb.i + 1
        if first < stop and doc[first].lower_ == "to" and doc[first].dep_ == "aux":
            return None
    return first, stop, subj


def _content_chars(doc: Doc, first: int, stop: int) -> tuple[int, int] | None:
    """Char bounds of reported content in tokens [first, stop): trimmed, without the complementiser,
    its quotation marks paired; None when too short to report anything."""
    first, stop = _trim_tokens(doc, first, stop)
    if (
        first < stop
        and doc[first].lower_ == "that"
        and (doc[first].dep_ == "mark" or doc[first].pos_ == "SCONJ")
    ):
        # the complementiser introduces the content; it is not part of it
        first, stop = _trim_tokens(doc, first + 1, stop)
    if stop - first < 3:
        return None
    start, end = balance(_cache(doc).text, doc[first].idx, doc[stop - 1].idx + len(doc[stop - 1]))
    if end - start < 3:
        return None
    return start, end


def _mostly_direct(bounds: tuple[int, int], direct_spans: list[list[int]]) -> bool:
    """Whether direct quotes cover half of the content or more: it is their speaker's words, not a report."""
    start, end = bounds
    covered = sum(
        min(end, span_end) - max(start, span_start)
        for span_start, span_end in direct_spans
        if span_start < end and span_end > start
    )
    return covered >= 0.5 * (end - start)


@Language.component("storydesk_quotes")
def find_quotes(doc: Doc) -> Doc:
    """Reads doc.text, sentences, the parse, doc.ents, Doc._.roles and Doc._.credits; writes Doc._.quotes:
    [{start, end, kind, cue, cue_start, speaker, speaker_text, speaker_start, speaker_end}] (char offsets,
    content only)."""
    doc.user_data[_CACHE] = _Cache(doc)
    try:
        direct = _direct(doc)
        doc._.quotes = sorted(
            direct + _indirect(doc, direct), key=lambda quote: (quote["start"], quote["end"])
        )
    finally:
        del doc.user_data[_CACHE]  # Span objects must not travel with the Doc between processes
    return doc
