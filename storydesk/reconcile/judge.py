"""Reconcile stage: how statement b bears on statement a — corroborates, disputes, related or unrelated.

This is the one alignment judgement of storydesk. The dossier asks it whether two sentences of two
articles are one claim and whether one disputes the other; ``storydesk compare`` asks it about
pairs a user gives. No NLI model can be had offline, so the judgement combines what the text
gives — sentence embeddings, shared words, names and numbers, negation, denial and doubt words,
antonyms — in a small multinomial logistic model whose weights are learned from labelled news
pairs (``bench/judge_train.py``) and ship beside this file as ``judge_weights.json``.

``b`` may be a whole article: it is then read as its sentences, and the pair is judged on the
sentences of b closest to a, plus how close the article is to a as a whole.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from anyascii import anyascii
from rapidfuzz import fuzz

from ..text import MONTH_NAMES, WEEKDAY_NAMES, WORD_OR_NUMBER_RE

RELATIONS = ("corroborates", "disputes", "related", "unrelated")
WEIGHTS = Path(__file__).with_name("judge_weights.json")
ARTICLE_SENTENCES = 3  # an article is judged on its sentences closest to a
MAX_ARTICLE_SENTENCES = 60  # only the top of a long article is read (leads carry the claims)

_NAME = re.compile(r"\b[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)?\b|\b[A-Z]{2,}\b")
_NUMBER = re.compile(
    r"(?<![\w.])(\d+(?:[,.]\d+)*)(?:\s*(%|percent|per cent))?(?:\s+([a-z]+))?", re.IGNORECASE
)
_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "twenty": 20,
    "hundred": 100,
    "dozen": 12,
    "thousand": 1000,
    "million": 1e6,
    "billion": 1e9,
}
_SCALE = {"million": 1e6, "billion": 1e9, "trillion": 1e12, "thousand": 1e3}
_SENTENCE = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"'”’)\]]))\s+(?=[\"'“‘(\[]?[A-Z0-9])|\n+")
_STOP = frozenset(
    """a an the and or but if of in on at to for from by with as is are was were be been being
has have had do does did will would shall should can could may might must it its this that these those
he she they we you i his her their our your him them us me my who whom which what when where why how
than then there here also just about into over after before while said says say told according not no
""".split()
)
NEGATION = frozenset("not no never neither nor none nobody nothing nowhere without cannot n't".split())
DENIAL = frozenset(
    """deny denies denied denying denial reject rejects rejected rejecting dismiss dismisses
dismissed refute refutes refuted rebut rebutted contradict contradicts contradicted false untrue baseless
unfounded debunk debunked hoax fake wrong incorrect misleading disputed disputes dispute disputing
contested contests contest challenge challenged""".split()
)
DOUBT = frozenset(
    """however but although though yet despite doubt doubts doubted question questioned
questions skeptical sceptical critics criticized criticised claim claims claimed claiming allegedly alleged
reportedly purportedly supposedly unclear unproven unverified concerns warned warn fears""".split()
)
# words that exclude each other when both sides say them of one thing
_ANTONYMS = [
    ("rise", "fall"),
    ("rose", "fell"),
    ("increase", "decrease"),
    ("increased", "decreased"),
    ("up", "down"),
    ("win", "lose"),
    ("won", "lost"),
    ("gain", "loss"),
    ("gained", "lost"),
    ("higher", "lower"),
    ("more", "fewer"),
    ("more", "less"),
    ("support", "oppose"),
    ("supports", "opposes"),
    ("supported", "opposed"),
    ("approve", "reject"),
    ("approved", "rejected"),
    ("accept", "reject"),
    ("accepted", "rejected"),
    ("guilty", "innocent"),
    ("alive", "dead"),
    ("open", "closed"),
    ("legal", "illegal"),
    ("true", "false"),
    ("success", "failure"),
    ("succeeded", "failed"),
    ("agree", "disagree"),
    ("agreed", "refused"),
    ("confirmed", "denied"),
    ("confirm", "deny"),
    ("strong", "weak"),
    ("stronger", "weaker"),
    ("best", "worst"),
    ("better", "worse"),
    ("safe", "dangerous"),
    ("peaceful", "violent"),
    ("captured", "held"),
    ("allow", "ban"),
    ("allowed", "banned"),
    ("ended", "continued"),
]
_ANTONYM = {
    word: {
        antonym
        for left, right in _ANTONYMS
        for antonym in ((right,) if left == word else (left,) if right == word else ())
    }
    for pair in _ANTONYMS
    for word in pair
}

FEATURES = (
    "cos",
    "cos_top",
    "cos_article",
    "cos_title",
    "has_title",
    "article",
    "jaccard",
    "cover_a",
    "cover_b",
    "fuzz",
    "names_shared",
    "names_a_only",
    "names_b_only",
    "names_jaccard",
    "numbers_shared",
    "numbers_a_only",
    "numbers_b_only",
    "number_clash",
    "neg_a",
    "neg_b",
    "neg_xor",
    "deny_a",
    "deny_b",
    "doubt_a",
    "doubt_b",
    "antonym",
    "len_a",
    "len_b",
    "len_ratio",
    "cos_x_neg_xor",
    "cos_x_clash",
    "cos_x_deny_b",
    "cos_x_antonym",
    "cos_x_cover",
    "cos_sq",
    "bigram_a",
    "bigram_b",
    "trigram_a",
    "trigram_b",
    "char_jaccard",
    "only_a",
    "only_b",
    "len_diff",
)


@dataclass(frozen=True)
class Text:
    """One side of a pair, read once: its words, names, numbers and cue counts (shared: never changed)."""

    text: str
    words: list[str] = field(default_factory=list)  # lowercased, ascii
    stems: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    numbers: dict[float, str] = field(default_factory=dict)  # value -> the word after it ("" if none)
    negations: int = 0
    denials: int = 0
    doubts: int = 0
    bigrams: frozenset[tuple[str, ...]] = frozenset()
    trigrams: frozenset[tuple[str, ...]] = frozenset()
    chargrams: frozenset[str] = frozenset()

    @classmethod
    def read(cls, text: str) -> Text:
        """The text read, from a cache: a dossier's sentence meets many others, compare's sides repeat."""
        return _read(text)

    @classmethod
    def parse(cls, text: str) -> Text:
        ascii_text = anyascii(text)
        words = [word.lower().replace("’", "'") for word in WORD_OR_NUMBER_RE.findall(ascii_text)]
        low = set(words)
        return cls(
            text=text,
            words=words,
            stems=frozenset(stem(word) for word in words if word not in _STOP and not word[0].isdigit()),
            names=_names(ascii_text),
            numbers=_numbers(ascii_text),
            negations=sum(word in NEGATION or word.endswith("n't") for word in words),
            denials=sum(word in DENIAL for word in words),
            doubts=len(low & DOUBT),
            bigrams=_ngrams(words, 2),
            trigrams=_ngrams(words, 3),
            chargrams=_chargrams(text),
        )


@lru_cache(maxsize=16384)
def _read(text: str) -> Text:
    return Text.parse(text)


@dataclass
class Verdict:
    relation: str
    score: float
    probabilities: dict[str, float]


def stem(word: str) -> str:
    """A crude English stem: enough to match "captured" with "capture" and "talks" with "talk"."""
    for suffix in ("ations", "ation", "ings", "ing", "edly", "ed", "ies", "es", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _names(ascii_text: str) -> frozenset[str]:
    """Capitalised words that are not only sentence openers: the names a sentence mentions."""
    found = set()
    for match in _NAME.finditer(ascii_text):
        start = match.start()
        before = ascii_text[max(0, start - 2) : start]
        opener = start == 0 or before.endswith((". ", "\n", '"', "“")) or before.strip() == ""
        word = match.group(0)
        if opener and word.lower() in _STOP:
            continue
        if word.lower() not in _STOP:
            found.add(word.lower())
    return frozenset(found)


def _numbers(ascii_text: str) -> dict[float, str]:
    out: dict[float, str] = {}
    for match in _NUMBER.finditer(ascii_text):
        raw, percent, after = match.groups()
        try:
            value = float(raw.replace(",", ""))
        except ValueError:
            continue
        after = (after or "").lower()
        if after in _SCALE:
            value *= _SCALE[after]
            after = ""
        if 1900 <= value <= 2100 and value == int(value) and not percent:
            continue  # a year is a date, compared as such elsewhere
        out[value] = "%" if percent else stem(after)
    for word in re.findall(r"[a-z]+", ascii_text.lower()):
        if word in _NUMBER_WORDS and word not in ("hundred", "thousand", "million", "billion"):
            out.setdefault(float(_NUMBER_WORDS[word]), "")
    return out


def split_sentences(text: str) -> list[str]:
    """The sentences of a longer text (a cheap splitter: b may be a whole article)."""
    parts = [part.strip() for part in _SENTENCE.split(text)]
    return [part for part in parts if len(part.split()) >= 3][:MAX_ARTICLE_SENTENCES] or [text.strip()]


def _clash(text_a: Text, text_b: Text) -> int:
    """Numbers that count the same thing (same word after them) with different values."""
    counted_b: dict[str, set[float]] = {}
    for value, noun in text_b.numbers.items():
        counted_b.setdefault(noun, set()).add(value)
    clashes = 0
    for value, noun in text_a.numbers.items():
        others = counted_b.get(noun)
        if noun and others and value not in others and not any(same_figure(value, other) for other in others):
            clashes += 1
    return clashes


def same_figure(value: float, other: float) -> bool:
    """Two figures equal within rounding (2%): 2,116 and 2,117 points are one figure."""
    return abs(value - other) <= 0.02 * max(abs(value), abs(other))


def _ngrams(words: list[str], size: int) -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(words[i : i + size]) for i in range(len(words) - size + 1))


def _chargrams(text: str, size: int = 4) -> frozenset[str]:
    low = text.lower()
    return frozenset(low[i : i + size] for i in range(len(low) - size + 1))


def _cover(grams_a: frozenset, grams_b: frozenset) -> tuple[float, float]:
    """Share of a's n-grams found in b, and of b's found in a."""
    shared = len(grams_a & grams_b)
    return shared / max(1, len(grams_a)), shared / max(1, len(grams_b))


def _antonyms(text_a: Text, text_b: Text) -> int:
    words_b = set(text_b.words)
    return sum(1 for word in set(text_a.words) if _ANTONYM.get(word, set()) & words_b)


def pair_features(
    text_a: Text,
    text_b: Text,
    cos: float,
    cos_top: float,
    cos_article: float,
    cos_title: float | None,
    article: bool,
) -> np.ndarray:
    """The feature row of one pair, in the order of FEATURES."""
    shared = len(text_a.stems & text_b.stems)
    union = len(text_a.stems | text_b.stems) or 1
    names_shared = len(text_a.names & text_b.names)
    nums_shared = sum(
        1
        for value in text_a.numbers
        if value in text_b.numbers or any(same_figure(value, other) for other in text_b.numbers)
    )
    neg_xor = float((text_a.negations > 0) != (text_b.negations > 0))
    clash = min(_clash(text_a, text_b), 3)
    antonym = min(_antonyms(text_a, text_b), 3)
    cover_a = shared / max(1, len(text_a.stems))
    len_a, len_b = len(text_a.words), len(text_b.words)
    deny_b = min(text_b.denials, 3)
    row = [
        cos,
        cos_top,
        cos_article,
        cos_title or 0.0,
        float(cos_title is not None),
        float(article),
        shared / union,
        cover_a,
        shared / max(1, len(text_b.stems)),
        fuzz.token_set_ratio(text_a.text, text_b.text) / 100,
        min(names_shared, 5),
        min(len(text_a.names - text_b.names), 5),
        min(len(text_b.names - text_a.names), 5),
        names_shared / max(1, len(text_a.names | text_b.names)),
        min(nums_shared, 3),
        min(len(text_a.numbers) - nums_shared, 3),
        min(max(0, len(text_b.numbers) - nums_shared), 3),
        clash,
        min(text_a.negations, 3),
        min(text_b.negations, 3),
        neg_xor,
        min(text_a.denials, 3),
        deny_b,
        min(text_a.doubts, 3),
        min(text_b.doubts, 3),
        antonym,
        math.log1p(len_a),
        math.log1p(len_b),
        min(len_a, len_b) / max(1, len_a, len_b),
        cos * neg_xor,
        cos * clash,
        cos * deny_b,
        cos * antonym,
        cos * cover_a,
        cos * cos,
        *_cover(text_a.bigrams, text_b.bigrams),
        *_cover(text_a.trigrams, text_b.trigrams),
        len(text_a.chargrams & text_b.chargrams) / max(1, len(text_a.chargrams | text_b.chargrams)),
        min(len(text_a.stems - text_b.stems), 10),
        min(len(text_b.stems - text_a.stems), 10),
        math.log1p(abs(len_a - len_b)),
    ]
    return np.asarray(row, dtype=np.float64)


# ---- a claim of taking something, and the statement that answers it ---------------------------------

CLAIM_CUE = re.compile(
    r"\b(?:claim(?:s|ed|ing)?|said|says|saying|insist(?:s|ed)?|assert(?:s|ed)?|announc(?:e|es|ed)|"
    r"celebrat(?:e|es|ed)|reiterat(?:e|es|ed)|told|declared?|reported|according to)\b",
    re.IGNORECASE,
)
# outcomes that exclude each other: taking something against still holding it
GAIN = re.compile(
    r"\b(?:captur(?:e|es|ed|ing)|t(?:ake|aken|ook|aking)|seiz(?:e|es|ed|ing)|f(?:all|ell|allen)|"
    r"control(?:s|led)?|occup(?:y|ies|ied)|liberat(?:e|es|ed)|w(?:in|on))\b",
    re.IGNORECASE,
)
HOLD = re.compile(
    r"\b(?:h(?:old|olds|eld|olding)|retain(?:s|ed)?|repel(?:s|led)?|defend(?:s|ed)?|"
    r"remain(?:s|ed)? in (?:their|its|our) hands|counter-?attack(?:s|ed)?|push(?:ed)? back)\b",
    re.IGNORECASE,
)
NEGATED = re.compile(
    r"\b(?:no|not|never|neither|nor|none|deny|denies|denied|reject(?:s|ed)?|dismiss(?:es|ed)?|"
    r"dispute[sd]?|false|untrue|unfounded)\b|n['’]t\b",
    re.IGNORECASE,
)
CONTRAST = re.compile(r"\b(?:however|but|still|although|though|contrary|countered|insisted)\b", re.IGNORECASE)
GAIN_AFTER, GAIN_BEFORE = 45, 70  # characters around a verb of taking where its object is named


# "took 23 prisoners in the Gulf": a place after a preposition of place is where, not what, was taken
_LOCATIVE = re.compile(
    r"\b(?:in|at|near|off|on|across|along|outside|inside|around)\s+(?:\S+\s+)?$", re.IGNORECASE
)
_PASSIVE = re.compile(r"\b(?:is|was|are|were|been|being|has|had|have|now|fully|under)\b", re.IGNORECASE)


def is_taken(text: str, name: str) -> bool:
    """Whether ``name`` is what a verb of taking in ``text`` is about.

    Its object after the verb ("captured the town of X", not "... in X"), or its subject when the verb
    is passive or a state ("X has fallen", "X is under enemy control"); never the taker ("X's control
    of", "allow X to retain seized land").
    """
    for verb in GAIN.finditer(text):
        after = text[verb.end() : verb.end() + GAIN_AFTER]
        for found in re.finditer(rf"\b{re.escape(name)}\b(?!['’]s)", after):
            if not _LOCATIVE.search(after[: found.start()]):
                return True
        before = text[max(0, verb.start() - GAIN_BEFORE) : verb.start()]
        for found in re.finditer(rf"\b{re.escape(name)}\b(?!['’]s)", before):
            if _PASSIVE.search(before[found.end() :]):
                return True
    return False


def is_claim_of_gain(text: str, claimed: bool = False) -> bool:
    """An unnegated statement, attributed to someone, that something was taken."""
    return not NEGATED.search(text) and bool(CLAIM_CUE.search(text) or claimed) and bool(GAIN.search(text))


def opposes(text: str, stance: str | None = None) -> bool:
    """A denial or negation of an outcome of taking, or a contrasting "still hold".

    A denial that is not about taking or holding anything ("not seeking war, but ready if
    challenged") answers some other statement, not a claim of taking.
    """
    about_outcome = bool(GAIN.search(text) or HOLD.search(text))
    denied = stance in {"deny", "dispute"} or bool(NEGATED.search(text))
    return (denied and about_outcome) or bool(HOLD.search(text) and CONTRAST.search(text))


def answered_subject(text_a: str, text_b: str) -> str | None:
    """The name a claim of taking is about, when b contests that very thing; else None.

    b must name what a says was taken — a place merely named in both is not enough.
    """
    if not is_claim_of_gain(text_a) or not opposes(text_b):
        return None
    names_b = {found.group(0).lower() for found in _NAME.finditer(anyascii(text_b))}
    for match in _NAME.finditer(text_a):
        name = match.group(0)
        low = name.lower()
        if low in names_b and low not in _STOP and low not in _NOT_TAKEN and is_taken(text_a, name):
            return name
    return None


# capitalised words that open sentences or name days and months: never what was taken
_NOT_TAKEN = (
    frozenset(WEEKDAY_NAMES)
    | frozenset(MONTH_NAMES)
    | frozenset({"meanwhile", "earlier", "later", "however"})
)


@dataclass
class Pair:
    """A pair to judge: statement a, and b, a statement or a whole article."""

    a: str
    b: str
    a_title: str | None = None
    b_title: str | None = None


class Judge:
    """The learned judgement: features of a pair -> probabilities of the four relations."""

    def __init__(self, weights: dict) -> None:
        if list(weights["features"]) != list(FEATURES):
            raise ValueError(
                "judge_weights.json was trained on other features: retrain with bench/judge_train.py"
            )
        self.classes = list(weights["classes"])
        self.mean = np.asarray(weights["mean"])
        self.scale = np.asarray(weights["scale"])
        self.coef = np.asarray(weights["coef"])
        self.intercept = np.asarray(weights["intercept"])
        self.thresholds: dict[str, float] = dict(weights.get("thresholds", {}))

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        """Rows of FEATURES -> rows of class probabilities (in RELATIONS order)."""
        logits = ((rows - self.mean) / self.scale) @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        order = [self.classes.index(relation) if relation in self.classes else None for relation in RELATIONS]
        return np.stack([probs[:, k] if k is not None else np.zeros(len(rows)) for k in order], axis=1)

    def decide(self, probs: np.ndarray) -> list[Verdict]:
        """The relation of each row: disputes and corroborates need their own confidence."""
        out = []
        for row in probs:
            named = dict(zip(RELATIONS, (float(probability) for probability in row), strict=True))
            relation = max(named, key=lambda candidate: named[candidate])
            if named["corroborates"] >= self.thresholds.get("same_claim", 1.1):
                relation = "corroborates"  # what the dossier would join into one claim
            elif named["disputes"] >= self.thresholds.get("disputes", 1.1):
                relation = "disputes"
            elif relation == "disputes":
                relation = max(
                    ("corroborates", "related", "unrelated"), key=lambda candidate: named[candidate]
                )
            if relation == "corroborates" and named["corroborates"] < self.thresholds.get(
                "corroborates", 0.0
            ):
                relation = "related"
            out.append(Verdict(relation, round(named[relation], 4), named))
        return out


@lru_cache(maxsize=1)
def default_judge() -> Judge:
    return Judge(json.loads(WEIGHTS.read_text(encoding="utf-8")))


def featurize(pairs: Sequence[Pair], encode=None) -> np.ndarray:
    """Feature rows for pairs; ``encode`` (texts -> unit vectors) defaults to the embedding model."""
    if encode is None:
        from ..embed import encode
    needed: list[str] = []
    sentences_of_b: list[list[str]] = []
    for pair in pairs:
        parts = split_sentences(pair.b) if _is_long(pair.b) else [pair.b]
        sentences_of_b.append(parts)
        needed += [pair.a, pair.b, *(parts if len(parts) > 1 else [])]
        if pair.a_title and pair.b_title:
            needed += [pair.a_title, pair.b_title]
    unique = list(dict.fromkeys(needed))
    vectors = dict(zip(unique, encode(unique), strict=True)) if unique else {}
    rows = [_row(pair, parts, vectors) for pair, parts in zip(pairs, sentences_of_b, strict=True)]
    return np.stack(rows) if rows else np.zeros((0, len(FEATURES)))


def _is_long(text: str) -> bool:
    """An article rather than a statement: long, or in paragraphs."""
    return len(text.split()) > 80 or "\n\n" in text.strip()


def _row(pair: Pair, parts: list[str], vectors: dict[str, np.ndarray]) -> np.ndarray:
    a_vec = vectors[pair.a]
    cos_title = None
    if pair.a_title and pair.b_title:
        cos_title = float(vectors[pair.a_title] @ vectors[pair.b_title])
    a_text = Text.read(pair.a)
    if len(parts) == 1:
        cos = float(a_vec @ vectors[pair.b])
        return pair_features(a_text, Text.read(pair.b), cos, cos, cos, cos_title, article=False)
    sims = np.array([float(a_vec @ vectors[sentence]) for sentence in parts])
    top = np.argsort(-sims)[:ARTICLE_SENTENCES]
    best = " ".join(parts[k] for k in sorted(top))
    return pair_features(
        a_text,
        Text.read(best),
        float(sims[top[0]]),
        float(sims[top].mean()),
        float(a_vec @ vectors[pair.b]),
        cos_title,
        article=True,
    )


def judge(pairs: Sequence[Pair], model: Judge | None = None) -> list[Verdict]:
    """How each pair's b bears on its a."""
    if not pairs:
        return []
    model = model or default_judge()
    verdicts = model.decide(model.probabilities(featurize(pairs)))
    for pair, verdict in zip(pairs, verdicts, strict=True):
        if answered_subject(pair.a, pair.b):  # the rule the dossier marks disputes by
            verdict.relation = "disputes"
            verdict.score = round(max(verdict.probabilities["disputes"], 0.5), 4)
    return verdicts


def same_claim_probabilities(
    texts: Sequence[str], vectors: np.ndarray, pairs: Sequence[tuple[int, int]], model: Judge | None = None
) -> np.ndarray:
    """P(corroborates) for pairs of sentences given by index, each read once (the dossier's alignment)."""
    if not pairs:
        return np.zeros(0)
    model = model or default_judge()
    read = {k: Text.read(texts[k]) for k in {k for pair in pairs for k in pair}}
    rows = []
    for i, j in pairs:
        cos = float(vectors[i] @ vectors[j])
        rows.append(pair_features(read[i], read[j], cos, cos, cos, None, article=False))
    return model.probabilities(np.stack(rows))[:, 0]


def same_claim_cut(model: Judge | None = None) -> float:
    """How likely corroborates must be for the dossier to join two sentences into one claim."""
    return (model or default_judge()).thresholds.get("same_claim", 0.85)
