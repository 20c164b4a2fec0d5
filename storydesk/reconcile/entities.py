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
    stripped = _POSSESSIVE.sub("", text.strip())
    return re.sub(r"^(?:the|The)\s+", "", stripped).strip()


def norm_name(text: str) -> str:
    """Folded key: ascii, lowercase, no possessive, no leading article, no dots in acronyms."""
    folded = fold_ascii(display(text))
    folded = re.sub(r"(?<=\b\w)\.", "", folded)  # u.s. -> us
    folded = re.sub(r"[^\w\s-]", "", folded)
    folded = re.sub(r"\s+", " ", folded).strip()
    # spaced initials ("u s geological survey") read as one acronym
    return re.sub(r"\b(\w)\s(?=\w\b)", r"\1", folded)


def name_parts(norm: str) -> list[str]:
    parts = [part for part in re.split(r"[\s]+", norm) if part]
    while parts and parts[0] in _HONORIFIC:
        parts = parts[1:]
    while len(parts) > 1 and parts[-1] in _SUFFIX:
        parts = parts[:-1]
    return parts


def honorific(text: str) -> str | None:
    """The honorific a written name opens with ("Sir Jane Roe" -> "sir"), when a capitalised name follows it;
    an honorific is part of how a name is written, not of the name, and says the name is a person's."""
    words = text.strip().split()
    if len(words) < 2 or not words[0][:1].isupper() or not all(word[:1].isupper() for word in words[1:]):
        return None
    first = words[0].rstrip(".").lower()
    return first if first in _HONORIFIC else None


def surname_match(surname: str, other: str) -> float:
    """1 for the same surname, 0.5 for a transliteration-close one, 0 otherwise."""
    if surname == other:
        return 1.0
    if min(len(surname), len(other)) < 4 or surname[0] != other[0]:
        return 0.0
    dist = jellyfish.levenshtein_distance(surname, other)
    if (
        dist <= max(1, min(len(surname), len(other)) // 4)
        and jellyfish.jaro_winkler_similarity(surname, other) >= 0.9
    ):
        return 0.5
    return 0.0


def may_be_same_person(person: Entity, other: Entity) -> bool:
    """Two person entities that resolution kept apart but whose surnames fit (too close to call a
    conflict)."""
    return any(
        surname_match(surname, other_surname)
        for surname in person.surnames
        for other_surname in other.surnames
    )


def first_name_compatible(name: str, other: str) -> bool:
    """Same first name as spelled, an initial, a short form (Steve/Steven) or a transliteration."""
    name, other = name.rstrip("."), other.rstrip(".")
    if name == other:
        return True
    if not name or not other or name[0] != other[0]:
        return False
    if len(name) == 1 or len(other) == 1:
        return True
    if min(len(name), len(other)) >= 3 and (name.startswith(other) or other.startswith(name)):
        return True
    return (
        jellyfish.levenshtein_distance(name, other) <= 1 + (min(len(name), len(other)) >= 6)
        and jellyfish.jaro_winkler_similarity(name, other) >= 0.85
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
    words = [part for part in long_parts if part not in _STOP]
    if len(short) < 2 or len(words) < 2:
        return False
    return short in {
        "".join(word[0] for word in words),
        "".join(word if len(word) <= 2 else word[0] for word in words),
    }


def _core(parts: list[str], etype: str) -> list[str]:
    """A name without its legal-form suffix (bodies) or its kind-of-place word (places)."""
    drop = _ORG_SUFFIX if etype in {"ORG", "NORP", "PRODUCT"} else _PLACE_WORDS if etype in PLACE else set()
    kept = [word for word in parts if word not in _STOP]
    while len(kept) > 1 and kept[-1] in drop:
        kept = kept[:-1]
    while len(kept) > 1 and kept[0] in drop:
        kept = kept[1:]
    return kept


def _expands(pa: list[str], pb: list[str]) -> bool:
    """The same words, where one side may write a run of the other's words as its initials."""
    i = j = 0
    while i < len(pa) and j < len(pb):
        if pa[i] == pb[j]:
            i, j = i + 1, j + 1
        elif (
            len(pa[i]) >= 2
            and "".join(word[0] for word in pb[j : j + len(pa[i])]) == pa[i]
            and j + len(pa[i]) <= len(pb)
        ):
            i, j = i + 1, j + len(pa[i])
        elif (
            len(pb[j]) >= 2
            and "".join(word[0] for word in pa[i : i + len(pb[j])]) == pb[j]
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
        self.by_id = {entity.id: entity for entity in entities}
        self._spans: dict[str, list[tuple[int, int, str, str]]] = defaultdict(list)
        for (aid, start, end), eid in sorted(of_mention.items()):
            self._spans[aid].append((start, end, eid, norm_name(texts[(aid, start, end)])))
        story: dict[str, set[str]] = defaultdict(set)
        for ent in entities:
            for variant in ent.variants:
                story[norm_name(variant)].add(ent.id)
        self._story_names = {folded: next(iter(ids)) for folded, ids in story.items() if len(ids) == 1}

    def at(self, article_id: str, start: int, end: int) -> str | None:
        """The entity of the mention at (or most overlapping) a span."""
        hit = self.of_mention.get((article_id, start, end))
        if hit:
            return hit
        best, best_len = None, 0
        for span_start, span_end, eid, _n in self._spans.get(article_id, []):
            overlap = min(span_end, end) - max(span_start, start)
            if overlap > best_len:
                best, best_len = eid, overlap
        return best

    def mentions_in(self, article_id: str, start: int, end: int) -> list[tuple[str, str]]:
        """(entity, folded spelling) of each mention inside a span, in order."""
        return [
            (eid, folded)
            for span_start, span_end, eid, folded in self._spans.get(article_id, [])
            if span_start >= start and span_end <= end
        ]

    def in_span(self, article_id: str, start: int, end: int) -> list[str]:
        """Entities mentioned inside a span, in order of first mention."""
        out: list[str] = []
        for span_start, span_end, eid, _n in self._spans.get(article_id, []):
            if span_start >= start and span_end <= end and eid not in out:
                out.append(eid)
        return out

    def resolve(self, article_id: str, name: str | None) -> str | None:
        """The entity a name as written in an article refers to (a holder, a speaker)."""
        if not name:
            return None
        key = norm_name(name)
        matches = [eid for _s, _e, eid, folded in self._spans.get(article_id, []) if folded == key]
        if matches:
            return Counter(matches).most_common(1)[0][0]
        return self._story_names.get(key)


def _mentions(ctx: Context) -> list[Mention]:
    out = []
    for article in ctx.articles:
        for mention in ctx.analyses[article.id].mentions:
            if (
                mention.label in NAMED
                and norm_name(mention.text)
                and any(ch.isalpha() for ch in mention.text)
            ):
                out.append(mention)
    return sorted(out, key=lambda mention: (ctx.order(mention.article_id), mention.start, mention.end))


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
    others = [node for node in names.keys if names.ntype[node] != "PERSON"]
    for i, first in enumerate(others):
        for second in others[i + 1 :]:
            if _same_other(first, second, names.parts, names.upper, names.ntype):
                uf.union(first, second)
    assign = _join_lone_names(names, titled, full_people, uf)
    # 5. build the entities
    groups: dict[str, list[Mention]] = defaultdict(list)
    for node in names.keys:
        for mention in names.nodes[node]:
            root = assign.get((mention.article_id, mention.start, mention.end)) or uf.find(node)
            groups[uf.find(root)].append(mention)
    return _build(ctx, groups, names.parts, names.ntype)


def _names(mentions: list[Mention]) -> _Names:
    """1. one node per folded spelling (within one story the same spelling is the same entity)."""
    nodes: dict[str, list[Mention]] = defaultdict(list)
    for mention in mentions:
        nodes[norm_name(mention.text)].append(mention)
    return _Names(
        nodes=nodes,
        ntype={
            node: _node_type(Counter(mention.label for mention in found)) for node, found in nodes.items()
        },
        parts={node: name_parts(node) for node in nodes},
        upper={
            node: any(re.sub(r"[.\s]", "", mention.text).isupper() for mention in found)
            for node, found in nodes.items()
        },
        labels={node: {mention.label for mention in found} for node, found in nodes.items()},
        keys=sorted(nodes),
    )


def _people_by_title(names: _Names) -> dict[str, str]:
    """Names written after an honorific (node -> the honorific), now typed as people.

    A name written after an honorific is a person's, whatever the model called it; and so is the same
    name written without it ("Jane Roe" beside "Dame Jane Roe").
    """
    parts, ntype = names.parts, names.ntype
    titled = {
        node: title
        for node in names.keys
        if parts[node]
        and (
            title := next(
                (honorific(mention.text) for mention in names.nodes[node] if honorific(mention.text)), None
            )
        )
    }
    titled_names = {tuple(parts[node]) for node in titled if ntype[node] in PERSON_CONFUSABLE}
    for node in names.keys:
        if ntype[node] in PERSON_CONFUSABLE and (
            node in titled or tuple(parts[node]) in titled_names and len(parts[node]) >= 2
        ):
            ntype[node] = "PERSON"
            names.labels[node].add("PERSON")
    return titled


def _full_people(names: _Names) -> list[str]:
    """Full names that are people's: any mention tagged PERSON, or the surname used alone as a person."""
    parts, ntype = names.parts, names.ntype
    lone_people = {parts[node][0] for node in names.keys if len(parts[node]) == 1 and ntype[node] == "PERSON"}
    full_people = [
        node
        for node in names.keys
        if len(parts[node]) >= 2
        and ntype[node] in PERSON_CONFUSABLE
        and ("PERSON" in names.labels[node] or parts[node][-1] in lone_people)
    ]
    for node in full_people:
        ntype[node] = "PERSON"
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
    for node in full_people:
        person_groups[uf.find(node)].add(node)
        for mention in names.nodes[node]:
            in_article[mention.article_id].add(uf.find(node))
    assign: dict[tuple[str, int, int], str] = {}
    for node in names.keys:
        if len(parts[node]) != 1 or names.ntype[node] not in PERSON_CONFUSABLE or node in full_people:
            continue
        if titled.get(node) in _GIVEN_NAME_HONORIFIC and _given_name_owner(node, parts, person_groups, uf):
            continue  # "Sir Jane": the one person of the story named Jane
        story_best = _surname_candidates(parts[node][0], person_groups, parts)
        if len(story_best) == 1:
            uf.union(node, next(iter(story_best)))
        elif not story_best:
            if names.ntype[node] == "PERSON":
                _first_name_only(node, names.nodes, parts, person_groups, in_article, uf)
        else:
            for mention in names.nodes[node]:  # ambiguous in the story: decide per article
                local = _surname_candidates(
                    parts[node][0],
                    {root: person_groups[root] for root in in_article[mention.article_id]},
                    parts,
                )
                if len(local) == 1:
                    assign[(mention.article_id, mention.start, mention.end)] = next(iter(local))
    return assign


def _given_name_owner(
    node: str, parts: dict[str, list[str]], person_groups: dict[str, set[str]], uf: UnionFind[str]
) -> bool:
    """Join a name written after "Sir"/"Dame" (a given name) to the one person of the story it begins."""
    owners = {
        root
        for root, members in person_groups.items()
        if any(parts[member][0] == parts[node][0] for member in members)
    }
    if len(owners) != 1:
        return False
    uf.union(node, next(iter(owners)))
    return True


def _first_name_only(
    node: str,
    nodes: dict[str, list[Mention]],
    parts: dict[str, list[str]],
    person_groups: dict[str, set[str]],
    in_article: dict[str, set[str]],
    uf: UnionFind[str],
) -> None:
    """A lone first name ("Matt") joins the one person of the story with that first name, in its articles."""
    owners = {
        root
        for root, members in person_groups.items()
        if any(parts[member][0] == parts[node][0] for member in members)
    }
    if len(owners) != 1:
        return
    root = next(iter(owners))
    if all(root in in_article[mention.article_id] for mention in nodes[node]):
        uf.union(node, root)


def _surname_candidates(token: str, groups: dict[str, set[str]], parts: dict[str, list[str]]) -> set[str]:
    """Person groups whose surname fits a lone token; exact spellings beat transliterations."""
    scored: dict[str, float] = {}
    for root, members in groups.items():
        score = max((surname_match(token, parts[member][-1]) for member in members), default=0.0)
        if score:
            scored[root] = score
    if not scored:
        return set()
    top = max(scored.values())
    return {root for root, score in scored.items() if score == top}


def _compatible(etype: str, other: str) -> bool:
    """Types one real-world name can carry across articles (spaCy hesitates between them)."""
    return etype == other or {etype, other} <= PLACE | {"ORG"} or {etype, other} <= {"ORG", "NORP", "PRODUCT"}


def _same_other(
    node: str, other: str, parts: dict[str, list[str]], upper: dict[str, bool], ntype: dict[str, str]
) -> bool:
    pa, pb = parts[node], parts[other]
    if not pa or not pb:
        return False
    if sorted(pa) == sorted(pb):
        return True
    if _compatible(ntype[node], ntype[other]):
        ca, cb = _core(pa, ntype[node]), _core(pb, ntype[other])
        if ca == cb or _expands(ca, cb):
            return True
    if len(pa) == 1 and upper[node] and acronym_of(pa[0], pb):
        return True
    if len(pb) == 1 and upper[other] and acronym_of(pb[0], pa):
        return True
    if ntype[node] != ntype[other] or len(pa) != len(pb):
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
        key=lambda ms: (
            -len(ms),
            min(ctx.order(mention.article_id) for mention in ms),
            min(mention.start for mention in ms),
        ),
    )
    for ms in ordered:
        etype = _node_type(Counter(mention.label for mention in ms))
        if any(
            ntype.get(norm_name(mention.text)) == "PERSON"
            and len(parts.get(norm_name(mention.text), [])) >= 2
            for mention in ms
        ):
            etype = "PERSON"
        name = _canonical(ctx, ms)
        eid = "e-" + short_hash(etype, norm_name(name))
        number = 2
        while eid in used:  # two entities with one name (kept apart): still distinct ids
            eid = "e-" + short_hash(etype, norm_name(name), number)
            number += 1
        used.add(eid)
        variants = sorted({mention.text.strip() for mention in ms})
        arts = sorted({mention.article_id for mention in ms}, key=ctx.order)
        surnames = {
            name_parts(norm_name(mention.text))[-1] for mention in ms if name_parts(norm_name(mention.text))
        }
        entities.append(Entity(eid, name, etype, variants, arts, len(ms), surnames=surnames))
        for mention in ms:
            of_mention[(mention.article_id, mention.start, mention.end)] = eid
            texts[(mention.article_id, mention.start, mention.end)] = mention.text
    entities.sort(key=lambda entity: (-len(entity.articles), -entity.mentions, entity.name, entity.id))
    return EntityIndex(entities, of_mention, texts)


def _canonical(ctx: Context, ms: list[Mention]) -> str:
    """The most complete common spelling: most name parts, then most articles, then most mentions."""
    forms: dict[str, list[Mention]] = defaultdict(list)
    for mention in ms:
        forms[display(mention.text)].append(mention)

    # a spelling's weight counts every mention spelled its way, the bare surname included
    last = Counter(_last(mention.text) for mention in ms)
    last_arts: dict[str, set[str]] = defaultdict(set)
    for mention in ms:
        last_arts[_last(mention.text)].add(mention.article_id)

    def key(form: str) -> tuple:
        n_parts = min(len(name_parts(norm_name(form))), 3)
        # the name itself before the name with its honorific ("Jane Roe", not "Dame Jane Roe")
        return (
            -n_parts,
            honorific(form) is not None,
            -len(last_arts[_last(form)]),
            -last[_last(form)],
            -len(forms[form]),
            form,
        )

    return sorted(forms, key=key)[0]


def _last(text: str) -> str:
    parts = name_parts(norm_name(text))
    return parts[-1] if parts else ""


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
    role = re.sub(r"\s+", " ", text.strip(" ,;:-—–"))
    role = _DETERMINER.sub("", role)
    match = _POSS_PREFIX.match(role)
    if match and not _RELATIONAL.match(match.group(2).strip()) and len(match.group(2).split()) >= 1:
        role = match.group(2).strip()
    return role


def attach_roles(ctx: Context, index: EntityIndex, roles: list[Role]) -> None:
    """Give each person entity its roles as the articles word them."""
    by_entity: dict[str, dict[str, tuple[str, set[str]]]] = defaultdict(dict)
    for role in roles:
        eid = index.at(role.article_id, role.person_start, role.person_end) or index.resolve(
            role.article_id, role.person
        )
        if not eid:
            continue
        text = normalise_role(role.text)
        if not text or not any(ch.isalpha() for ch in text):
            continue
        key = fold_ascii(text).replace(".", "")
        form, arts = by_entity[eid].get(key, (text, set()))
        arts.add(role.article_id)
        by_entity[eid][key] = (form, arts)
    for entity in index.entities:
        items = by_entity.get(entity.id, {})
        entity.roles = [
            EntityRole(form, sorted(arts, key=ctx.order))
            for _k, (form, arts) in sorted(items.items(), key=lambda kv: (-len(kv[1][1]), kv[0]))
        ]
