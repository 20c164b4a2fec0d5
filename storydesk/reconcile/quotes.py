"""Reconcile stage: one quote per thing said, with every outlet that carries it and its rewordings.

Two quotes are the same when their words match once quote marks and punctuation are folded: one
contains the other (partial quotation) or their token sets nearly agree. A rewording by the same
speaker (close sentence embeddings) joins as a variant; when outlets carry a quote in different
words, that is also a conflict of kind "quote".
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz

from ..credits import is_credit
from ..groups import UnionFind
from ..ids import short_hash
from ..models import Conflict, Occurrence, Position, Quote, StoryQuote
from ..text import fold_ascii
from .attribution import Credit, attribution_conflicts
from .common import Context, trim_span
from .entities import EntityIndex, norm_name

MIN_QUOTE_WORDS = (
    4  # a quote of fewer words ("a mess") matches only when identical; a shorter sentence is no piece
)
SAME_TOKENS = 90  # token-set ratio at which two quote texts are one
VARIANT_COSINE = 0.78  # embedding cosine at which the same speaker's quotes are one, reworded
CONFLICT_COSINE = 0.78  # same speaker, same topic, overlapping words: the outlets quote differently
CONFLICT_OVERLAP = 45  # partial token ratio that counts as overlapping words
_PRONOUNS = {"he", "she", "they", "it", "we", "i", "him", "her", "them"}
_RELATIVE = {"who", "which", "that"}
# Entities that can say something: people, bodies, and countries standing for their governments.
SPEAKER_TYPES = frozenset({"PERSON", "ORG", "GPE"})


@dataclass
class QuoteOcc:
    article: str
    start: int
    end: int
    text: str
    speaker: str | None
    kind: str
    key: str
    via_pronoun: bool = False
    written: str | None = None  # the speaker as the article writes it, when no entity stands for it

    @property
    def words(self) -> int:
        return len(self.key.split())


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", fold_ascii(text))).strip()


def collect(ctx: Context, index: EntityIndex) -> list[QuoteOcc]:
    """Every quote of the story, cut to its exact text and given its speaker entity."""
    out: list[QuoteOcc] = []
    for article in ctx.articles:
        seen: set[tuple[int, int]] = set()
        for quote in sorted(ctx.analyses[article.id].quotes, key=lambda quote: (quote.start, quote.end)):
            occ = _occurrence(ctx, index, quote)
            if occ and (occ.start, occ.end) not in seen:
                seen.add((occ.start, occ.end))
                out.append(occ)
    return _innermost(out)


def _innermost(occs: list[QuoteOcc]) -> list[QuoteOcc]:
    """Drop a reported-speech span that wraps a direct quote of the same article.

    "X said her government would accept "any fair deal"" holds the speaker's own words inside the
    outlet's paraphrase: the quote is the inner words, credited to the outer span's speaker when the
    inner one has none.
    """
    dropped: set[int] = set()
    for i, outer in enumerate(occs):
        for inner in occs:
            if inner is outer or inner.article != outer.article or inner.kind == "indirect":
                continue
            if (
                outer.start <= inner.start
                and inner.end <= outer.end
                and (outer.start, outer.end) != (inner.start, inner.end)
            ):
                if inner.speaker is None:
                    inner.speaker, inner.via_pronoun, inner.written = (
                        outer.speaker,
                        outer.via_pronoun,
                        outer.written,
                    )
                dropped.add(i)
    return [occ for i, occ in enumerate(occs) if i not in dropped]


def _occurrence(ctx: Context, index: EntityIndex, quote: Quote) -> QuoteOcc | None:
    text = ctx.by_id[quote.article_id].text
    start, end = trim_span(text, quote.start, quote.end)
    # quote marks and trailing commas are not part of what was said
    while start < end and text[start] in "\"'“”‘’«» ":
        start += 1
    while end > start and text[end - 1] in "\"'“”‘’«», ":
        end -= 1
    body = text[start:end]
    key = _key(body)
    if not key or is_credit(body):
        return None
    speaker = _speaker_entity(index, quote)
    as_written = quote.speaker_text or ""
    pronoun = bool(as_written) and as_written.strip().lower() in _PRONOUNS
    # "officials, who said": the relative pronoun names no one (the analysis resolved its antecedent)
    relative = bool(as_written) and as_written.strip().lower() in _RELATIVE
    written = None if pronoun or relative or not as_written else as_written.strip()
    return QuoteOcc(quote.article_id, start, end, body, speaker, quote.kind, key, pronoun, written)


def _speaker_entity(index: EntityIndex, quote: Quote) -> str | None:
    """The entity that said a quote: the one analysis named, found at its mention inside the speaker as
    written, else by its name; with no name, only an entity that is the whole speaker phrase ("the
    ministry"). A name that merely modifies the speaker ("Ostrelian officials", "Varn's envoys") is not who
    spoke; nor is a nationality or group (NORP) or a place that is not a country (LOC)."""
    span = (
        (quote.speaker_start, quote.speaker_end)
        if quote.speaker_start is not None and quote.speaker_end is not None
        else None
    )
    speaker = None
    if quote.speaker:
        if span:
            key = norm_name(quote.speaker)
            inside = [eid for eid, folded in index.mentions_in(quote.article_id, *span) if folded == key]
            speaker = inside[0] if inside else None
        speaker = speaker or index.resolve(quote.article_id, quote.speaker)
        if speaker is None and span:
            speaker = index.at(quote.article_id, *span)
    elif span and quote.speaker_text:
        whole = index.mentions_in(quote.article_id, *span)
        if len(whole) == 1 and whole[0][1] == norm_name(quote.speaker_text):
            speaker = whole[0][0]
    if speaker and index.by_id[speaker].type not in SPEAKER_TYPES:
        speaker = None
    return speaker


def _same_words(occ: QuoteOcc, other: QuoteOcc) -> bool:
    """The same words, once folded: a long quote matches whoever it is credited to (credits can be wrong)."""
    if occ.key == other.key and (occ.words >= MIN_QUOTE_WORDS or occ.speaker == other.speaker):
        return True
    if min(occ.words, other.words) < MIN_QUOTE_WORDS:
        # a short fragment joins a longer quote that holds it only when one speaker is known to say both
        short, long = sorted((occ.key, other.key), key=len)
        named = not occ.via_pronoun and not other.via_pronoun
        return (
            bool(occ.speaker)
            and occ.speaker == other.speaker
            and named
            and len(short.split()) >= 3
            and f" {short} " in f" {long} "
        )
    short, long = sorted((occ.key, other.key), key=len)
    if f" {short} " in f" {long} ":
        return True
    return (
        fuzz.token_set_ratio(occ.key, other.key) >= SAME_TOKENS
        and fuzz.partial_ratio(short, long) >= SAME_TOKENS
    )


def reconcile_quotes(ctx: Context, index: EntityIndex) -> tuple[list[StoryQuote], list[Conflict]]:
    """The story's quotes and the "quote" conflicts (outlets quoting one speaker differently)."""
    occs = collect(ctx, index)
    if not occs:
        return [], []
    cores = _same_words_groups(occs)
    speaker = [_group_speaker(occs, group) for group in cores]
    sim = _group_similarity(ctx, occs, cores, speaker)
    parent, conflicts = _variants_and_misquotes(ctx, index, occs, cores, speaker, sim)
    quotes = []
    for i, group in enumerate(cores):
        if parent[i] != i:
            continue
        variants = [j for j in range(len(cores)) if j != i and parent[j] == i]
        quotes.append(_quote(ctx, index, occs, group, [cores[j] for j in variants], speaker[i]))
        conflicts += _attribution_conflict(ctx, index, occs, group)
    quotes.sort(
        key=lambda quote: (-len({occ.article for occ in quote.occurrences}), _first(ctx, quote), quote.id)
    )
    return quotes, _dedupe(conflicts)


def _same_words_groups(occs: list[QuoteOcc]) -> list[list[int]]:
    """Occurrences in different articles that give the same words, grouped."""
    uf: UnionFind[int] = UnionFind()
    for i, j in _candidate_pairs(occs):
        if occs[i].article != occs[j].article and _same_words(occs[i], occs[j]):
            uf.union(i, j)
    return uf.groups(range(len(occs)))


def _group_similarity(
    ctx: Context, occs: list[QuoteOcc], cores: list[list[int]], speaker: list[str | None]
) -> np.ndarray:
    """Cosine between groups: two groups are as close as their closest pair of sentences (a reworded
    sentence of a long quote); -1 where they cannot be rewordings of each other."""
    texts, owner = [], []
    # only a speaker quoted in two separate groups can have been reworded, by another article than the
    # one quoting: embed just those
    per_speaker = Counter(sp for sp in speaker if sp)
    one_article = len({occ.article for occ in occs}) < 2
    for gi, group in enumerate(cores):
        if one_article or (sp := speaker[gi]) is None or per_speaker[sp] < 2:
            continue
        for piece in dict.fromkeys(piece for k in group for piece in _pieces(occs[k].text)):
            texts.append(piece)
            owner.append(gi)
    vecs = ctx.vectors(texts)
    piece_sim = vecs @ vecs.T
    sim = np.full((len(cores), len(cores)), -1.0, dtype=np.float32)
    if owner:
        np.maximum.at(sim, (np.array(owner)[:, None], np.array(owner)[None, :]), piece_sim)
    return sim


def _variants_and_misquotes(
    ctx: Context,
    index: EntityIndex,
    occs: list[QuoteOcc],
    cores: list[list[int]],
    speaker: list[str | None],
    sim: np.ndarray,
) -> tuple[list[int], list[Conflict]]:
    """(each group's head: itself, or the group it is a rewording of; the "quote" conflicts)."""
    parent = list(range(len(cores)))
    heads: set[int] = set()
    conflicts: list[Conflict] = []
    for i in range(len(cores)):
        for j in range(i + 1, len(cores)):
            if not (sp := speaker[i]) or sp != speaker[j]:
                continue
            in_i = {occs[k].article for k in cores[i]}
            in_j = {occs[k].article for k in cores[j]}
            if in_i == in_j:
                continue  # one article quoting twice is not a rewording by another outlet
            if sim[i, j] >= VARIANT_COSINE and parent[j] == j and parent[i] == i:
                # the wording more articles carry is the quote; the other its variant (one level deep)
                child, head = (i, j) if len(in_j) > len(in_i) else (j, i)
                if child not in heads:
                    parent[child] = head
                    heads.add(head)
            if _misquoted(occs, cores[i], cores[j], float(sim[i, j]), bool(in_i & in_j)):
                conflicts.append(_quote_conflict(ctx, index, occs, cores[i], cores[j], sp))
    return parent, conflicts


def _misquoted(
    occs: list[QuoteOcc], first: list[int], second: list[int], cosine: float, shared: bool
) -> bool:
    """Two groups of one speaker's words that differ where they overlap, in articles that do not share."""
    # only words given as verbatim quotation can be misquoted
    direct = all(any(occs[k].kind == "direct" for k in group) for group in (first, second))
    return direct and cosine >= CONFLICT_COSINE and not shared and _overlap(occs, first, second)


def _attribution_conflict(
    ctx: Context, index: EntityIndex, occs: list[QuoteOcc], group: list[int]
) -> list[Conflict]:
    """Outlets that credit the same words to different people, each by name (attribution.py)."""
    credits = [
        Credit(occ.speaker, occ.article, _sentence_text(ctx, occ), occ.written, occ.start)
        for occ in (occs[k] for k in group)
        if occ.speaker and not occ.via_pronoun
    ]
    main = _longest(occs, group)
    words = " ".join(main.text.split()[:8])
    return attribution_conflicts(
        ctx, index, credits, ("speaker", main.article, main.start), f"who said “{words}…”"
    )


def _candidate_pairs(occs: list[QuoteOcc]) -> list[tuple[int, int]]:
    """Pairs of quotes that share a word of four letters or more (the only ones that can match)."""
    index: dict[str, list[int]] = defaultdict(list)
    for i, occ in enumerate(occs):
        words = {word for word in occ.key.split() if len(word) >= 4} or {occ.key}
        for word in words:
            index[word].append(i)
    common = max(20, len(occs) // 5)  # a word in most quotes links nothing
    pairs: set[tuple[int, int]] = set()
    for ids in index.values():
        if len(ids) > common:
            continue
        for j in range(len(ids)):
            for k in range(j + 1, len(ids)):
                pairs.add((ids[j], ids[k]))
    return sorted(pairs)


def _pieces(text: str) -> list[str]:
    """The sentences of a quote (the whole quote when it is one)."""
    parts = [
        part.strip() for part in re.split(r"(?<=[.!?])\s+", text) if len(part.split()) >= MIN_QUOTE_WORDS
    ]
    return parts or [text]


def _overlap(occs: list[QuoteOcc], first: list[int], second: list[int]) -> bool:
    """Overlapping words that are not the same words, nor one cut out of the other."""
    la, lb = _longest(occs, first), _longest(occs, second)
    if fuzz.partial_ratio(la.key, lb.key) < CONFLICT_OVERLAP or _same_words(la, lb):
        return False
    short, long = sorted((la, lb), key=lambda occ: occ.words)
    return not _cut_from(short.key, long.key)


def _cut_from(short: str, long: str) -> bool:
    """Whether the shorter rendering is the longer one shortened or spliced: its words, in order, with gaps.

    An outlet that drops a clause or joins two sentences with an ellipsis quotes the same remark.
    """
    remaining = iter(long.split())
    return all(word in remaining for word in short.split())


def _longest(occs: list[QuoteOcc], group: list[int]) -> QuoteOcc:
    return max((occs[k] for k in group), key=lambda occ: (occ.words, occ.kind == "direct", -occ.start))


def _group_speaker(occs: list[QuoteOcc], group: list[int]) -> str | None:
    """The speaker most occurrences name; a speaker found through a pronoun counts half."""
    votes: defaultdict[str, float] = defaultdict(float)
    for k in group:
        if sp := occs[k].speaker:
            votes[sp] += 0.5 if occs[k].via_pronoun else 1.0
    return min(votes, key=lambda candidate: (-votes[candidate], candidate)) if votes else None


def _located(occ: QuoteOcc) -> Occurrence:
    return Occurrence(occ.article, occ.text, occ.start, occ.end)


def _first(ctx: Context, quote: StoryQuote) -> tuple[int, int]:
    first = quote.occurrences[0]
    return (ctx.order(first.article), first.start)


def _quote(
    ctx: Context,
    index: EntityIndex,
    occs: list[QuoteOcc],
    core: list[int],
    variant_groups: list[list[int]],
    speaker: str | None,
) -> StoryQuote:
    members = sorted(
        core + [k for group in variant_groups for k in group],
        key=lambda k: (ctx.order(occs[k].article), occs[k].start),
    )
    main = _longest(occs, core)
    variants = sorted({_longest(occs, group).text for group in variant_groups} - {main.text})
    return StoryQuote(
        id="q-" + short_hash(main.article, main.start, main.end),
        speaker=speaker,
        speaker_name=index.by_id[speaker].name if speaker else _written_speaker(occs, members),
        text=main.text,
        occurrences=[_located(occs[k]) for k in members],
        variants=variants,
    )


def _written_speaker(occs: list[QuoteOcc], members: list[int]) -> str | None:
    """An unnamed source as the articles write it ("a senior aide", "the grid operator")."""
    seen = Counter(occs[k].written for k in members if occs[k].written)
    return min(seen, key=lambda written: (-seen[written], written)) if seen else None


def _quote_conflict(
    ctx: Context, index: EntityIndex, occs: list[QuoteOcc], first: list[int], second: list[int], speaker: str
) -> Conflict:
    positions = []
    for group in sorted(
        (first, second), key=lambda group: min((ctx.order(occs[k].article), occs[k].start) for k in group)
    ):
        main = _longest(occs, group)
        arts = sorted({occs[k].article for k in group}, key=ctx.order)
        evidence = [
            _sentence_text(ctx, occs[k])
            for k in sorted(group, key=lambda k: (ctx.order(occs[k].article), occs[k].start))
        ]
        positions.append(Position(main.text, arts, list(dict.fromkeys(evidence))))
    name = index.by_id[speaker].name
    return Conflict(
        "x-" + short_hash("quote", *(position.value for position in positions)),
        "quote",
        f"what {name} said",
        positions,
    )


def _sentence_text(ctx: Context, occ: QuoteOcc) -> str:
    sentence = ctx.sentence_at(occ.article, occ.start)
    if sentence is None:
        return occ.text
    text = ctx.by_id[occ.article].text
    start, end = trim_span(text, min(sentence.start, occ.start), max(sentence.end, occ.end))
    return text[start:end]


def _dedupe(conflicts: list[Conflict]) -> list[Conflict]:
    seen: dict[str, Conflict] = {}
    for conflict in conflicts:
        seen.setdefault(conflict.id, conflict)
    return [seen[conflict_id] for conflict_id in sorted(seen)]
