"""Reconcile stage: cross-document entity resolution (one entity per real-world entity, all spellings).

Evidence, strongest first: the same folded spelling; for people, a fuzzy surname (transliterations)
with a compatible first name (same initial and close, or one a short form of the other); for other
names, acronyms and near-identical spellings. A lone surname joins a full name only when exactly one
full name fits, in the story or else in its own article.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import jellyfish

from ..groups import UnionFind
from ..ids import short_hash
from ..models import EntityRole, Mention, Role, StoryEntity
from ..text import fold_ascii
from .common import Context

NAMED = {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW", "LANGUAGE"}
PLACE = {"GPE", "LOC", "FAC"}
# Labels spaCy often gives a person's bare surname by mistake.
PERSON_CONFUSABLE = {"PERSON", "ORG", "NORP", "PRODUCT", "WORK_OF_ART"}
_HONORIFIC = {"mr", "mrs", "ms", "miss", "dr", "sir", "dame", "lord", "lady", "prof", "rev"}
# Honorifics written before the given name, not the surname ("Sir Jane" is Jane Roe, "Mr Roe" is Roe).
_GIVEN_NAME_HONORIFIC = {"sir", "dame"}
_SUFFIX = {"jr", "sr", "ii", "iii", "iv"}
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")
_LABEL_ORDER = [
    "PERSON",
    "GPE",
    "ORG",
    "NORP",
    "LOC",
    "FAC",
    "EVENT",
    "PRODUCT",
    "LAW",
    "WORK_OF_ART",
    "LANGUAGE",
]


def display(text: str) -> str:
    """A surface form without a trailing possessive and a leading article."""
    t = _POSSESSIVE.sub("", text.strip())
    return re.sub(r"^(?:the|The)\s+", "", t).strip()


def norm_name(text: str) -> str:
    """Folded key: ascii, lowercase, no possessive, no leading article, no dots in acronyms."""
    t = fold_ascii(display(text))
    t = re.sub(r"(?<=\b\w)\.", "", t)  # u.s. -> us
    t = re.sub(r"[^\w\s-]", "", t)
    t = re.sub(r"\s+", " ", t).strip()
    # spaced initials ("u s geological survey") read as one acronym
    return re.sub(r"\b(\w)\s(?=\w\b)", r"\1", t)


def name_parts(norm: str) -> list[str]:
    parts = [p for p in re.split(r"[\s]+", norm) if p]
    while parts and parts[0] in _HONORIFIC:
        parts = parts[1:]
    while len(parts) > 1 and parts[-1] in _SUFFIX:
        parts = parts[:-1]
    return parts


def honorific(text: str) -> str | None:
    """The honorific a written name opens with ("Sir Jane Roe" -> "sir"), when a capitalised name follows it;
    an honorific is part of how a name is written, not of the name, and says the name is a person's."""
    words = text.strip().split()
    if len(words) < 2 or not words[0][:1].isupper() or not all(w[:1].isupper() for w in words[1:]):
        return None
    first = words[0].rstrip(".").lower()
    return first if first in _HONORIFIC else None


def surname_match(a: str, b: str) -> float:
    """1 for the same surname, 0.5 for a transliteration-close one, 0 otherwise."""
    if a == b:
        return 1.0
    if min(len(a), len(b)) < 4 or a[0] != b[0]:
        return 0.0
    dist = jellyfish.levenshtein_distance(a, b)
    if dist <= max(1, min(len(a), len(b)) // 4) and jellyfish.jaro_winkler_similarity(a, b) >= 0.9:
        return 0.5
    return 0.0


def may_be_same_person(a: Entity, b: Entity) -> bool:
    """Two person entities that resolution kept apart but whose surnames fit (too close to call a conflict)."""
    return any(surname_match(x, y) for x in a.surnames for y in b.surnames)


def first_name_compatible(a: str, b: str) -> bool:
    """Same first name as spelled, an initial, a short form (Steve/Steven) or a transliteration."""
    a, b = a.rstrip("."), b.rstrip(".")
    if a == b:
        return True
    if not a or not b or a[0] != b[0]:
        return False
    if len(a) == 1 or len(b) == 1:
        return True
    if min(len(a), len(b)) >= 3 and (a.startswith(b) or b.startswith(a)):
        return True
    return (
        jellyfish.levenshtein_distance(a, b) <= 1 + (min(len(a), len(b)) >= 6)
        and jellyfish.jaro_winkler_similarity(a, b) >= 0.85
    )


_STOP = {"of", "the", "and", "for", "de", "&"}
# words that name what kind of body or place a name is: "Apple Inc." is Apple, "Aceh province" is Aceh
_ORG_SUFFIX = {
    "inc",
    "corp",
    "corporation",
    "co",
    "ltd",
    "llc",
    "plc",
    "ag",
    "sa",
    "gmbh",
    "limited",
    "company",
}
_PLACE_WORDS = {
    "province",
    "state",
    "county",
    "city",
    "strip",
    "region",
    "district",
    "island",
    "islands",
    "prefecture",
    "territory",
    "oblast",
    "municipality",
    "area",
}


def acronym_of(short: str, long_parts: list[str]) -> bool:
    """ "nato" of north atlantic treaty organization; "usgs" of us geological survey."""
    words = [p for p in long_parts if p not in _STOP]
    if len(short) < 2 or len(words) < 2:
        return False
    return short in {"".join(w[0] for w in words), "".join(w if len(w) <= 2 else w[0] for w in words)}


def _core(parts: list[str], etype: str) -> list[str]:
    """A name without its legal-form suffix (bodies) or its kind-of-place word (places)."""
    drop = _ORG_SUFFIX if etype in {"ORG", "NORP", "PRODUCT"} else _PLACE_WORDS if etype in PLACE else set()
    p = [w for w in parts if w not in _STOP]
    while len(p) > 1 and p[-1] in drop:
        p = p[:-1]
    while len(p) > 1 and p[0] in drop:
        p = p[1:]
    return p


def _expands(pa: list[str], pb: list[str]) -> bool:
    """The same words, where one side may write a run of the other's words as its initials."""
    i = j = 0
    while i < len(pa) and j < len(pb):
        if pa[i] == pb[j]:
            i, j = i + 1, j + 1
        elif (
            len(pa[i]) >= 2
            and "".join(w[0] for w in pb[j : j + len(pa[i])]) == pa[i]
            and j + len(pa[i]) <= len(pb)
        ):
            i, j = i + 1, j + len(pa[i])
        elif (
            len(pb[j]) >= 2
            and "".join(w[0] for w in pa[i : i + len(pb[j])]) == pb[j]
            and i + len(pb[j]) <= len(pa)
        ):
            i, j = i + len(pb[j]), j + 1
        else:
            return False
    return i == len(pa) and j == len(pb) and (len(pa) > 1 or len(pb) > 1)


@dataclass
class Entity:
    id: str
    name: str
    type: str
    variants: list[str]
    articles: list[str]
    mentions: int
    roles: list[EntityRole] = field(default_factory=list)
    surnames: set[str] = field(default_factory=set)

    def public(self) -> StoryEntity:
        """The entity as the dossier shows it (without the matching state)."""
        return StoryEntity(
            self.id, self.name, self.type, self.variants, self.articles, self.mentions, self.roles
        )


class EntityIndex:
    """The story's entities and which mention belongs to which."""

    def __init__(
        self,
        entities: list[Entity],
        of_mention: dict[tuple[str, int, int], str],
        texts: dict[tuple[str, int, int], str],
    ) -> None:
        self.entities = entities
        self.of_mention = of_mention
        self.by_id = {e.id: e for e in entities}
        self._spans: dict[str, list[tuple[int, int, str, str]]] = defaultdict(list)
        for (aid, s, e), eid in sorted(of_mention.items()):
            self._spans[aid].append((s, e, eid, norm_name(texts[(aid, s, e)])))
        story: dict[str, set[str]] = defaultdict(set)
        for ent in entities:
            for v in ent.variants:
                story[norm_name(v)].add(ent.id)
        self._story_names = {k: next(iter(ids)) for k, ids in story.items() if len(ids) == 1}

    def at(self, article_id: str, start: int, end: int) -> str | None:
        """The entity of the mention at (or most overlapping) a span."""
        hit = self.of_mention.get((article_id, start, end))
        if hit:
            return hit
        best, best_len = None, 0
        for s, e, eid, _n in self._spans.get(article_id, []):
            overlap = min(e, end) - max(s, start)
            if overlap > best_len:
                best, best_len = eid, overlap
        return best

    def mentions_in(self, article_id: str, start: int, end: int) -> list[tuple[str, str]]:
        """(entity, folded spelling) of each mention inside a span, in order."""
        return [(eid, n) for s, e, eid, n in self._spans.get(article_id, []) if s >= start and e <= end]

    def in_span(self, article_id: str, start: int, end: int) -> list[str]:
        """Entities mentioned inside a span, in order of first mention."""
        out: list[str] = []
        for s, e, eid, _n in self._spans.get(article_id, []):
            if s >= start and e <= end and eid not in out:
                out.append(eid)
        return out

    def resolve(self, article_id: str, name: str | None) -> str | None:
        """The entity a name as written in an article refers to (a holder, a speaker)."""
        if not name:
            return None
        key = norm_name(name)
        matches = [eid for _s, _e, eid, n in self._spans.get(article_id, []) if n == key]
        if matches:
            return Counter(matches).most_common(1)[0][0]
        return self._story_names.get(key)


def _mentions(ctx: Context) -> list[Mention]:
    out = []
    for a in ctx.articles:
        for m in ctx.analyses[a.id].mentions:
            if m.label in NAMED and norm_name(m.text) and any(ch.isalpha() for ch in m.text):
                out.append(m)
    return sorted(out, key=lambda m: (ctx.order(m.article_id), m.start, m.end))


def _node_type(labels: Counter) -> str:
    top = max(labels.values())
    return next(lab for lab in _LABEL_ORDER + sorted(labels) if labels.get(lab) == top)


@dataclass
class _Names:
    """The story's names: one node per folded spelling, with what is known of each."""

    nodes: dict[str, list[Mention]]  # folded spelling -> its mentions
    ntype: dict[str, str]  # the entity type the node's mentions vote for (corrected below)
    parts: dict[str, list[str]]  # the name's words
    upper: dict[str, bool]  # written in capitals somewhere (an acronym)
    labels: dict[str, set[str]]  # every label the model gave it
    keys: list[str]  # the nodes in a stable order


def resolve_entities(ctx: Context) -> EntityIndex:
    """Group every named mention of the story into entities."""
    names = _names(_mentions(ctx))
    titled = _people_by_title(names)
    full_people = _full_people(names)
    uf: UnionFind[str] = UnionFind()
    # 2. full names of people: fuzzy surname plus a compatible first name
    for i, first in enumerate(full_people):
        for second in full_people[i + 1 :]:
            first_parts, second_parts = names.parts[first], names.parts[second]
            if surname_match(first_parts[-1], second_parts[-1]) and first_name_compatible(
                first_parts[0], second_parts[0]
            ):
                uf.union(first, second)
    # 3. other names: acronyms, near-identical spellings, same words in another order
    others = [k for k in names.keys if names.ntype[k] != "PERSON"]
    for i, first in enumerate(others):
        for second in others[i + 1 :]:
            if _same_other(first, second, names.parts, names.upper, names.ntype):
                uf.union(first, second)
    assign = _join_lone_names(names, titled, full_people, uf)
    # 5. build the entities
    groups: dict[str, list[Mention]] = defaultdict(list)
    for k in names.keys:
        for mention in names.nodes[k]:
            root = assign.get((mention.article_id, mention.start, mention.end)) or uf.find(k)
            groups[uf.find(root)].append(mention)
    return _build(ctx, groups, names.parts, names.ntype)


def _names(mentions: list[Mention]) -> _Names:
    """1. one node per folded spelling (within one story the same spelling is the same entity)."""
    nodes: dict[str, list[Mention]] = defaultdict(list)
    for mention in mentions:
        nodes[norm_name(mention.text)].append(mention)
    return _Names(
        nodes=nodes,
        ntype={k: _node_type(Counter(m.label for m in found)) for k, found in nodes.items()},
        parts={k: name_parts(k) for k in nodes},
        upper={k: any(re.sub(r"[.\s]", "", m.text).isupper() for m in found) for k, found in nodes.items()},
        labels={k: {m.label for m in found} for k, found in nodes.items()},
        keys=sorted(nodes),
    )


def _people_by_title(names: _Names) -> dict[str, str]:
    """Names written after an honorific (node -> the honorific), now typed as people.

    A name written after an honorific is a person's, whatever the model called it; and so is the same
    name written without it ("Jane Roe" beside "Dame Jane Roe").
    """
    parts, ntype = names.parts, names.ntype
    titled = {
        k: title
        for k in names.keys
        if parts[k]
        and (title := next((honorific(m.text) for m in names.nodes[k] if honorific(m.text)), None))
    }
    titled_names = {tuple(parts[k]) for k in titled if ntype[k] in PERSON_CONFUSABLE}
    for k in names.keys:
        if ntype[k] in PERSON_CONFUSABLE and (
            k in titled or tuple(parts[k]) in titled_names and len(parts[k]) >= 2
        ):
            ntype[k] = "PERSON"
            names.labels[k].add("PERSON")
    return titled


def _full_people(names: _Names) -> list[str]:
    """Full names that are people's: any mention tagged PERSON, or the surname used alone as a person."""
    parts, ntype = names.parts, names.ntype
    lone_people = {parts[k][0] for k in names.keys if len(parts[k]) == 1 and ntype[k] == "PERSON"}
    full_people = [
        k
        for k in names.keys
        if len(parts[k]) >= 2
        and ntype[k] in PERSON_CONFUSABLE
        and ("PERSON" in names.labels[k] or parts[k][-1] in lone_people)
    ]
    for k in full_people:
        ntype[k] = "PERSON"
    return full_people


def _join_lone_names(
    names: _Names, titled: dict[str, str], full_people: list[str], uf: UnionFind[str]
) -> dict[tuple[str, int, int], str]:
    """4. lone surnames (and people mislabelled as organisations) join one full name when unambiguous.

    Returns the mentions decided article by article (mention span -> person group), where the story as
    a whole has more than one person the name fits.
    """
    parts = names.parts
    person_groups: dict[str, set[str]] = defaultdict(set)
    in_article: dict[str, set[str]] = defaultdict(set)
    for k in full_people:
        person_groups[uf.find(k)].add(k)
        for mention in names.nodes[k]:
            in_article[mention.article_id].add(uf.find(k))
    assign: dict[tuple[str, int, int], str] = {}
    for k in names.keys:
        if len(parts[k]) != 1 or names.ntype[k] not in PERSON_CONFUSABLE or k in full_people:
            continue
        if titled.get(k) in _GIVEN_NAME_HONORIFIC and _given_name_owner(k, parts, person_groups, uf):
            continue  # "Sir Jane": the one person of the story named Jane
        story_best = _surname_candidates(parts[k][0], person_groups, parts)
        if len(story_best) == 1:
            uf.union(k, next(iter(story_best)))
        elif not story_best:
            if names.ntype[k] == "PERSON":
                _first_name_only(k, names.nodes, parts, person_groups, in_article, uf)
        else:
            for mention in names.nodes[k]:  # ambiguous in the story: decide per article
                local = _surname_candidates(
                    parts[k][0], {g: person_groups[g] for g in in_article[mention.article_id]}, parts
                )
                if len(local) == 1:
                    assign[(mention.article_id, mention.start, mention.end)] = next(iter(local))
    return assign


def _given_name_owner(
    k: str, parts: dict[str, list[str]], person_groups: dict[str, set[str]], uf: UnionFind[str]
) -> bool:
    """Join a name written after "Sir"/"Dame" (a given name) to the one person of the story it begins."""
    owners = {
        root for root, members in person_groups.items() if any(parts[m][0] == parts[k][0] for m in members)
    }
    if len(owners) != 1:
        return False
    uf.union(k, next(iter(owners)))
    return True


def _first_name_only(
    k: str,
    nodes: dict[str, list[Mention]],
    parts: dict[str, list[str]],
    person_groups: dict[str, set[str]],
    in_article: dict[str, set[str]],
    uf: UnionFind[str],
) -> None:
    """A lone first name ("Matt") joins the one person of the story with that first name, in its articles."""
    owners = {
        root for root, members in person_groups.items() if any(parts[m][0] == parts[k][0] for m in members)
    }
    if len(owners) != 1:
        return
    root = next(iter(owners))
    if all(root in in_article[m.article_id] for m in nodes[k]):
        uf.union(k, root)


def _surname_candidates(token: str, groups: dict[str, set[str]], parts: dict[str, list[str]]) -> set[str]:
    """Person groups whose surname fits a lone token; exact spellings beat transliterations."""
    scored: dict[str, float] = {}
    for root, members in groups.items():
        s = max((surname_match(token, parts[m][-1]) for m in members), default=0.0)
        if s:
            scored[root] = s
    if not scored:
        return set()
    top = max(scored.values())
    return {r for r, s in scored.items() if s == top}


def _compatible(a: str, b: str) -> bool:
    """Types one real-world name can carry across articles (spaCy hesitates between them)."""
    return a == b or {a, b} <= PLACE | {"ORG"} or {a, b} <= {"ORG", "NORP", "PRODUCT"}


def _same_other(
    a: str, b: str, parts: dict[str, list[str]], upper: dict[str, bool], ntype: dict[str, str]
) -> bool:
    pa, pb = parts[a], parts[b]
    if not pa or not pb:
        return False
    if sorted(pa) == sorted(pb):
        return True
    if _compatible(ntype[a], ntype[b]):
        ca, cb = _core(pa, ntype[a]), _core(pb, ntype[b])
        if ca == cb or _expands(ca, cb):
            return True
    if len(pa) == 1 and upper[a] and acronym_of(pa[0], pb):
        return True
    if len(pb) == 1 and upper[b] and acronym_of(pb[0], pa):
        return True
    if ntype[a] != ntype[b] or len(pa) != len(pb):
        return False
    # near-identical spellings of one place or body (transliteration, a typo)
    sa, sb = " ".join(pa), " ".join(pb)
    if min(len(sa), len(sb)) < 6 or sa[:2] != sb[:2]:
        return False
    return (
        jellyfish.levenshtein_distance(sa, sb) <= max(1, len(sa) // 10)
        and jellyfish.jaro_winkler_similarity(sa, sb) >= 0.93
    )


def _build(
    ctx: Context, groups: dict[str, list[Mention]], parts: dict[str, list[str]], ntype: dict[str, str]
) -> EntityIndex:
    entities: list[Entity] = []
    of_mention: dict[tuple[str, int, int], str] = {}
    texts: dict[tuple[str, int, int], str] = {}
    used: set[str] = set()
    ordered = sorted(
        groups.values(),
        key=lambda ms: (-len(ms), min(ctx.order(m.article_id) for m in ms), min(m.start for m in ms)),
    )
    for ms in ordered:
        etype = _node_type(Counter(m.label for m in ms))
        if any(
            ntype.get(norm_name(m.text)) == "PERSON" and len(parts.get(norm_name(m.text), [])) >= 2
            for m in ms
        ):
            etype = "PERSON"
        name = _canonical(ctx, ms)
        eid = "e-" + short_hash(etype, norm_name(name))
        n = 2
        while eid in used:  # two entities with one name (kept apart): still distinct ids
            eid = "e-" + short_hash(etype, norm_name(name), n)
            n += 1
        used.add(eid)
        variants = sorted({m.text.strip() for m in ms})
        arts = sorted({m.article_id for m in ms}, key=ctx.order)
        surnames = {name_parts(norm_name(m.text))[-1] for m in ms if name_parts(norm_name(m.text))}
        entities.append(Entity(eid, name, etype, variants, arts, len(ms), surnames=surnames))
        for m in ms:
            of_mention[(m.article_id, m.start, m.end)] = eid
            texts[(m.article_id, m.start, m.end)] = m.text
    entities.sort(key=lambda e: (-len(e.articles), -e.mentions, e.name, e.id))
    return EntityIndex(entities, of_mention, texts)


def _canonical(ctx: Context, ms: list[Mention]) -> str:
    """The most complete common spelling: most name parts, then most articles, then most mentions."""
    forms: dict[str, list[Mention]] = defaultdict(list)
    for m in ms:
        forms[display(m.text)].append(m)

    # a spelling's weight counts every mention spelled its way, the bare surname included
    last = Counter(_last(m.text) for m in ms)
    last_arts: dict[str, set[str]] = defaultdict(set)
    for m in ms:
        last_arts[_last(m.text)].add(m.article_id)

    def key(f: str) -> tuple:
        n_parts = min(len(name_parts(norm_name(f))), 3)
        # the name itself before the name with its honorific ("Jane Roe", not "Dame Jane Roe")
        return (
            -n_parts,
            honorific(f) is not None,
            -len(last_arts[_last(f)]),
            -last[_last(f)],
            -len(forms[f]),
            f,
        )

    return sorted(forms, key=key)[0]


def _last(text: str) -> str:
    p = name_parts(norm_name(text))
    return p[-1] if p else ""


# ---- roles ---------------------------------------------------------------------------------------

_DETERMINER = re.compile(r"^(?:the|a|an|his|her|their|its|our)\s+", re.IGNORECASE)
_POSS_PREFIX = re.compile(r"^(.+?)(?:'s|’s)\s+(.+)$")
# Roles that only mean something with their anchor ("X's son-in-law"): keep the owner then.
_RELATIONAL = re.compile(
    r"^(?:son|daughter|wife|husband|spouse|father|mother|brother|sister|son-in-law|daughter-in-law|"
    r"father-in-law|mother-in-law|brother-in-law|sister-in-law|partner|widow|nephew|niece|cousin|"
    r"uncle|aunt|grandson|granddaughter|child|children|family)$",
    re.IGNORECASE,
)


def normalise_role(text: str) -> str:
    """A role without determiners, and without another entity's possessive when it stays meaningful."""
    t = re.sub(r"\s+", " ", text.strip(" ,;:-—–"))
    t = _DETERMINER.sub("", t)
    m = _POSS_PREFIX.match(t)
    if m and not _RELATIONAL.match(m.group(2).strip()) and len(m.group(2).split()) >= 1:
        t = m.group(2).strip()
    return t


def attach_roles(ctx: Context, index: EntityIndex, roles: list[Role]) -> None:
    """Give each person entity its roles as the articles word them."""
    by_entity: dict[str, dict[str, tuple[str, set[str]]]] = defaultdict(dict)
    for r in roles:
        eid = index.at(r.article_id, r.person_start, r.person_end) or index.resolve(r.article_id, r.person)
        if not eid:
            continue
        text = normalise_role(r.text)
        if not text or not any(ch.isalpha() for ch in text):
            continue
        key = fold_ascii(text).replace(".", "")
        form, arts = by_entity[eid].get(key, (text, set()))
        arts.add(r.article_id)
        by_entity[eid][key] = (form, arts)
    for e in index.entities:
        items = by_entity.get(e.id, {})
        e.roles = [
            EntityRole(form, sorted(arts, key=ctx.order))
            for _k, (form, arts) in sorted(items.items(), key=lambda kv: (-len(kv[1][1]), kv[0]))
        ]
