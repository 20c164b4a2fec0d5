"""Reconcile stage: an extractive multi-source summary, each sentence verbatim and cited.

Sentences are scored by how central they are *across outlets* (the best match each other
article offers), by the share of their words and word pairs the other outlets also use, by
their likeness to the outlets' headlines, by how early they stand in their article (news puts
the gist first), and by the dossier's claims (how many independent sources carry them) when given.
A greedy pick skips near-duplicates; the pick is ordered lead-first. Every item cites each
article holding a sentence close enough to count as the same statement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from ..credits import CAPTION_RE
from ..models import Analysis, Article, Claim, Occurrence, Sentence, SummarySentence
from ..text import MONTH_ABBREVIATIONS, WORD_RE, fold_text, quote_share
from .common import source_of

SAME_STATEMENT = 0.80  # cosine at which two sentences are taken to state the same thing (cite both)
SUPPORTS = 0.70  # looser: a paraphrase that still backs the statement, for scoring only
NEAR_DUPLICATE = 0.72  # cosine above which a candidate repeats a sentence already picked
MIN_SUMMARY_WORDS = 6  # the words a sentence of the summary has, at the least
MAX_SUMMARY_WORDS = 70  # and at the most


@dataclass(frozen=True)
class Weights:
    """How the score mixes its parts.

    Fitted on NeuS train (bench/summary_neus.py --fit): a least-squares fit, within each story, of these
    features to each sentence's ROUGE-1/2 precision against the editors' summary, scaled to centrality = 1.
    Shared words is lowered from the fitted 8.1 to 5.0: above ~5 the dossier stops leading with the
    statement most outlets carry (tests/reconcile/test_summary.py); on NeuS train 5.0 scores the same.
    """

    centrality: float = 1.0
    concepts: float = 1.6
    position: float = 0.52
    support: float = 0.0  # the fit gives embedding support ~0 once shared words and centrality are in
    claim: float = 0.4  # no claims on NeuS: this weight is set for dossiers, where claims exist
    quote_penalty: float = 0.44
    shared_words: float = 5.0  # share of the content words the other outlets also use (fit: 8.1, see above)
    title: float = 5.0  # likeness to the outlets' headlines (what each outlet says the story is)


DEFAULT_WEIGHTS = Weights()


@dataclass
class Candidate:
    article: str
    source: str
    index: int  # position of the sentence in its article
    rel: float  # index / sentence count: 0 = lead
    start: int
    end: int
    text: str
    quote_share: float
    status: str | None = None  # claim status of an overlapping dossier claim
    claim_sources: set[str] = field(default_factory=set)
    claim_occurrences: list[Occurrence] = field(
        default_factory=list
    )  # where the matched claims stand elsewhere


# ---- sentence splitting (only when no analysis is given) ---------------------------------------

_ABBREV = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "sen",
    "rep",
    "gov",
    "gen",
    "lt",
    "col",
    "sgt",
    "capt",
    "st",
    "jr",
    "sr",
    "inc",
    "corp",
    "co",
    "ltd",
    "vs",
    "no",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "u.s",
    "u.k",
    "u.n",
    "e.u",
    "d.c",
    "a.m",
    "p.m",
    "etc",
    "e.g",
    "i.e",
    "approx",
    "ft",
}
_BOUNDARY = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])|\n\s*\n|\n(?=\S)")


def split_sentences(article: Article) -> list[Sentence]:
    """A light regex splitter: breaks at end punctuation before a capital, and at line ends."""
    text = article.text
    cuts = [0]
    for match in _BOUNDARY.finditer(text):
        if "\n" not in match.group(0) and _inside_quote(text[cuts[-1] : match.end()].rstrip()):
            continue  # "...a hundred times. But if..." is one quoted statement, not two sentences
        if text[match.start()] == ".":
            word = re.search(r"([\w.]+)\.$", text[cuts[-1] : match.start() + 1])
            token = word.group(1).lower() if word else ""
            # An abbreviation or an initial ("J. Smith") does not end a sentence.
            if token in _ABBREV or (len(token) == 1 and token.isalpha()):
                continue
        cuts.append(match.end())
    cuts.append(len(text))
    out: list[Sentence] = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        seg = text[start:end]
        lead = len(seg) - len(seg.lstrip())
        trail = len(seg.rstrip())
        if trail <= lead:
            continue
        out.append(Sentence(article.id, start + lead, start + trail, seg[lead:trail], index=len(out)))
    return out


def _inside_quote(segment: str) -> bool:
    """True when a quotation opened in this segment is still open at its end (short segments only)."""
    if len(segment) > 600:
        return False  # an unmatched mark must not swallow a paragraph
    return segment.count('"') % 2 == 1 or segment.count("“") > segment.count("”")


def balanced_quotes(text: str) -> bool:
    return text.count('"') % 2 == 0 and text.count("“") == text.count("”")


# ---- what may stand in a summary ---------------------------------------------------------------

# AP/Reuters-style captions end on a place and the picture's date: "..., in Lyon, France, June 2, 2025."
_MONTH = rf"({'|'.join(month.title() for month in MONTH_ABBREVIATIONS)})[a-z]*\.?"
_CAPTION_DATE = re.compile(
    rf",\s+[A-Z][\w.'-]*(\s+[A-Z][\w.'-]*)*,\s+({_MONTH}\s+\d{{1,2}}|\d{{1,2}}\s+{_MONTH}),?\s+\d{{4}}\.?$"
)
_DATELINE = re.compile(r"^[A-Z][A-Z .,'()/-]{1,40}\s(--|—|–)\s+(?=[A-Z“\"])")
_END = re.compile(r"[.!][\"'”’)\]]*$")


def usable(text: str, whole: bool = True) -> bool:
    """A statement fit for a summary: a full sentence, not a caption, question or bare quote (``whole``
    False: a sentence cut off at its end will do, for a story whose articles have no whole one)."""
    words = text.split()
    if not MIN_SUMMARY_WORDS <= len(words) <= MAX_SUMMARY_WORDS:
        return False
    if (whole and not _END.search(text)) or text.rstrip("\"'”’)] ").endswith("?"):
        return False  # headlines, subheads, questions
    if CAPTION_RE.search(text) or _CAPTION_DATE.search(text):
        return False
    if not balanced_quotes(text):
        return False  # a piece cut out of a longer quotation
    if text.lstrip()[:1] in "\"“‘'”" and quote_share(text) > 0.8:
        return False  # a quote with no one saying it
    if text[:1].islower():
        return False  # a fragment cut from the middle of a sentence
    return True


# ---- candidates --------------------------------------------------------------------------------


def _sentences(article: Article, analysis: Analysis | None) -> list[Sentence]:
    if analysis and analysis.sentences:
        return sorted(analysis.sentences, key=lambda sentence: sentence.start)
    return split_sentences(article)


def _claim_index(claims: list[Claim]) -> dict[str, list[tuple[Occurrence, Claim]]]:
    """article id -> (occurrence, claim) for every claim occurrence in that article."""
    idx: dict[str, list[tuple[Occurrence, Claim]]] = {}
    for claim in claims or []:
        for occ in claim.occurrences:
            idx.setdefault(occ.article, []).append((occ, claim))
    return idx


def _attach_claims(cand: Candidate, spans: list[tuple[Occurrence, Claim]]) -> None:
    """A sentence that is an occurrence of a dossier claim takes its status, sources and other occurrences."""
    for occ, claim in spans:
        start, end, text = occ.start, occ.end, occ.text
        if not ((start >= 0 and start < cand.end and end > cand.start) or (text and text in cand.text)):
            continue
        cand.claim_sources |= set(claim.sources)
        cand.claim_occurrences += [
            occurrence for occurrence in claim.occurrences if occurrence.article != cand.article
        ]
        if claim.status == "disputed":
            cand.status = "disputed"


def _line(text: str, start: int, end: int) -> str:
    """The line a sentence stands on: a credit anywhere on it makes the whole line a caption."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return text[line_start : line_end if line_end >= 0 else len(text)]


def candidates(
    articles: list[Article], analyses: dict[str, Analysis], claims: list[Claim], whole: bool = True
) -> list[Candidate]:
    """The sentences a summary may pick (``whole``: see ``usable``)."""
    by_id = {article.id: article for article in articles}
    claim_spans = _claim_index(claims)
    out: list[Candidate] = []
    for art in sorted(articles, key=lambda article: article.id):
        sents = _sentences(art, analyses.get(art.id))
        count = max(1, len(sents))
        for i, sentence in enumerate(sents):
            raw = art.text[sentence.start : sentence.end]
            text = raw.strip()
            lead = len(raw) - len(raw.lstrip())
            dateline = _DATELINE.match(text)
            if dateline:  # "CITY -- The minister said..." keeps only the statement
                text, lead = text[dateline.end() :], lead + dateline.end()
            line_start = art.text.rfind("\n", 0, sentence.start) + 1
            if (
                not usable(text, whole)
                or CAPTION_RE.search(_line(art.text, sentence.start, sentence.end))
                or not balanced_quotes(art.text[line_start : sentence.start])
            ):
                continue  # junk, a caption line, or a sentence that starts inside someone's quotation
            start = sentence.start + lead
            cand = Candidate(
                art.id, source_of(art, by_id), i, i / count, start, start + len(text), text, quote_share(text)
            )
            _attach_claims(cand, claim_spans.get(art.id, []))
            out.append(cand)
    return out


# ---- scoring and choice ------------------------------------------------------------------------


def _cross_centrality(cands: list[Candidate], sim: np.ndarray) -> np.ndarray:
    """Mean over the other articles of the best match each offers: what the other outlets also say."""
    arts = sorted({cand.article for cand in cands})
    if len(arts) == 1:  # one article: plain within-article centrality
        return (sim.sum(1) - np.diag(sim)) / max(1, len(cands) - 1)
    col = {article: i for i, article in enumerate(arts)}
    owner = np.array([col[cand.article] for cand in cands])
    best = np.zeros((len(cands), len(arts)), dtype=np.float32)
    for j in range(len(arts)):
        best[:, j] = np.clip(sim[:, owner == j].max(axis=1), 0, None)
    best[np.arange(len(cands)), owner] = 0.0
    return best.sum(1) / (len(arts) - 1)


def _bigrams(text: str, stop: frozenset[str]) -> set[tuple[str, str]]:
    words = [word.lower().strip("'’-") for word in WORD_RE.findall(text)]
    return {
        (first, second)
        for first, second in zip(words, words[1:], strict=False)
        if not (first in stop and second in stop)
    }


def _concepts(cands: list[Candidate]) -> tuple[list[set[tuple[str, str]]], dict[tuple[str, str], int], float]:
    """Word pairs several outlets use (shared wording = shared facts): per sentence, their weights, the norm.

    A pair's weight is the number of *other* outlets using it; a summary earns it once.
    """
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    grams = [_bigrams(cand.text, ENGLISH_STOP_WORDS) for cand in cands]
    sources: dict[tuple[str, str], set[str]] = {}
    for cand, sentence_grams in zip(cands, grams, strict=True):
        for bigram in sentence_grams:
            sources.setdefault(bigram, set()).add(cand.source)
    weight = {bigram: len(outlets) - 1 for bigram, outlets in sources.items() if len(outlets) > 1}
    grams = [{bigram for bigram in sentence_grams if bigram in weight} for sentence_grams in grams]
    norm = max((sum(weight[bigram] for bigram in sentence_grams) for sentence_grams in grams), default=0)
    return grams, weight, float(norm or 1)


def _content(text: str, stop: frozenset[str]) -> set[str]:
    return {
        word
        for word in (token.lower().strip("'’-") for token in WORD_RE.findall(text))
        if word not in stop and len(word) > 1
    }


def _shared_words(cands: list[Candidate], articles: list[Article], by_id: dict[str, Article]) -> np.ndarray:
    """Mean over the other outlets of the share of a sentence's content words that outlet also uses."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    vocab: dict[str, set[str]] = {}
    for article in articles:
        vocab.setdefault(source_of(article, by_id), set()).update(
            _content(f"{article.title or ''} {article.text}", ENGLISH_STOP_WORDS)
        )
    out = np.zeros(len(cands), dtype=np.float32)
    for i, cand in enumerate(cands):
        words = _content(cand.text, ENGLISH_STOP_WORDS)
        others = [outlet_words for source, outlet_words in vocab.items() if source != cand.source]
        if words and others:
            out[i] = sum(len(words & outlet_words) / len(words) for outlet_words in others) / len(others)
    return out


def _titles(articles: list[Article]) -> list[str]:
    """The outlets' headlines, each once."""
    return sorted({article.title.strip() for article in articles if article.title and article.title.strip()})


def _title_likeness(cands: list[Candidate], titles: list[str], vecs: np.ndarray) -> np.ndarray:
    from ..embed import encode

    if not titles:
        return np.zeros(len(cands), dtype=np.float32)
    return np.clip(vecs @ encode(titles).T, 0, None).mean(1)


def _lexical_similarity(cands: list[Candidate], titles: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Cosine of the candidates' TF-IDF vectors, and their mean cosine to the headlines."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [cand.text for cand in cands]
    try:
        vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit(texts + titles)
    except ValueError:  # nothing but stop words
        return np.eye(len(cands), dtype=np.float32), np.zeros(len(cands), dtype=np.float32)
    matrix = vectorizer.transform(texts)
    sim = (matrix @ matrix.T).toarray().astype(np.float32)
    if not titles:
        return sim, np.zeros(len(cands), dtype=np.float32)
    title_like = np.asarray((matrix @ vectorizer.transform(titles).T).mean(1)).ravel().astype(np.float32)
    return sim, title_like


def _scores(
    cands: list[Candidate],
    sim: np.ndarray,
    n_sources: int,
    weights: Weights,
    extra: dict[str, np.ndarray] | None = None,
) -> np.ndarray:
    extra = extra or {}
    centrality = _cross_centrality(cands, sim)
    src = np.array([cand.source for cand in cands])
    support = np.array(
        [len(set(src[sim[i] >= SUPPORTS]) | {cands[i].source}) for i in range(len(cands))], dtype=np.float32
    )
    support_share = (support - 1) / max(1, n_sources - 1)
    position = np.array([1.0 - cand.rel for cand in cands], dtype=np.float32) ** 2
    claim = np.array(
        [min(1.0, max(0, len(cand.claim_sources) - 1) / max(1, n_sources - 1)) for cand in cands]
    )
    quote = np.array([cand.quote_share for cand in cands], dtype=np.float32)
    score = (
        weights.centrality * centrality
        + weights.position * position
        + weights.support * support_share
        + weights.claim * claim
        - weights.quote_penalty * quote
    )
    for name in ("shared_words", "title"):
        if getattr(weights, name) and name in extra:
            score = score + getattr(weights, name) * extra[name]
    return score


def _carriers(i: int, cands: list[Candidate], sim: np.ndarray) -> tuple[list[int], set[str]]:
    """Indices of the best same-statement sentence in each other article, and their sources."""
    best: dict[str, int] = {cands[i].article: i}
    for j in np.nonzero(sim[i] >= SAME_STATEMENT)[0]:
        article = cands[j].article
        if article not in best or sim[i, j] > sim[i, best[article]]:
            best[article] = int(j)
    idx = sorted(best.values(), key=lambda j: (j != i, cands[j].article))
    return idx, {cands[j].source for j in idx}


def summarize(
    articles: list[Article],
    analyses: dict[str, Analysis] | None,
    claims: list[Claim] | None,
    max_sentences: int = 8,
    max_words: int | None = None,
    weights: Weights = DEFAULT_WEIGHTS,
    avoid: set[str] | None = None,
) -> list[SummarySentence]:
    """Pick up to ``max_sentences`` verbatim sentences (and at most ``max_words`` words when given).

    Each item's ``articles`` are those it stands in verbatim, origin first; ``also_reported_by`` those
    carrying the same statement in other words; ``status`` is "disputed" when a dossier claim it overlaps
    is disputed. Sentences overlapping a text
    in ``avoid`` (folded; e.g. the outvoted side of a conflict) are never picked.
    """
    from ..embed import encode

    # a brief or an excerpt cut off mid-sentence has no whole sentence: its summary is its cut sentence
    cands = candidates(articles, analyses or {}, claims or []) or candidates(
        articles, analyses or {}, claims or [], whole=False
    )
    if avoid:
        cands = [
            cand
            for cand in cands
            if not any(
                fold_text(cand.text) in avoided or avoided in fold_text(cand.text) for avoided in avoid
            )
        ]
    if not cands:
        return []
    # One article: nothing to match across outlets, so the sentences are compared by their words and no
    # sentence of the story is embedded (most stories of an archive have one article). On NeuS val
    # excerpts summarised one by one this scored as the embeddings did (ROUGE-1 35.5 against 35.4;
    # bench/summary_neus.py --one-article).
    lexical = len({cand.article for cand in cands}) == 1
    if lexical:
        sim, title_like = _lexical_similarity(cands, _titles(articles))
    else:
        vecs = encode([cand.text for cand in cands])
        sim = vecs @ vecs.T
    n_sources = len({cand.source for cand in cands})
    by_id = {article.id: article for article in articles}
    extra = {}
    if weights.shared_words:
        extra["shared_words"] = _shared_words(cands, articles, by_id)
    if weights.title:
        extra["title"] = title_like if lexical else _title_likeness(cands, _titles(articles), vecs)
    score = _scores(cands, sim, n_sources, weights, extra)
    grams, weight, norm = _concepts(cands)
    picked: list[int] = []
    covered: set[tuple[str, str]] = set()
    words = 0
    open_ = set(range(len(cands)))
    while open_ and len(picked) < max_sentences:
        # greedy: fixed score plus the shared word pairs not yet in the summary
        gain = {
            i: float(score[i])
            + weights.concepts * sum(weight[bigram] for bigram in grams[i] - covered) / norm
            for i in open_
        }
        i = min(open_, key=lambda i: (-round(gain[i], 6), cands[i].rel, cands[i].article))
        open_.discard(i)
        sentence_words = len(cands[i].text.split())
        if any(sim[i, j] >= NEAR_DUPLICATE for j in picked) or (
            max_words is not None and picked and words + sentence_words > max_words
        ):
            continue
        picked.append(i)
        covered |= grams[i]
        words += sentence_words
    folded = {article.id: fold_text(article.text) for article in articles}
    return [_item(i, cands, sim, folded) for i in _lead_first(picked, cands, sim)]


def _lead_first(picked: list[int], cands: list[Candidate], sim: np.ndarray) -> list[int]:
    """Order by the earliest place any carrying article gives the statement."""

    def key(i: int) -> tuple[float, int, str]:
        idx, _ = _carriers(i, cands, sim)
        return (min(cands[j].rel for j in idx), cands[i].index, cands[i].article)

    return sorted(picked, key=key)


def _item(i: int, cands: list[Candidate], sim: np.ndarray, folded: dict[str, str]) -> SummarySentence:
    idx, _ = _carriers(i, cands, sim)
    occurrences = [Occurrence(cands[j].article, cands[j].text, cands[j].start, cands[j].end) for j in idx]
    # articles where the reconciler found the same claim, though worded too differently for the cosine
    seen = {occ.article for occ in occurrences}
    for occ in sorted(cands[i].claim_occurrences, key=lambda occ: (occ.article, occ.start)):
        if occ.article not in seen:
            seen.add(occ.article)
            occurrences.append(occ)
    # Grounding: "articles" cites only the articles the sentence stands in verbatim (folded); articles
    # that carry the same statement in their own words are listed apart, never credited with its wording.
    said = fold_text(cands[i].text)
    verbatim = [occ.article for occ in occurrences if said in folded.get(occ.article, fold_text(occ.text))]
    return SummarySentence(
        text=cands[i].text,
        articles=verbatim,
        also_reported_by=[occ.article for occ in occurrences if occ.article not in verbatim],
        occurrences=occurrences,
        status="disputed" if cands[i].status == "disputed" else None,
    )
