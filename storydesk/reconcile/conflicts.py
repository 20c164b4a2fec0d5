"""Reconcile stage: where outlets disagree — numbers, dates and roles (denials come from claims.py).

A number conflict needs the same measure (unit and counted noun, once normalised), the same topic
(close sentences) and values that cannot both hold: approximations that overlap agree, a percentage
never contradicts an absolute number, "the sixth meeting" agrees with "met five times before", and
a value both articles mention somewhere is agreed. A role conflict is one person given a title as
current in some articles and as past ("former") in others.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from ..credits import is_credit
from ..groups import UnionFind
from ..ids import short_hash
from ..models import Conflict, Position
from .claims import Unit
from .common import Context, trim_span
from .entities import EntityIndex, normalise_role
from .measures import measure_noun, measure_unit

TOPIC = 0.50  # cosine of two sentences about the same thing
SAME_DATE_EVENT = 0.85  # cosine of statements whose dates are compared
SAME_VALUE = 1e-6
_VAGUE = {"other", "one", "more", "time", "thing", "way", "some", "many", "few", "several", "those", "these"}
MAX_POSITIONS = 3  # a measure given many values is many things counted, not one disputed figure

_APPROX_BAND = {
    "about": (0.9, 1.1),
    "around": (0.9, 1.1),
    "roughly": (0.9, 1.1),
    "approximately": (0.9, 1.1),
    "some": (0.9, 1.1),
    "almost": (0.85, 1.0),
    "nearly": (0.85, 1.0),
    "up to": (0.0, 1.0),
    "over": (1.0, 10.0),
    "more than": (1.0, 10.0),
    "at least": (1.0, 10.0),
    "above": (1.0, 10.0),
    "less than": (0.0, 1.0),
    "under": (0.0, 1.0),
    "fewer than": (0.0, 1.0),
    "at most": (0.0, 1.0),
}
_TIMES_BEFORE = re.compile(r"^\W*times?\s+(?:before|previously|already|earlier|so far)", re.I)


@dataclass
class Num:
    article: str
    value: float
    unit: str
    noun: str
    lo: float
    hi: float
    ordinal: bool
    sentence: str
    start: int
    end: int
    raw: str = ""  # what is counted, as written
    days: frozenset[str] = frozenset()  # dates the sentence gives (day, month or year)
    kind: frozenset[str] = frozenset()  # words between the number and its noun ("state" senators)


def numbers(ctx: Context) -> list[Num]:
    out = []
    for article in ctx.articles:
        for quantity in ctx.analyses[article.id].quantities:
            if quantity.value is None:
                continue
            sent = ctx.sentence_at(article.id, quantity.start)
            if sent is None:
                continue
            start, end = trim_span(article.text, sent.start, sent.end)
            text = article.text[start:end]
            if is_credit(text):
                continue
            value, ordinal = float(quantity.value), quantity.ordinal
            unit, noun = measure_unit(quantity), measure_noun(quantity)
            after = article.text[quantity.end : quantity.end + 60]
            if _INCREMENT.match(after) or _INCREMENT_BEFORE.search(
                article.text[max(0, quantity.start - 12) : quantity.start]
            ):
                continue  # "two more debates", "another 300 troops": an addition, not the count
            if not ordinal and _TIMES_BEFORE.match(article.text[quantity.end : quantity.end + 30]):
                value, ordinal, noun = value + 1, True, "occurrence"  # n times before: this is the n+1th
            if (not unit and not noun) or noun in _VAGUE:
                continue
            if (
                not unit
                and not ordinal
                and 1900 <= value <= 2100
                and value == int(value)
                and noun in {"", "year"}
            ):
                continue  # a year, not a count
            lo_f, hi_f = _APPROX_BAND.get((quantity.approx or "").lower(), (1.0, 1.0))
            days = frozenset(
                date.resolved
                for date in ctx.analyses[article.id].dates
                if date.resolved and start <= date.start < end
            )
            raw = (quantity.unit if quantity.unit and not unit else quantity.noun) or unit
            out.append(
                Num(
                    article.id,
                    value,
                    unit,
                    noun,
                    value * lo_f,
                    value * hi_f,
                    ordinal,
                    text,
                    start,
                    end,
                    raw,
                    days,
                    _kind_words(after, None if quantity.unit and not unit else quantity.noun),
                )
            )
    return out


_INCREMENT = re.compile(r"^\W*(?:more|other|additional|further|extra|remaining|new|fewer|less)\b", re.I)
_INCREMENT_BEFORE = re.compile(r"\b(?:another|an additional|a further)\s*$", re.I)
_KIND_WORD = re.compile(r"[A-Za-z][\w.'’-]*")


def _kind_words(after: str, noun: str | None) -> frozenset[str]:
    """The words between a number and the noun it counts: which kind of that noun ("U.S." senators)."""
    if not noun:
        return frozenset()
    at = after.find(noun)
    if at < 0:
        return frozenset()
    return frozenset(
        word.lower() for word in _KIND_WORD.findall(after[:at]) if word.lower() not in {"of", "the", "a"}
    )


def _comparable(num: Num, other: Num) -> bool:
    if num.kind and other.kind and not num.kind & other.kind:
        return False  # state senators and U.S. senators are two counts
    if num.unit != other.unit:
        return False  # also percentages against absolute numbers
    if num.ordinal != other.ordinal:
        return False
    if num.ordinal:
        return True  # ordinals of events: compared only on topic ("sixth meeting", "five times before")
    return bool(num.noun) and num.noun == other.noun


def _agree(num: Num, other: Num) -> bool:
    return num.lo - SAME_VALUE <= other.hi and other.lo - SAME_VALUE <= num.hi


def number_conflicts(ctx: Context) -> list[Conflict]:
    """Different values for one measure of one thing, from different sources."""
    nums = numbers(ctx)
    if len({ctx.source_of(num.article) for num in nums}) < 2:
        return []  # one source cannot contradict another: no sentence needs embedding
    vecs = ctx.vectors([num.sentence for num in nums])
    sim = vecs @ vecs.T
    by_article: dict[str, list[int]] = defaultdict(list)
    for i, num in enumerate(nums):
        by_article[num.article].append(i)
    edges: list[tuple[int, int]] = []
    for i, num in enumerate(nums):
        for j in range(i + 1, len(nums)):
            other = nums[j]
            if ctx.source_of(num.article) == ctx.source_of(other.article) or not _comparable(num, other):
                continue
            if sim[i, j] < TOPIC or _agree(num, other):
                continue
            if num.days and other.days and not _same_time(num.days, other.days):
                continue  # figures of different events (this week's quake, the 2004 tsunami)
            # a value the other article also gives for this measure is agreed, not contested
            if any(_comparable(nums[k], num) and _agree(nums[k], num) for k in by_article[other.article]):
                continue
            if any(_comparable(nums[k], other) and _agree(nums[k], other) for k in by_article[num.article]):
                continue
            # each article must give one value of its own for the measure, else which one is meant is unclear
            if (
                _unmatched(nums, by_article[num.article], by_article[other.article], num) > 1
                or _unmatched(nums, by_article[other.article], by_article[num.article], other) > 1
            ):
                continue
            edges.append((i, j))
    comps = [
        component
        for component in _components(len(nums), edges)
        if len({_fmt(nums[k].value) for k in component}) <= MAX_POSITIONS
    ]
    return [_number_conflict(ctx, nums, comp) for comp in comps]


def _same_time(days: frozenset[str], other_days: frozenset[str]) -> bool:
    """Some date of one sentence falls within some date of the other (same day, month or year)."""
    return any(
        day.startswith(other_day) or other_day.startswith(day) for day in days for other_day in other_days
    )


def _unmatched(nums: list[Num], own: list[int], other: list[int], num: Num) -> int:
    """How many distinct values of num's measure an article gives that the other article does not."""
    values = {
        _fmt(nums[k].value)
        for k in own
        if _comparable(nums[k], num)
        and not any(_comparable(nums[j], nums[k]) and _agree(nums[j], nums[k]) for j in other)
    }
    return len(values)


def _components(count: int, edges: list[tuple[int, int]]) -> list[list[int]]:
    uf: UnionFind[int] = UnionFind()
    for left, right in edges:
        uf.union(left, right)
    return uf.groups(k for edge in edges for k in edge)


def _fmt(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def _number_conflict(ctx: Context, nums: list[Num], comp: list[int]) -> Conflict:
    by_value: dict[str, list[Num]] = defaultdict(list)
    for k in comp:
        num = nums[k]
        by_value[_fmt(num.value) + (f" {num.unit}" if num.unit else "")].append(num)
    positions = []
    for value, ns in sorted(
        by_value.items(), key=lambda kv: min((ctx.order(num.article), num.start) for num in kv[1])
    ):
        ns = sorted(ns, key=lambda num: (ctx.order(num.article), num.start))
        positions.append(
            Position(
                value,
                list(dict.fromkeys(num.article for num in ns)),
                list(dict.fromkeys(num.sentence for num in ns)),
            )
        )
    first = nums[comp[0]]
    what = first.raw or first.noun or "count"
    subject = (
        f"amount in {first.unit}"
        if first.unit
        else (f"number of {what}" if what.endswith("s") else f"{what} count")
    )
    return Conflict(
        "x-" + short_hash("number", *(position.value for position in positions), positions[0].evidence[0]),
        "number",
        subject,
        positions,
    )


# ---- dates -----------------------------------------------------------------------------------------


def date_conflicts(ctx: Context, us: list[Unit], groups: list[list[int]]) -> list[Conflict]:
    """Aligned statements (one claim) that put the event on different days."""
    out = []
    for group in groups:
        dated: dict[str, list[Unit]] = defaultdict(list)
        for k in group:
            unit = us[k]
            days = {
                date.resolved
                for date in ctx.analyses[unit.article].dates
                if date.granularity == "day" and date.resolved and unit.start <= date.start < unit.end
            }
            if len(days) == 1:
                dated[next(iter(days))].append(unit)
        if len(dated) < 2:
            continue
        # only sentences that clearly state the same thing can disagree on its day
        texts = [unit.text for units in dated.values() for unit in units]
        vecs = ctx.vectors(texts)
        if float((vecs @ vecs.T).min()) < SAME_DATE_EVENT:
            continue
        sources = {day: {ctx.source_of(unit.article) for unit in units} for day, units in dated.items()}
        if len(set().union(*sources.values())) < 2:
            continue
        positions = [
            Position(
                day,
                list(dict.fromkeys(unit.article for unit in units)),
                list(dict.fromkeys(unit.text for unit in units)),
            )
            for day, units in sorted(dated.items())
        ]
        out.append(
            Conflict(
                "x-" + short_hash("date", us[group[0]].article, us[group[0]].start),
                "date",
                "date of: " + us[group[0]].text[:80],
                positions,
            )
        )
    return out


# ---- roles -----------------------------------------------------------------------------------------

_TITLE_BEFORE = re.compile(
    r"(?:\b(former\s+|ex-\s*|then-\s*|late\s+|outgoing\s+|acting\s+|interim\s+|incoming\s+))?"
    r"((?:[A-Z][\w.]*\s+)?(?:President|Prime Minister|Premier|Chancellor|Minister|Secretary(?: of State)?|"
    r"Senator|Sen\.|Governor|Gov\.|Mayor|King|Queen|Prince|Princess|Pope|Chairman|Chairwoman|Chair|CEO|"
    r"General|Gen\.|Ambassador|Envoy|Speaker|Leader|Spokesman|Spokeswoman|Spokesperson|Justice|Judge|"
    r"Commissioner|Representative|Rep\.|Vice President|Director|Coach|Captain|Chief)|"
    r"(?:president|prime minister|chancellor|minister|secretary|senator|governor|mayor|king|queen|"
    r"ambassador|envoy|speaker|spokesman|spokeswoman|spokesperson|director|coach|captain|chief))\s+$"
)


_TITLE_WORDS = {
    "president",
    "prime",
    "premier",
    "chancellor",
    "minister",
    "secretary",
    "senator",
    "sen.",
    "governor",
    "gov.",
    "mayor",
    "king",
    "queen",
    "prince",
    "princess",
    "pope",
    "chairman",
    "chairwoman",
    "chair",
    "ceo",
    "general",
    "gen.",
    "ambassador",
    "envoy",
    "speaker",
    "leader",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "justice",
    "judge",
    "commissioner",
    "representative",
    "rep.",
    "vice",
    "director",
    "coach",
    "captain",
    "chief",
    "head",
}


# Only these say a title is no longer held. "then-" and "late" date or mourn a title that was held at
# the time spoken of, "outgoing" and "acting" hold it still: none contradicts a current title.
_PAST = re.compile(r"(?:^|\s)(?:former|ex-|erstwhile)\b", re.I)
_TIME_WORDS = re.compile(
    r"(?:^|\s)(?:former|ex-|then-|late|outgoing|erstwhile|acting|interim|incoming)\b", re.I
)
# a title before a name that owns a period ("President X's administration") speaks of that period
_PERIOD_AFTER = re.compile(
    r"^\W{0,2}(?:['’]s?\s+)?(?:administration|government|presidency|era|term|tenure|"
    r"cabinet|years|reign|rule|time)\b",
    re.I,
)


def _base_title(role: str) -> tuple[str, bool]:
    """(title from its first title word on, lowercased; whether it is given as a past title)."""
    normalised = normalise_role(role)
    if re.search(r"\bthen-", normalised, re.I):
        return "", False  # a title as held at some time spoken of: neither current nor former now
    past = bool(_PAST.search(normalised))
    words = _TIME_WORDS.sub(" ", normalised).split()
    for i, word in enumerate(words):
        if word.lower() in _TITLE_WORDS:
            return " ".join(part.lower() for part in words[i:]), past
    return " ".join(part.lower() for part in words), past


def role_conflicts(ctx: Context, index: EntityIndex) -> list[Conflict]:
    """One person called by a title as current in some articles and as past in others."""
    seen: dict[str, dict[str, dict[bool, dict[str, list[str]]]]] = defaultdict(
        lambda: defaultdict(lambda: {True: defaultdict(list), False: defaultdict(list)})
    )
    for eid, aid, role, start in _role_evidence(ctx, index):
        base, past = _base_title(role)
        if not base:
            continue
        sent = ctx.sentence_at(aid, start)
        if sent is None:
            continue
        span_start, span_end = trim_span(ctx.by_id[aid].text, sent.start, sent.end)
        text = ctx.by_id[aid].text[span_start:span_end]
        if is_credit(text):
            continue
        seen[eid][base][past][aid].append(text)
    out = []
    for eid, bases in sorted(seen.items()):
        for base, sides in sorted(bases.items()):
            if not sides[True] or not sides[False]:
                continue
            pos_arts = {article_id for article_id in sides[False]}
            past_arts = {article_id for article_id in sides[True]}
            if not ctx.sources(pos_arts - past_arts) or not ctx.sources(past_arts - pos_arts):
                continue
            positions = []
            for past in (False, True):
                arts = sorted(sides[past], key=ctx.order)
                if past:
                    arts = [article_id for article_id in arts if article_id not in pos_arts] or arts
                else:
                    arts = [article_id for article_id in arts if article_id not in past_arts] or arts
                ev = [sentence for article_id in arts for sentence in sides[past][article_id]]
                title = base[:1].upper() + base[1:]
                positions.append(Position(("former " if past else "") + title, arts, list(dict.fromkeys(ev))))
            name = index.by_id[eid].name
            out.append(Conflict("x-" + short_hash("role", eid, base), "role", f"{name}: {base}", positions))
    return out


def _role_evidence(ctx: Context, index: EntityIndex) -> list[tuple[str, str, str, int]]:
    """(entity, article, role text, position) from the analysis' roles and titles written before names."""
    out = []
    for article in ctx.articles:
        for role_found in ctx.analyses[article.id].roles:
            eid = index.at(article.id, role_found.person_start, role_found.person_end) or index.resolve(
                article.id, role_found.person
            )
            if eid and index.by_id[eid].type == "PERSON":
                out.append((eid, article.id, role_found.text, role_found.start))
        # a title written right before a person's name, with its "former" if any
        for (aid, start, end), eid in sorted(index.of_mention.items()):
            if aid != article.id or index.by_id[eid].type != "PERSON":
                continue
            match = _TITLE_BEFORE.search(article.text[max(0, start - 60) : start])
            if match and not _PERIOD_AFTER.match(article.text[end : end + 30]):
                role = " ".join(part for part in match.groups() if part)
                out.append((eid, article.id, role, start - len(match.group(0))))
    return sorted(set(out))
