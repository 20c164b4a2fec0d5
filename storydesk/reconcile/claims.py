"""Reconcile stage: statements of fact aligned across articles, with their sources, status and denials.

A claim is one statement as several articles word it. Two sentences are the same statement when
their embeddings are very close, or close and they share entities or numbers; one claim takes at
most one sentence from each article. A claim is disputed when another party or outlet contradicts it:
a denial, a negation or an opposite outcome ("took" against "still hold") about the same place.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np

from ..credits import is_credit
from ..groups import UnionFind
from ..ids import short_hash
from ..models import Analysis, Claim, Conflict, Occurrence, Position
from ..text import fold_ascii, quote_share
from .attribution import Credit, attribution_conflicts
from .common import Context, trim_span
from .entities import PLACE, EntityIndex
from .judge import (
    CONTRAST,
    NEGATED,
    is_claim_of_gain,
    is_taken,
    opposes,
    same_claim_cut,
    same_claim_probabilities,
    same_figure,
)
from .measures import measure, measure_noun

CANDIDATE = 0.45  # cosine below which two sentences are never judged as one statement
TOPIC = 0.40  # cosine: at least about the same thing (for a denial)
CLOSE = 0.70  # cosine at which a judged join needs no shared number (see judge_train's SAME_CLAIM)
SAME_REMARK = 0.70  # cosine at which two sentences of one claim are one remark, worded alike
ALSO_SAID = (
    0.6  # P(corroborates) and cosine at which another outlet says it too, in words too far apart to join
)
MIN_CLAIM_WORDS = 6  # a sentence of fewer words is no claim
MIN_DENIAL_WORDS = 3  # a bare denial is short ("X denied the claim.")
MAX_QUOTE_SHARE = 0.6  # mostly quotation: a quote, handled by quotes.py

# a sentence that points back at the previous one's place ("the city", "neither settlement")
ANAPHORA = re.compile(
    r"\b(?:the|that|this|such|neither|either|both)\s+(?:city|town|village|settlement|"
    r"region|area|place|claim|report|towns|cities|settlements|station|plant|base|airport|"
    r"airfield|port|harbou?r|bridge|dam|mine|factory|facility|checkpoint|crossing|building|"
    r"compound|site|district|province|island|border)\b|\bno such\b",
    re.IGNORECASE,
)
_SENT_END = re.compile(r"[.!][\"'”’)\]]*$")


@dataclass
class Unit:
    """One statement in one article."""

    article: str
    start: int
    end: int
    text: str
    sentence: int
    stance: str = "assert"
    holder: str | None = None
    holder_text: str | None = None  # the holder as the article writes it
    entities: list[str] = field(default_factory=list)
    places: set[str] = field(default_factory=set)
    numbers: set[float] = field(default_factory=set)
    days: set[str] = field(default_factory=set)
    counts: dict[str, set[float]] = field(default_factory=dict)  # measure (measures.py) -> exact values

    @property
    def negated(self) -> bool:
        return bool(NEGATED.search(self.text))


def usable(text: str, quoted: float = 0.0, min_words: int = MIN_CLAIM_WORDS) -> bool:
    """A statement of fact: a whole sentence, not a question, caption, heading or bare quote.

    ``quoted`` is the share of the sentence the analysis found inside direct quotes.
    """
    words = text.split()
    if len(words) < min_words or not _SENT_END.search(text.rstrip()):
        return False
    if is_credit(text) or max(quoted, quote_share(text)) > MAX_QUOTE_SHARE:
        return False
    return not text[:1].islower() and text[:1] not in "\"“'‘"


def quoted_share(ctx: Context, article_id: str, start: int, end: int) -> float:
    """Share of [start, end) that the analysis found inside direct quotes."""
    covered = 0
    for quote in ctx.analyses[article_id].quotes:
        if quote.kind != "indirect":
            covered += max(0, min(end, quote.end) - max(start, quote.start))
    return covered / max(1, end - start)


def units(ctx: Context, index: EntityIndex) -> list[Unit]:
    """The candidate statements of every article, in story order."""
    out: list[Unit] = []
    for article in ctx.articles:
        an = ctx.analyses[article.id]
        spans = [
            (statement.start, statement.end, statement.sentence, statement.stance, statement.holder)
            for statement in an.statements
        ] or [
            (sentence.start, sentence.end, sentence.index, "assert", None)
            for sentence in ctx.sentences(article.id)
        ]
        seen: set[tuple[int, int]] = set()
        for start, end, sent, stance, holder in sorted(spans):
            start, end = trim_span(article.text, start, end)
            text = article.text[start:end]
            # a bare denial is short ("X denied the claim.") and still the other side of a dispute
            least = MIN_DENIAL_WORDS if stance in {"deny", "dispute"} else MIN_CLAIM_WORDS
            if (start, end) in seen or not usable(text, quoted_share(ctx, article.id, start, end), least):
                continue
            seen.add((start, end))
            ents = index.in_span(article.id, start, end)
            places = {entity for entity in ents if index.by_id[entity].type in PLACE}
            nums = {
                quantity.value
                for quantity in an.quantities
                if quantity.value is not None and start <= quantity.start < end
            }
            days = {
                date.resolved[:10]
                for date in an.dates
                if date.granularity == "day" and date.resolved and start <= date.start < end
            }
            out.append(
                Unit(
                    article.id,
                    start,
                    end,
                    text,
                    sent,
                    stance,
                    index.resolve(article.id, holder) if holder else None,
                    holder,
                    ents,
                    places,
                    nums,
                    days,
                    _counts(an, start, end),
                )
            )
    return out


def _counts(an: Analysis, start: int, end: int) -> dict[str, set[float]]:
    """The exact figures a span gives, by what they measure ("40 homes": "|home" -> {40}); an approximate
    one ("about 40"), an ordinal or a bare amount with no counted noun is no figure to set against another."""
    counts: dict[str, set[float]] = {}
    for quantity in an.quantities:
        if quantity.value is None or quantity.approx or quantity.ordinal or not measure_noun(quantity):
            continue
        if start <= quantity.start < end:
            counts.setdefault(measure(quantity), set()).add(quantity.value)
    return counts


def judged_pairs(ctx: Context, us: list[Unit]) -> dict[tuple[int, int], tuple[float, float]]:
    """(P(corroborates) from the judgement in judge.py, cosine) for units of different articles close
    enough."""
    if len({unit.article for unit in us}) < 2:
        return {}  # nothing to align across articles: no sentence needs embedding
    vecs = ctx.vectors([unit.text for unit in us])
    sim = vecs @ vecs.T
    pairs = [
        (i, j)
        for i, j in np.argwhere(np.triu(sim >= CANDIDATE, k=1)).tolist()
        if us[i].article != us[j].article
    ]
    probs = same_claim_probabilities([unit.text for unit in us], vecs, pairs)
    return {
        pair: (float(probability), float(sim[pair])) for pair, probability in zip(pairs, probs, strict=True)
    }


def _joinable(unit: Unit, other: Unit, probability: float, cosine: float, cut: float) -> bool:
    """The judgement says corroborates, and the two share something specific: close wording or a number.

    Same-story sentences are all on one topic; without the second condition, two remarks by the same
    people on the same talks join as one claim. Close wording: a cosine of CLOSE, or the same quoted words.
    """
    if probability < min(cut, ALSO_SAID) or _elsewhere(unit, other) or _other_count(unit, other):
        return False
    if _shared_quotation(unit.text, other.text):
        return True  # the same quoted words: a likely join is enough
    return probability >= cut and (cosine >= CLOSE or bool(unit.numbers & other.numbers))


def _other_count(unit: Unit, other: Unit) -> bool:
    """The two give different figures for the same counted thing: a possible conflict, not one claim."""
    for measured, values in unit.counts.items():
        others = other.counts.get(measured)
        if others and not any(same_figure(a, b) for a in values for b in others):
            return True
    return False


_QUOTATION = re.compile(r"[\"“]([^\"“”]{8,})[\"”]")


def _shared_quotation(text_a: str, text_b: str) -> bool:
    """Both sentences quote the same words (three or more): the same remark, reported twice."""
    folded_b = fold_ascii(text_b)
    for match in _QUOTATION.finditer(text_a):
        words = re.findall(r"[a-z0-9']+", fold_ascii(match.group(1)))
        if len(words) >= 3 and " ".join(words) in " ".join(re.findall(r"[a-z0-9']+", folded_b)):
            return True
    return False


def align(
    ctx: Context, us: list[Unit], judged: dict[tuple[int, int], tuple[float, float]] | None = None
) -> list[list[int]]:
    """Group units into claims: greedy on score, one sentence per article, every pair the same statement."""
    if not us:
        return []
    judged = judged_pairs(ctx, us) if judged is None else judged
    cut = same_claim_cut()
    ok: dict[tuple[int, int], float] = {}
    for (i, j), (probability, cosine) in judged.items():
        if _joinable(us[i], us[j], probability, cosine, cut):
            ok[(i, j)] = ok[(j, i)] = probability
    pairs = sorted((-score, i, j) for (i, j), score in ok.items() if i < j)
    group = list(range(len(us)))
    members: dict[int, set[int]] = {i: {i} for i in range(len(us))}
    for _score, i, j in pairs:
        gi, gj = group[i], group[j]
        if gi == gj:
            continue
        if {us[k].article for k in members[gi]} & {us[k].article for k in members[gj]}:
            continue
        # complete link: no chains of drifting meaning
        if any((left, right) not in ok for left in members[gi] for right in members[gj]):
            continue
        keep, drop = min(gi, gj), max(gi, gj)
        members[keep] |= members.pop(drop)
        for k in members[keep]:
            group[k] = keep
    return [
        sorted(group_members, key=lambda k: (ctx.order(us[k].article), us[k].start))
        for _g, group_members in sorted(members.items())
    ]


def _elsewhere(unit: Unit, other: Unit) -> bool:
    """Two statements set in different places or on different days (other meetings, other events)."""
    return bool(unit.places and other.places and not unit.places & other.places) or bool(
        unit.days and other.days and not unit.days & other.days
    )


def _gain_objects(unit: Unit, index: EntityIndex) -> set[str]:
    """Places this statement says were taken (judge.is_taken: not the taker, not a bystander)."""
    return {
        place
        for place in unit.places
        if any(is_taken(unit.text, variant) for variant in index.by_id[place].variants)
    }


def find_denials(
    ctx: Context, index: EntityIndex, us: list[Unit], groups: list[list[int]]
) -> list[tuple[int, int, str]]:
    """Pairs (claim unit, counter unit, subject place entity) where one contradicts the other."""
    group_of = {k: gi for gi, group in enumerate(groups) for k in group}
    # a place named in many statements is the story's setting, not the subject of a denial
    freq = Counter(place for unit in us for place in unit.places)
    rare = {place for place, count in freq.items() if count <= max(3, len(us) // 8)}
    # ...unless a statement says it was taken: the object of a capture is what a denial is about
    # (still not a place half the statements name: that is the setting again)
    rare |= {
        place for unit in us for place in _gain_objects(unit, index) if freq[place] <= max(3, len(us) // 4)
    }
    by_sentence = {(unit.article, unit.sentence): unit for unit in us}
    places: dict[int, set[str]] = {}  # unit -> the rare places it is about
    follows: dict[int, int] = {}  # unit -> the unit it answers in the same article
    index_of = {id(unit): k for k, unit in enumerate(us)}
    for k, unit in enumerate(us):
        own = unit.places & rare
        prev = by_sentence.get((unit.article, unit.sentence - 1))
        if prev and (ANAPHORA.search(unit.text) or CONTRAST.search(unit.text[:40])):
            own = own | (prev.places & rare) | places.get(index_of[id(prev)], set())
            follows[k] = index_of[id(prev)]
        places[k] = own
    found: list[tuple[int, int, str, bool]] = []  # (claim, counter, subject, needs the topic check)
    for i, ua in enumerate(us):
        if not is_claim_of_gain(ua.text, ua.stance == "claim"):
            continue
        # what the claim says was taken: a denial must be about that, not about a place both merely name
        taken = _gain_objects(ua, index)
        for j, ub in enumerate(us):
            if i == j or group_of[i] == group_of[j] or (ua.article == ub.article and ub.start < ua.start):
                continue
            shared = places[i] & places[j] & (taken | (places[i] if follows.get(j) == i else set()))
            if not shared or (ua.holder and ua.holder == ub.holder) or not opposes(ub.text, ub.stance):
                continue
            # the most specific place
            subject = min(shared, key=lambda place: (freq[place], index.by_id[place].name))
            # the sentence right after a claim that points back at it needs no topic check
            found.append((i, j, subject, follows.get(j) != i))
    return _on_topic(ctx, us, found)


def _on_topic(
    ctx: Context, us: list[Unit], found: list[tuple[int, int, str, bool]]
) -> list[tuple[int, int, str]]:
    """The candidate denials whose two sentences are about the same thing (only those asked are embedded)."""
    asked = sorted({k for i, j, _subject, check in found if check for k in (i, j)})
    vecs = dict(zip(asked, ctx.vectors([us[k].text for k in asked]), strict=True)) if asked else {}
    return [
        (i, j, subject) for i, j, subject, check in found if not check or float(vecs[i] @ vecs[j]) >= TOPIC
    ]


def build_claims(
    ctx: Context, index: EntityIndex
) -> tuple[list[Claim], list[Conflict], list[Unit], list[list[int]]]:
    """Claims (dicts for the dossier), denial conflicts, and the units and groups behind them."""
    us = units(ctx, index)
    judged = judged_pairs(ctx, us)
    groups = align(ctx, us, judged)
    denials = find_denials(ctx, index, us, groups)
    disputed_groups = {
        next(gi for gi, group in enumerate(groups) if claim_unit in group) for claim_unit, _b, _s in denials
    }
    claims = []
    said_alike = _said_alike(us, judged)
    for gi, group in enumerate(groups):
        claims.append(_claim(ctx, us, group, gi in disputed_groups))
        if claims[-1].status == "single_source":
            _mark_also_said(ctx, us, group, said_alike, claims[-1])
    claims.sort(key=lambda claim: (-len(claim.sources), _first(ctx, claim), claim.id))
    conflicts = _denial_conflicts(ctx, index, us, denials)
    conflicts += [conflict for group in groups for conflict in _holder_conflict(ctx, index, us, group)]
    return claims, conflicts, us, groups


def _holder_conflict(ctx: Context, index: EntityIndex, us: list[Unit], group: list[int]) -> list[Conflict]:
    """One remark that outlets put in different people's mouths (attribution.py).

    A claim joins one fact however it is worded, and two people often state the same fact; only the
    same remark (close wording, or the same quoted words) can have been credited to the wrong person.
    """
    credits = [
        Credit(unit.holder, unit.article, unit.text, unit.holder_text, unit.start)
        for unit in (us[k] for k in group)
        if unit.holder
    ]
    if len(credits) < 2 or not _one_remark(ctx, [credit.sentence for credit in credits]):
        return []
    first = us[group[0]]
    return attribution_conflicts(
        ctx,
        index,
        credits,
        ("holder", first.article, first.start),
        "who said: " + " ".join(first.text.split()[:10]) + "…",
    )


def _one_remark(ctx: Context, texts: list[str]) -> bool:
    """Every two of these sentences are worded alike (cosine SAME_REMARK) or quote the same words."""
    vecs = ctx.vectors(texts)
    sims = vecs @ vecs.T
    return all(
        sims[i, j] >= SAME_REMARK or _shared_quotation(texts[i], texts[j])
        for i in range(len(texts))
        for j in range(i + 1, len(texts))
    )


def _said_alike(us: list[Unit], judged: dict[tuple[int, int], tuple[float, float]]) -> dict[int, set[str]]:
    """unit -> articles of the units that say it in other words (P(corroborates) and cosine >= ALSO_SAID)."""
    alike: dict[int, set[str]] = defaultdict(set)
    for (i, j), (probability, cosine) in judged.items():
        if probability >= ALSO_SAID and cosine >= ALSO_SAID:
            alike[i].add(us[j].article)
            alike[j].add(us[i].article)
    return alike


def _mark_also_said(
    ctx: Context, us: list[Unit], group: list[int], said_alike: dict[int, set[str]], claim: Claim
) -> None:
    """Name the other sources that say a single-source claim in words too far apart to join.

    Such a claim is not what one outlet alone reports (``unique``), though it is not corroborated either.
    """
    articles = {article for k in group for article in said_alike.get(k, set())} - {
        us[k].article for k in group
    }
    claim.also_reported_by = sorted(set(ctx.sources(articles)) - set(claim.sources))


def claim_id(unit: Unit) -> str:
    return "c-" + short_hash(unit.article, unit.start, unit.end)


def _first(ctx: Context, claim: Claim) -> tuple[int, int]:
    first = claim.occurrences[0]
    return (ctx.order(first.article), first.start)


def _claim(ctx: Context, us: list[Unit], group: list[int], disputed: bool) -> Claim:
    first = us[group[0]]
    sources = ctx.sources({us[k].article for k in group})
    holders = Counter(us[k].holder for k in group if us[k].holder)
    status = "disputed" if disputed else ("corroborated" if len(sources) >= 2 else "single_source")
    return Claim(
        id=claim_id(first),
        text=first.text,
        status=status,
        attributed_to=min(holders, key=lambda holder: (-holders[holder], holder)) if holders else None,
        occurrences=[Occurrence(us[k].article, us[k].text, us[k].start, us[k].end) for k in group],
        sources=sources,
    )


def _denial_conflicts(
    ctx: Context, index: EntityIndex, us: list[Unit], denials: list[tuple[int, int, str]]
) -> list[Conflict]:
    """One conflict per connected set of claims and the statements that contest them."""
    uf: UnionFind[int] = UnionFind()
    find = uf.find
    for claim_unit, counter_unit, _s in denials:
        uf.union(claim_unit, counter_unit)
    comps: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for denial in denials:
        comps[find(denial[0])].append(denial)
    out = []
    for _root, pairs in sorted(comps.items()):
        countered = {counter_unit for _a, counter_unit, _s in pairs}
        claimed = {claim_unit for claim_unit, _b, _s in pairs} - countered
        if not claimed or not countered:
            continue
        subjects = Counter(subject for _a, _b, subject in pairs)
        subject = min(subjects, key=lambda place: (-subjects[place], index.by_id[place].name))
        positions = [
            _position(
                ctx, index, us, sorted(side, key=lambda k: (ctx.order(us[k].article), us[k].start)), verb
            )
            for side, verb in ((claimed, "asserted"), (countered, "contested"))
        ]
        out.append(
            Conflict(
                "x-" + short_hash("denial", subject, *(position.evidence[0] for position in positions)),
                "denial",
                index.by_id[subject].name,
                positions,
            )
        )
    return out


def _position(ctx: Context, index: EntityIndex, us: list[Unit], side: list[int], verb: str) -> Position:
    holders = [index.by_id[holder].name for k in side if (holder := us[k].holder)]
    who = ", ".join(dict.fromkeys(holders))
    return Position(
        f"{verb} by {who}" if who else verb,
        sorted({us[k].article for k in side}, key=ctx.order),
        list(dict.fromkeys(us[k].text for k in side)),
    )


def unique_by_source(claims: list[Claim]) -> dict[str, list[str]]:
    """source -> ids of the claims that only this source carries (not even in other words)."""
    out: dict[str, list[str]] = defaultdict(list)
    for claim in claims:
        if len(claim.sources) == 1 and not claim.also_reported_by:
            out[claim.sources[0]].append(claim.id)
    return {source: sorted(ids) for source, ids in sorted(out.items())}
