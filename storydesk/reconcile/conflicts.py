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
from ..models import Conflict, Position, Quantity
from .claims import Unit
from .common import Context, trim_span
from .entities import EntityIndex, normalise_role

TOPIC = 0.50  # cosine of two sentences about the same thing
SAME_DATE_EVENT = 0.85  # cosine of statements whose dates are compared
SAME_VALUE = 1e-6
_VAGUE = {"other", "one", "more", "time", "thing", "way", "some", "many", "few", "several", "those", "these"}
MAX_POSITIONS = 3  # a measure given many values is many things counted, not one disputed figure

_UNITS = [
    (re.compile(r"^(?:%|percent|per cent|pct)$", re.I), "%"),
    (re.compile(r"^percentage points?$", re.I), "pp"),
    (re.compile(r"^(?:sq\.? ?km|square kilomet(?:er|re)s?|km2|km²)$", re.I), "km2"),
    (re.compile(r"^(?:sq\.? ?mi(?:les?)?|square miles?)$", re.I), "mi2"),
    (re.compile(r"^(?:km|kilomet(?:er|re)s?)$", re.I), "km"),
    (re.compile(r"^(?:mi|miles?)$", re.I), "mi"),
    (re.compile(r"^(?:\$|usd|dollars?|us\$)$", re.I), "usd"),
    (re.compile(r"^(?:€|eur|euros?)$", re.I), "eur"),
    (re.compile(r"^(?:£|gbp|pounds?)$", re.I), "gbp"),
]
# nouns that count the parts of a plan, a list or a text: one measure however an outlet words it
_PARTS = {"point", "item", "step", "clause", "provision", "article", "plank", "action"}
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


_TIME = re.compile(r"^(?:second|minute|hour|day|week|month|year|decade|century)s?$", re.I)


def _unit(q: Quantity) -> str:
    """A unit of measure ("%", "km2", "usd", "year"); "" when the number counts things."""
    u = (q.unit or "").strip()
    for rx, name in _UNITS:
        if rx.match(u):
            return name
    if "%" in q.text or re.search(r"\bper ?cent\b", q.text, re.I):
        return "%"
    if _TIME.match(u):
        return _lemma(u)
    return ""


_IRREGULAR = {
    "people": "person",
    "men": "man",
    "women": "woman",
    "children": "child",
    "feet": "foot",
    "teeth": "tooth",
    "mice": "mouse",
    "geese": "goose",
    "persons": "person",
}


def _lemma(word: str) -> str:
    w = word.lower().strip("-")
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if re.search(r"(?:ch|sh|x|ss|z)es$", w):
        return w[:-2]
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith("s") and not w.endswith("ss") and len(w) > 3:
        return w[:-1]
    return w


def _noun(q: Quantity) -> str:
    """What is counted, as a lemma; parts of a plan fold into one measure."""
    noun = q.noun or ""
    if q.unit and not _unit(q):
        noun = q.unit  # "19-point plan": what is counted is the points
    parts = [_lemma(w) for w in re.split(r"[\s-]+", noun) if w]
    if not parts:
        return ""
    if any(p in _PARTS for p in parts):
        return "part"
    return parts[-1]


def numbers(ctx: Context) -> list[Num]:
    out = []
    for a in ctx.articles:
        for q in ctx.analyses[a.id].quantities:
            if q.value is None:
                continue
            sent = ctx.sentence_at(a.id, q.start)
            if sent is None:
                continue
            s, e = trim_span(a.text, sent.start, sent.end)
            text = a.text[s:e]
            if is_credit(text):
                continue
            value, ordinal = float(q.value), q.ordinal
            unit, noun = _unit(q), _noun(q)
            after = a.text[q.end : q.end + 60]
            if _INCREMENT.match(after) or _INCREMENT_BEFORE.search(a.text[max(0, q.start - 12) : q.start]):
                continue  # "two more debates", "another 300 troops": an addition, not the count
            if not ordinal and _TIMES_BEFORE.match(a.text[q.end : q.end + 30]):
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
            lo_f, hi_f = _APPROX_BAND.get((q.approx or "").lower(), (1.0, 1.0))
            days = frozenset(d.resolved for d in ctx.analyses[a.id].dates if d.resolved and s <= d.start < e)
            raw = (q.unit if q.unit and not unit else q.noun) or unit
            out.append(
                Num(
                    a.id,
                    value,
                    unit,
                    noun,
                    value * lo_f,
                    value * hi_f,
                    ordinal,
                    text,
                    s,
                    e,
                    raw,
                    days,
                    _kind_words(after, None if q.unit and not unit else q.noun),
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
    return frozenset(w.lower() for w in _KIND_WORD.findall(after[:at]) if w.lower() not in {"of", "the", "a"})


def _comparable(x: Num, y: Num) -> bool:
    if x.kind and y.kind and not x.kind & y.kind:
        return False  # state senators and U.S. senators are two counts
    if x.unit != y.unit:
        return False  # also percentages against absolute numbers
    if x.ordinal != y.ordinal:
        return False
    if x.ordinal:
        return True  # ordinals of events: compared only on topic ("sixth meeting", "five times before")
    return bool(x.noun) and x.noun == y.noun


def _agree(x: Num, y: Num) -> bool:
    return x.lo - SAME_VALUE <= y.hi and y.lo - SAME_VALUE <= x.hi


def number_conflicts(ctx: Context) -> list[Conflict]:
    """Different values for one measure of one thing, from different sources."""
    nums = numbers(ctx)
    if len(nums) < 2:
        return []
    vecs = ctx.vectors([n.sentence for n in nums])
    sim = vecs @ vecs.T
    by_article: dict[str, list[int]] = defaultdict(list)
    for i, n in enumerate(nums):
        by_article[n.article].append(i)
    edges: list[tuple[int, int]] = []
    for i, x in enumerate(nums):
        for j in range(i + 1, len(nums)):
            y = nums[j]
            if ctx.source_of(x.article) == ctx.source_of(y.article) or not _comparable(x, y):
                continue
            if sim[i, j] < TOPIC or _agree(x, y):
                continue
            if x.days and y.days and not _same_time(x.days, y.days):
                continue  # figures of different events (this week's quake, the 2004 tsunami)
            # a value the other article also gives for this measure is agreed, not contested
            if any(_comparable(nums[k], x) and _agree(nums[k], x) for k in by_article[y.article]):
                continue
            if any(_comparable(nums[k], y) and _agree(nums[k], y) for k in by_article[x.article]):
                continue
            # each article must give one value of its own for the measure, else which one is meant is unclear
            if (
                _unmatched(nums, by_article[x.article], by_article[y.article], x) > 1
                or _unmatched(nums, by_article[y.article], by_article[x.article], y) > 1
            ):
                continue
            edges.append((i, j))
    comps = [
        c for c in _components(len(nums), edges) if len({_fmt(nums[k].value) for k in c}) <= MAX_POSITIONS
    ]
    return [_number_conflict(ctx, nums, comp) for comp in comps]


def _same_time(a: frozenset[str], b: frozenset[str]) -> bool:
    """Some date of one sentence falls within some date of the other (same day, month or year)."""
    return any(x.startswith(y) or y.startswith(x) for x in a for y in b)


def _unmatched(nums: list[Num], own: list[int], other: list[int], x: Num) -> int:
    """How many distinct values of x's measure an article gives that the other article does not."""
    values = {
        _fmt(nums[k].value)
        for k in own
        if _comparable(nums[k], x)
        and not any(_comparable(nums[o], nums[k]) and _agree(nums[o], nums[k]) for o in other)
    }
    return len(values)


def _components(n: int, edges: list[tuple[int, int]]) -> list[list[int]]:
    uf: UnionFind[int] = UnionFind()
    for a, b in edges:
        uf.union(a, b)
    return uf.groups(k for edge in edges for k in edge)


def _fmt(v: float) -> str:
    return str(int(v)) if v == int(v) else f"{v:g}"


def _number_conflict(ctx: Context, nums: list[Num], comp: list[int]) -> Conflict:
    by_value: dict[str, list[Num]] = defaultdict(list)
    for k in comp:
        n = nums[k]
        by_value[_fmt(n.value) + (f" {n.unit}" if n.unit else "")].append(n)
    positions = []
    for value, ns in sorted(
        by_value.items(), key=lambda kv: min((ctx.order(n.article), n.start) for n in kv[1])
    ):
        ns = sorted(ns, key=lambda n: (ctx.order(n.article), n.start))
        positions.append(
            Position(
                value, list(dict.fromkeys(n.article for n in ns)), list(dict.fromkeys(n.sentence for n in ns))
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
        "x-" + short_hash("number", *(p.value for p in positions), positions[0].evidence[0]),
        "number",
        subject,
        positions,
    )


# ---- dates -----------------------------------------------------------------------------------------


def date_conflicts(ctx: Context, us: list[Unit], groups: list[list[int]]) -> list[Conflict]:
    """Aligned statements (one claim) that put the event on different days."""
    out = []
    for g in groups:
        dated: dict[str, list[Unit]] = defaultdict(list)
        for k in g:
            u = us[k]
            days = {
                d.resolved
                for d in ctx.analyses[u.article].dates
                if d.granularity == "day" and d.resolved and u.start <= d.start < u.end
            }
            if len(days) == 1:
                dated[next(iter(days))].append(u)
        if len(dated) < 2:
            continue
        # only sentences that clearly state the same thing can disagree on its day
        texts = [u.text for units in dated.values() for u in units]
        vecs = ctx.vectors(texts)
        if float((vecs @ vecs.T).min()) < SAME_DATE_EVENT:
            continue
        sources = {day: {ctx.source_of(u.article) for u in units} for day, units in dated.items()}
        if len(set().union(*sources.values())) < 2:
            continue
        positions = [
            Position(
                day, list(dict.fromkeys(u.article for u in units)), list(dict.fromkeys(u.text for u in units))
            )
            for day, units in sorted(dated.items())
        ]
        out.append(
            Conflict(
                "x-" + short_hash("date", us[g[0]].article, us[g[0]].start),
                "date",
                "date of: " + us[g[0]].text[:80],
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
    r = normalise_role(role)
    if re.search(r"\bthen-", r, re.I):
        return "", False  # a title as held at some time spoken of: neither current nor former now
    past = bool(_PAST.search(r))
    words = _TIME_WORDS.sub(" ", r).split()
    for i, w in enumerate(words):
        if w.lower() in _TITLE_WORDS:
            return " ".join(x.lower() for x in words[i:]), past
    return " ".join(x.lower() for x in words), past


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
        s, e = trim_span(ctx.by_id[aid].text, sent.start, sent.end)
        text = ctx.by_id[aid].text[s:e]
        if is_credit(text):
            continue
        seen[eid][base][past][aid].append(text)
    out = []
    for eid, bases in sorted(seen.items()):
        for base, sides in sorted(bases.items()):
            if not sides[True] or not sides[False]:
                continue
            pos_arts = {a for a in sides[False]}
            past_arts = {a for a in sides[True]}
            if not ctx.sources(pos_arts - past_arts) or not ctx.sources(past_arts - pos_arts):
                continue
            positions = []
            for past in (False, True):
                arts = sorted(sides[past], key=ctx.order)
                if past:
                    arts = [a for a in arts if a not in pos_arts] or arts
                else:
                    arts = [a for a in arts if a not in past_arts] or arts
                ev = [t for a in arts for t in sides[past][a]]
                title = base[:1].upper() + base[1:]
                positions.append(Position(("former " if past else "") + title, arts, list(dict.fromkeys(ev))))
            name = index.by_id[eid].name
            out.append(Conflict("x-" + short_hash("role", eid, base), "role", f"{name}: {base}", positions))
    return out


def _role_evidence(ctx: Context, index: EntityIndex) -> list[tuple[str, str, str, int]]:
    """(entity, article, role text, position) from the analysis' roles and titles written before names."""
    out = []
    for a in ctx.articles:
        for r in ctx.analyses[a.id].roles:
            eid = index.at(a.id, r.person_start, r.person_end) or index.resolve(a.id, r.person)
            if eid and index.by_id[eid].type == "PERSON":
                out.append((eid, a.id, r.text, r.start))
        # a title written right before a person's name, with its "former" if any
        for (aid, s, end), eid in sorted(index.of_mention.items()):
            if aid != a.id or index.by_id[eid].type != "PERSON":
                continue
            m = _TITLE_BEFORE.search(a.text[max(0, s - 60) : s])
            if m and not _PERIOD_AFTER.match(a.text[end : end + 30]):
                role = " ".join(x for x in m.groups() if x)
                out.append((eid, a.id, role, s - len(m.group(0))))
    return sorted(set(out))
