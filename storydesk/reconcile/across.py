"""Reconcile stage: entities across stories — one cross-story entity for the story entities that name it.

Interface (pure functions over the dossiers' entities; nothing is read or stored here):

- ``link_entities(stories) -> dict[tuple[str, str], str]``: ``stories`` maps a story id to its dossier's
  entities (``Dossier.entities``, ``StoryEntity``); the result maps every (story id, story entity id)
  given to the id of its cross-story entity: ``"g-"`` + ``ids.short_hash`` of the entity's type and
  folded name, and of its least member too when two cross-story entities share both.
- ``cross_entities(stories) -> list[CrossEntity]``: the cross-story entities themselves (id, name,
  type, variants, stories, members), sorted by id.

Same input, same ids, whatever the order of the stories or of their entities.

Rules (tuned on ECB+ train and dev: ``bench/entities_across_ecb.py``). A link needs compatible types
(``types_compatible``: the story-level rule, people only with people).

- Strong links. People: two full names whose surnames match and whose given names are compatible by
  the story-level rules (``surname_match``, ``first_name_compatible``); a name's given name is its first
  word and also the word before its surname ("Actress Jane Roe", "W. John Roe"), never a bare initial.
  A shared full-name variant is one such match. Other names: the same folded name (without legal-form or
  kind-of-place words, or its words in another order), or the story-level "same other" rule between
  names of two or more words (initials for a run of words, near-identical spellings).
- Weak names link only with evidence. A weak name is a person's single name (a surname alone, a bare
  first name) or a name whose given name is an initial ("J. Roe"); for bodies and places, a single word
  meeting a longer name it is the acronym of, or a near-identical single word, and an organisation named
  by the last words of another's name (a team without its city). Evidence between two story entities of
  different stories is a shared role (``EntityRole.text`` folded), or another entity of each story that
  the strong links joined across the two. A weak name joins only the one strong cross-story entity that
  fits it: none when two do (two full names share the surname, two bodies the acronym). A weak person
  name whose own story holds full names with its surname joins them only when they all make one
  cross-story entity (the story itself could not tell them apart), without further evidence. A chain of
  weak links never joins two people of different full names.

Candidates come from blocks (folded names, surnames and the deletion neighbourhoods of both, initials):
no comparison of all pairs of entities, so the work grows with the stories, not with their square
(``bench/entities_across_ecb.py --scale 10000 100000``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import combinations

from ..groups import UnionFind
from ..ids import short_hash
from ..models import StoryEntity
from ..text import fold_ascii
from .entities import (
    _STOP,
    _compatible,
    _core,
    _node_type,
    _same_other,
    first_name_compatible,
    name_parts,
    surname_match,
)
from .entities import norm_name as _norm_name

PERSON = "PERSON"
# names repeat across stories: fold each spelling once
norm_name = lru_cache(maxsize=1 << 18)(_norm_name)
Key = tuple[str, str]  # (story id, story entity id)
# a short word inside a longer name may be initials for a run of words ("ny times"); more are not tried
_MAX_EXPANDED = 3


@dataclass
class CrossEntity:
    """One person, organisation or place across stories, and the story entities that name it."""

    id: str
    name: str  # the most common name of its members (full names first)
    type: str  # the most common type of its members
    variants: list[str]  # every spelling its members carry
    stories: list[str]
    members: list[Key]  # (story id, story entity id), sorted


def link_entities(stories: Mapping[str, Sequence[StoryEntity]]) -> dict[Key, str]:
    """(story id, story entity id) -> the id of its cross-story entity, for every story entity given."""
    return {member: entity.id for entity in cross_entities(stories) for member in entity.members}


def cross_entities(stories: Mapping[str, Sequence[StoryEntity]]) -> list[CrossEntity]:
    """The cross-story entities of the stories' entities (see the module's rules), sorted by id."""
    nodes = {
        (story_id, entity.id): _Node.of(story_id, entity)
        for story_id, entities in stories.items()
        for entity in entities
    }
    links = _Links(nodes)
    _link_people(links)
    weak = _link_others(links)
    _link_weak(links, weak)
    return _build(nodes, links.uf)


def types_compatible(first: str, second: str) -> bool:
    """Types one real-world entity can carry in two stories: the story-level rule, people only as people."""
    if PERSON in (first, second):
        return first == second
    return _compatible(first, second)


# ---- what the linker reads of a story entity ---------------------------------------------------


@dataclass
class _Node:
    """One story entity as the linker reads it."""

    key: Key
    entity: StoryEntity
    names: dict[str, bool]  # folded spelling -> written in capitals somewhere (an acronym)
    roles: frozenset[str]  # folded role texts

    @classmethod
    def of(cls, story_id: str, entity: StoryEntity) -> _Node:
        names: dict[str, bool] = {}
        for written in sorted({entity.name, *entity.variants}):
            folded = norm_name(written)
            if name_parts(folded):
                names[folded] = names.get(folded, False) or _written_as_acronym(written)
        roles = frozenset(fold_ascii(role.text).replace(".", "") for role in entity.roles)
        return cls((story_id, entity.id), entity, names, roles)

    @property
    def type(self) -> str:
        return self.entity.type

    @cached_property
    def parts(self) -> list[str]:
        return name_parts(norm_name(self.entity.name))

    @cached_property
    def full_names(self) -> set[tuple[str, str]]:
        """(given name, surname) of each full-name spelling of a person, the given name more than an initial:
        the first word, and the word before the surname too (a title written into the name, "Actress Jane
        Roe"; a middle name used alone, "W. John Roe")."""
        if self.type != PERSON:
            return set()
        out: set[tuple[str, str]] = set()
        for name in self.names:
            parts = name_parts(name)
            if len(parts) >= 2:
                out.update((given, parts[-1]) for given in {parts[0], parts[-2]} if len(given) >= 2)
        return out

    @cached_property
    def surnames(self) -> set[str]:
        """A person's surnames as spelled (the last word of each spelling)."""
        return {name_parts(name)[-1] for name in self.names} if self.type == PERSON else set()

    @cached_property
    def weak(self) -> bool:
        """A name that links only with evidence: a person without a full name, or a single word."""
        if self.type == PERSON:
            return not self.full_names
        return all(len(name_parts(name)) == 1 for name in self.names)


def _written_as_acronym(written: str) -> bool:
    letters = "".join(ch for ch in written if ch.isalpha())
    return len(letters) >= 2 and letters.isupper()


class _Links:
    """The links made so far, with what the later rules ask of them."""

    def __init__(self, nodes: dict[Key, _Node]) -> None:
        self.nodes = nodes
        self.uf: UnionFind[Key] = UnionFind()
        for key in sorted(nodes):
            self.uf.find(key)

    def union_all(self, keys: Iterable[Key]) -> None:
        ordered = sorted(keys)
        for key in ordered[1:]:
            self.uf.union(ordered[0], key)

    def union_compatible(self, keys: Iterable[Key]) -> None:
        """Join the entities of one block whose types are compatible (each type with its like first)."""
        by_type: dict[str, list[Key]] = defaultdict(list)
        for key in sorted(keys):
            by_type[self.nodes[key].type].append(key)
        for members in by_type.values():
            self.union_all(members)
        for first, second in combinations(sorted(by_type), 2):
            if types_compatible(first, second):
                self.uf.union(by_type[first][0], by_type[second][0])


# ---- fuzzy blocks ------------------------------------------------------------------------------


def _deletions(word: str, depth: int) -> set[str]:
    """``word`` and every string made by deleting up to ``depth`` of its characters."""
    keys, frontier = {word}, {word}
    for _ in range(depth):
        frontier = {text[:i] + text[i + 1 :] for text in frontier for i in range(len(text))}
        keys |= frontier
    return keys


class _Near:
    """Words within a few edits of each other, found through a shared deletion key (no all-pairs).

    Two words within ``k`` edits share a string that ``k`` deletions from each reach, so a word is
    indexed under its deletions up to ``depth(word)``.
    """

    def __init__(self, words: Iterable[str], depth: Callable[[str], int]) -> None:
        self.depth = depth
        self.index: dict[str, set[str]] = defaultdict(set)
        for word in set(words):
            for key in _deletions(word, depth(word)):
                self.index[key].add(word)

    def near(self, word: str) -> set[str]:
        found: set[str] = set()
        for key in _deletions(word, self.depth(word)):
            found |= self.index.get(key, set())
        return found


def _surname_depth(word: str) -> int:
    """The edits ``surname_match`` allows a transliteration (capped at 2: longer names rarely need 3)."""
    return 0 if len(word) < 4 else min(2, max(1, len(word) // 4))


def _name_depth(name: str) -> int:
    """The edits the near-identical spelling rule allows a name of this length (capped at 1)."""
    return 1 if len(name) >= 6 else 0


# ---- strong links: people ----------------------------------------------------------------------


def _link_people(links: _Links) -> None:
    """Full names of people whose surnames match and whose first names are compatible."""
    by_surname: dict[str, dict[str, set[Key]]] = defaultdict(lambda: defaultdict(set))
    for key, node in links.nodes.items():
        for first, last in node.full_names:
            by_surname[last][first].add(key)
    near = _Near(by_surname, _surname_depth)
    for last in sorted(by_surname):
        for other in sorted(near.near(last)):
            if other >= last and surname_match(last, other):
                _link_first_names(links, by_surname[last], by_surname[other])


def _link_first_names(links: _Links, firsts: dict[str, set[Key]], others: dict[str, set[Key]]) -> None:
    """Join the people of two surnames whose first names are compatible (the same initial, by blocks)."""
    by_initial: dict[str, list[str]] = defaultdict(list)
    for first in others:
        by_initial[first[0]].append(first)
    for first, keys in sorted(firsts.items()):
        for other in by_initial.get(first[0], []):
            if first_name_compatible(first, other):
                links.union_all(keys | others[other])


# ---- strong links: other names, and the weak pairs they leave ------------------------------------


@dataclass(frozen=True)
class _Spelling:
    """One folded spelling of a name that is not a person's, with its type."""

    name: str
    type: str
    upper: bool

    @cached_property
    def parts(self) -> list[str]:
        return name_parts(self.name)

    @cached_property
    def core(self) -> list[str]:
        return _core(self.parts, self.type)


def _same_spelling(first: _Spelling, second: _Spelling) -> bool:
    """The story-level "same other" rule between two spellings."""
    parts = {"a": first.parts, "b": second.parts}
    return _same_other(
        "a", "b", parts, {"a": first.upper, "b": second.upper}, {"a": first.type, "b": second.type}
    )


@dataclass
class _Spellings:
    """Every spelling of the names that are not people's, and the story entities that carry each."""

    keys: dict[_Spelling, set[Key]] = field(default_factory=lambda: defaultdict(set))

    @classmethod
    def of(cls, nodes: Mapping[Key, _Node]) -> _Spellings:
        out = cls()
        for key, node in nodes.items():
            if node.type != PERSON:
                for name, upper in node.names.items():
                    out.keys[_Spelling(name, node.type, upper)].add(key)
        return out

    def blocks(self, key_of: Callable[[_Spelling], Iterable[str]]) -> dict[str, list[_Spelling]]:
        found: dict[str, list[_Spelling]] = defaultdict(list)
        for spelling in sorted(self.keys, key=_spelling_order):
            for block in key_of(spelling):
                found[block].append(spelling)
        return found


def _spelling_order(spelling: _Spelling) -> tuple[str, str, bool]:
    return (spelling.name, spelling.type, spelling.upper)


def _link_others(links: _Links) -> _WeakSpellings:
    """Strong links between names that are not people's; returns the weak matches, which need evidence."""
    spellings = _Spellings.of(links.nodes)
    for block in spellings.blocks(_exact_keys).values():
        links.union_compatible(key for spelling in block for key in spellings.keys[spelling])
    weak = _WeakSpellings(spellings)
    for first, second in sorted(_fuzzy_pairs(spellings), key=lambda pair: tuple(map(_spelling_order, pair))):
        if not types_compatible(first.type, second.type) or not _same_spelling(first, second):
            continue
        if len(first.parts) >= 2 and len(second.parts) >= 2:
            links.union_all([*spellings.keys[first], *spellings.keys[second]])
            continue
        for short, long in [(first, second), (second, first)]:
            if len(short.parts) == 1:
                weak.targets[short].add(long)
    for short, long in _tail_pairs(spellings):
        weak.targets[short].add(long)
    return weak


@dataclass
class _WeakSpellings:
    """Weak matches of spellings: a single word (or a team's last words) -> the longer names it may be."""

    spellings: _Spellings
    targets: dict[_Spelling, set[_Spelling]] = field(default_factory=lambda: defaultdict(set))


def _tail_pairs(spellings: _Spellings) -> list[tuple[_Spelling, _Spelling]]:
    """Organisations named by the last words of a longer name (a team without its city: "Red Sox")."""
    bodies = [spelling for spelling in sorted(spellings.keys, key=_spelling_order) if spelling.type == "ORG"]
    tails: dict[str, list[_Spelling]] = defaultdict(list)
    for spelling in bodies:
        for start in range(1, len(spelling.parts)):
            tails[" ".join(spelling.parts[start:])].append(spelling)
    return [(spelling, long) for spelling in bodies for long in tails.get(" ".join(spelling.parts), [])]


def _exact_keys(spelling: _Spelling) -> list[str]:
    """The same name without its legal-form or kind-of-place words, or the same words in another order."""
    return ["core:" + " ".join(spelling.core), "words:" + " ".join(sorted(spelling.parts))]


def _fuzzy_pairs(spellings: _Spellings) -> set[tuple[_Spelling, _Spelling]]:
    """Candidate pairs for the fuzzy "same other" rules: near-identical, initials, acronyms."""
    pairs: set[tuple[_Spelling, _Spelling]] = set()
    near = _Near((" ".join(spelling.core) for spelling in spellings.keys), _name_depth)
    by_core = spellings.blocks(lambda spelling: [" ".join(spelling.core)])
    for spelling in spellings.keys:
        core = " ".join(spelling.core)
        for other in near.near(core) - {core}:
            pairs.update(_pair(spelling, found) for found in by_core[other] if found != spelling)
    by_letters = spellings.blocks(_initials)
    for spelling in spellings.keys:
        for letters in _expansions(spelling):
            pairs.update(_pair(spelling, found) for found in by_letters.get(letters, []) if found != spelling)
    return pairs


def _pair(first: _Spelling, second: _Spelling) -> tuple[_Spelling, _Spelling]:
    ordered = sorted([first, second], key=_spelling_order)
    return ordered[0], ordered[1]


def _initials(spelling: _Spelling) -> list[str]:
    """The first letters of a name of two or more words (what an acronym or initials spell)."""
    words = [word for word in spelling.parts if word not in _STOP]
    if len(words) < 2:
        return []
    short_kept = "".join(word if len(word) <= 2 else word[0] for word in words)
    return sorted(
        {"".join(word[0] for word in words), short_kept, "".join(word[0] for word in spelling.core)}
    )


def _expansions(spelling: _Spelling) -> set[str]:
    """What the name's letters spell when a short word of it stands for a run of words ("ny times": nyt),
    and a single acronym itself."""
    if len(spelling.parts) == 1:
        return {spelling.name} if spelling.upper and len(spelling.name) >= 2 else set()
    core = spelling.core
    short = [i for i, word in enumerate(core) if 2 <= len(word) <= 4][:_MAX_EXPANDED]
    out = set()
    for count in range(1, len(short) + 1):
        for chosen in combinations(short, count):
            out.add("".join(word if i in chosen else word[0] for i, word in enumerate(core)))
    return out


# ---- weak links: evidence ----------------------------------------------------------------------


def _link_weak(links: _Links, weak_bodies: _WeakSpellings) -> None:
    """Weak names join what the evidence of their stories supports, never two full names at once."""
    evidence = _Evidence(links)
    anchors = _Anchors(links)
    proposals = set(_weak_people(links, evidence)) | set(_weak_bodies(links, evidence, weak_bodies))
    for first, second in sorted(proposals):
        anchors.union(first, second)


def _weak_bodies(links: _Links, evidence: _Evidence, weak: _WeakSpellings) -> list[tuple[Key, Key]]:
    """A weak name of a body or place joins the one entity it fits (none when two fit), with evidence."""
    keys = weak.spellings.keys
    out: list[tuple[Key, Key]] = []
    for short, longs in sorted(weak.targets.items(), key=lambda item: _spelling_order(item[0])):
        by_root: dict[Key, list[Key]] = defaultdict(list)
        for member in sorted(key for long in longs for key in keys[long]):
            by_root[links.uf.find(member)].append(member)
        for key in sorted(keys[short]):
            fitting = _other_roots(by_root, key, links.uf.find(key))
            others = (
                [other for other in by_root[fitting[0]] if other[0] != key[0]] if len(fitting) == 1 else []
            )
            if found := evidence.first(key, others):
                out.append((key, found))
    return out


def _other_roots(by_root: dict[Key, list[Key]], key: Key, own_root: Key) -> list[Key]:
    """The roots (at most two: one is an answer, two are ambiguous) with a member in another story."""
    found: list[Key] = []
    for root, members in by_root.items():  # any order: the answer is one root, or none
        if root != own_root and any(member[0] != key[0] for member in members):
            found.append(root)
            if len(found) == 2:
                break
    return found


@dataclass
class _Evidence:
    """Co-occurring entities that the strong links joined across stories, and shared roles."""

    links: _Links
    by_story: dict[str, set[Key]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        roots: dict[str, set[Key]] = defaultdict(set)
        for key in self.links.nodes:
            roots[key[0]].add(self.links.uf.find(key))
        self.by_story = dict(roots)

    def first(self, key: Key, candidates: Iterable[Key]) -> Key | None:
        """The first of the candidates (of another entity than ``key``'s) that the evidence supports."""
        root = self.links.uf.find(key)
        found = (
            other for other in candidates if self.links.uf.find(other) != root and self.holds(key, other)
        )
        return next(found, None)

    def holds(self, first: Key, second: Key) -> bool:
        """A shared role of the two entities, or another entity of each story joined across the two."""
        if first[0] == second[0]:
            return False
        if self.links.nodes[first].roles & self.links.nodes[second].roles:
            return True
        shared = self.by_story[first[0]] & self.by_story[second[0]]
        return bool(shared - {self.links.uf.find(first), self.links.uf.find(second)})


class _Anchors:
    """Joins that refuse to put two people of different full names into one (a chain of weak links)."""

    def __init__(self, links: _Links) -> None:
        self.links = links
        self.strong: dict[Key, set[Key]] = {}
        for key, node in links.nodes.items():
            root = links.uf.find(key)
            if node.type == PERSON and not node.weak:
                self.strong.setdefault(root, set()).add(root)

    def union(self, first: Key, second: Key) -> bool:
        uf = self.links.uf
        first_root, second_root = uf.find(first), uf.find(second)
        held = self.strong.get(first_root, set()), self.strong.get(second_root, set())
        if first_root == second_root or (held[0] and held[1] and held[0] != held[1]):
            return False
        uf.union(first_root, second_root)
        self.strong[uf.find(first_root)] = held[0] | held[1]
        return True


class _Surnames:
    """People by surname: which story entities a surname alone may name (transliterations included)."""

    def __init__(self, nodes: Mapping[Key, _Node]) -> None:
        self.by_surname: dict[str, set[Key]] = defaultdict(set)
        for key, node in nodes.items():
            for surname in node.surnames:
                self.by_surname[surname].add(key)
        self.near = _Near(self.by_surname, _surname_depth)
        self._fitting: dict[str, dict[Key, float]] = {}

    def fitting(self, surname: str) -> dict[Key, float]:
        """Every person one of whose surnames matches ``surname``, with the best ``surname_match``."""
        if surname not in self._fitting:  # many weak names share a surname: look each up once
            found: dict[Key, float] = {}
            for name in self.near.near(surname):
                score = surname_match(surname, name)
                for other in self.by_surname[name] if score else ():
                    found[other] = max(found.get(other, 0.0), score)
            self._fitting[surname] = found
        return dict(self._fitting[surname])


def _weak_people(links: _Links, evidence: _Evidence) -> list[tuple[Key, Key]]:
    """Pairs (a person's weak name, another person) the evidence supports, unambiguous ones only."""
    nodes, surnames = links.nodes, _Surnames(links.nodes)
    out: list[tuple[Key, Key]] = []
    for key in sorted(k for k, node in nodes.items() if node.type == PERSON and node.parts and node.weak):
        found = surnames.fitting(nodes[key].parts[-1])
        found.pop(key, None)
        own = {
            (other, score) for other, score in found.items() if other[0] == key[0] and not nodes[other].weak
        }
        if own:  # its own story has full names it may be: only the one cross-story entity of them all
            out.extend((key, other) for other in _one_strong(links, key, own))
        else:
            out.extend(
                _supported(links, evidence, key, {item for item in found.items() if item[0][0] != key[0]})
            )
    return out


def _one_strong(links: _Links, key: Key, candidates: set[tuple[Key, float]]) -> list[Key]:
    """The candidates in the one strong entity whose surname fits best (exact before transliterations)
    and whose given name fits a weak name's initial; none when two different strong entities fit."""
    node = links.nodes[key]
    initial = node.parts[0] if len(node.parts) >= 2 else None
    scores: dict[Key, float] = {}
    for other, score in candidates:
        target = links.nodes[other]
        if initial is None or any(
            first_name_compatible(initial, given) for given, _surname in target.full_names
        ):
            root = links.uf.find(other)
            scores[root] = max(scores.get(root, 0.0), score)
    best = max(scores.values(), default=0.0)
    fitting = [root for root, score in scores.items() if score == best]
    if len(fitting) != 1:
        return []
    return sorted(other for other, _score in candidates if links.uf.find(other) == fitting[0])


def _supported(
    links: _Links, evidence: _Evidence, key: Key, candidates: set[tuple[Key, float]]
) -> list[tuple[Key, Key]]:
    """What a weak person name may join: each weak entity of the candidates that the evidence supports, and
    the one strong entity that fits it, when the evidence supports it (one member of each is enough)."""
    weak: dict[Key, list[Key]] = defaultdict(list)
    for other, _score in sorted(candidates):
        if links.nodes[other].weak:
            weak[links.uf.find(other)].append(other)
    strong = _one_strong(links, key, {item for item in candidates if not links.nodes[item[0]].weak})
    found = [evidence.first(key, members) for members in [*weak.values(), strong]]
    return [(key, other) for other in found if other is not None]


# ---- the cross-story entities ------------------------------------------------------------------


def _build(nodes: Mapping[Key, _Node], uf: UnionFind[Key]) -> list[CrossEntity]:
    groups = uf.groups(sorted(nodes))
    named = [(members, _name(nodes, members), _type(nodes, members)) for members in groups]
    taken: Counter[tuple[str, str]] = Counter()
    # the biggest of the cross-story entities that share a type and name keeps the plain id
    out = []
    for members, name, etype in sorted(named, key=lambda item: (-len(item[0]), item[0][0])):
        plain = (etype, norm_name(name))
        eid = "g-" + (short_hash(*plain) if not taken[plain] else short_hash(*plain, *members[0]))
        taken[plain] += 1
        variants = sorted({variant for key in members for variant in nodes[key].entity.variants})
        stories = sorted({key[0] for key in members})
        out.append(CrossEntity(eid, name, etype, variants, stories, list(members)))
    return sorted(out, key=lambda entity: entity.id)


def _name(nodes: Mapping[Key, _Node], members: Sequence[Key]) -> str:
    """The most common name of the members, full names (two or more words) first."""
    counts = Counter(nodes[key].entity.name for key in members)
    return min(counts, key=lambda name: (len(name_parts(norm_name(name))) < 2, -counts[name], name))


def _type(nodes: Mapping[Key, _Node], members: Sequence[Key]) -> str:
    return _node_type(Counter(nodes[key].type for key in members))
