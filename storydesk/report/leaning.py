"""Report stage: coverage by leaning, from outlet ratings the user brings (none ship with storydesk).

The ratings are a CSV ``outlet,leaning`` read into ``outlet_leanings`` (migration ``0009_leanings``).
The leaning labels are the user's, kept as first written; they are shown in the order they first appear,
or from left to right when every label is one of the usual left / center / right scale.

An outlet is matched to the articles' ``source`` exactly, else case- and space-folded (``fold_ascii``).
A story's *split* counts its independent sources (copies left out) by leaning, the unrated apart. A
*blindspot* is a story with at least two independent sources, at least two of them rated, whose rated
sources all have one leaning (there are none when the ratings name fewer than two leanings).
Without ratings, ``load_ratings`` is None and nothing about leaning is shown anywhere.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..models import Story
from ..store import Store
from ..text import fold_ascii
from .templates import Link, render_page

MIN_SOURCES = 2  # a blindspot story has at least this many independent sources ...
MIN_RATED = 2  # ... and at least this many of them rated, all of one leaning
# The usual scale, left to right, as folded by ``_scale_key``; labels all on it are shown in this order.
SCALE = (
    *("far left", "left", "lean left", "center left"),
    *("center", "center right", "lean right", "right", "far right"),
)
BLINDSPOT_RULE = (
    f"at least {MIN_SOURCES} independent sources, at least {MIN_RATED} of them rated, "
    "all rated sources of one leaning"
)
FIX_CSV = "write a UTF-8 CSV with the header outlet,leaning and one outlet per line"


@dataclass(frozen=True)
class Rating:
    """One line of the ratings file."""

    outlet: str
    leaning: str


@dataclass
class Ratings:
    """The stored ratings: the leanings in display order, and each rated outlet's leaning."""

    leanings: list[str]
    by_outlet: dict[str, str]
    folded: dict[str, str] = field(default_factory=dict)  # fold_ascii(outlet) -> leaning

    def __post_init__(self) -> None:
        if not self.folded:
            self.folded = {fold_ascii(outlet): leaning for outlet, leaning in self.by_outlet.items()}

    def leaning_of(self, source: str) -> str | None:
        """The leaning of an article's ``source``: its exact name first, then folded; None if unrated."""
        exact = self.by_outlet.get(source)
        return exact if exact is not None else self.folded.get(fold_ascii(source))


@dataclass
class LeaningCount:
    leaning: str
    count: int
    sources: list[str]


@dataclass
class Split:
    """How one story's independent sources divide by leaning (every leaning listed, zeros too)."""

    story: str
    counts: list[LeaningCount]
    unrated: list[str]

    @property
    def rated(self) -> int:
        return sum(item.count for item in self.counts)

    def text(self) -> str:
        """The split on one line: ``left 2 · center 1 · right 0 · unrated 1``."""
        parts = [f"{item.leaning} {item.count}" for item in self.counts]
        return " · ".join(parts + ([f"unrated {len(self.unrated)}"] if self.unrated else []))


@dataclass
class Blindspot:
    """A story carried by one side only."""

    id: str
    title: str
    first_published: str | None
    last_published: str | None
    leaning: str  # the one leaning of its rated sources
    split: Split


@dataclass
class Blindspots:
    """The blindspot list, newest first, with the rule that made it."""

    rule: str
    leanings: list[str]
    stories: list[Blindspot]


@dataclass
class LoadedRatings:
    """What loading a ratings file did: outlets rated, leanings in order, outlets no article names."""

    outlets: int
    leanings: list[str]
    unmatched: list[str]


# ---- the CSV -----------------------------------------------------------------------------------


def read_ratings_file(path: str | Path) -> list[Rating]:
    """The ratings of a CSV file; InputError naming the file and the fix when it cannot be used."""
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"not UTF-8 text (byte {exc.start}); save it as UTF-8 CSV") from exc
    return parse_ratings(text, str(path))


def _column(header: list[str], name: str, origin: str) -> int:
    names = [cell.strip().lower() for cell in header]
    if name not in names:
        found = ",".join(cell.strip() for cell in header)[:80]
        raise InputError(origin, f"no {name!r} column in the header line ({found!r}); {FIX_CSV}")
    return names.index(name)


def parse_ratings(text: str, origin: str = "ratings") -> list[Rating]:
    """``outlet,leaning`` lines (the header names the columns, in any order; other columns are ignored)."""
    reader = csv.reader(io.StringIO(text))
    try:
        rows = [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise InputError(origin, f"not a CSV file ({exc}); {FIX_CSV}") from exc
    if not rows:
        raise InputError(origin, f"empty file; {FIX_CSV}")
    outlet_at, leaning_at = (_column(rows[0][1], name, origin) for name in ("outlet", "leaning"))
    ratings = [_rating(row, outlet_at, leaning_at, origin, number) for number, row in rows[1:]]
    if not ratings:
        raise InputError(origin, f"a header line but no outlet under it; {FIX_CSV}")
    return _without_repeats(ratings, origin)


def _rating(row: list[str], outlet_at: int, leaning_at: int, origin: str, number: int) -> Rating:
    cells = [row[at].strip() if at < len(row) else "" for at in (outlet_at, leaning_at)]
    if not all(cells):
        raise InputError(origin, f"line {number}: needs an outlet and a leaning ({','.join(row)[:80]!r})")
    return Rating(" ".join(cells[0].split()), " ".join(cells[1].split()))


def _without_repeats(ratings: list[Rating], origin: str) -> list[Rating]:
    """Each outlet once (folded); rated twice alike is kept once, rated twice differently is an error."""
    seen: dict[str, Rating] = {}
    for rating in ratings:
        earlier = seen.setdefault(fold_ascii(rating.outlet), rating)
        if _label_key(earlier.leaning) != _label_key(rating.leaning):
            both = f"{earlier.leaning!r} and {rating.leaning!r}"
            raise InputError(origin, f"{rating.outlet!r} is rated twice ({both}); keep one of the lines")
    return list(seen.values())


# ---- the order of the leanings -----------------------------------------------------------------


def _label_key(label: str) -> str:
    """Two spellings of one label (case, spaces) are one leaning."""
    return fold_ascii(label)


def _scale_key(label: str) -> str:
    return " ".join(_label_key(label).replace("-", " ").replace("_", " ").replace("centre", "center").split())


def leaning_order(labels: Iterable[str]) -> list[str]:
    """The leanings, each once as first written: left to right when all are on the usual scale, else in
    the order they first appear."""
    first: dict[str, str] = {}
    for label in labels:
        first.setdefault(_label_key(label), label)
    ordered = list(first.values())
    if all(_scale_key(label) in SCALE for label in ordered):
        ordered.sort(key=lambda label: SCALE.index(_scale_key(label)))
    return ordered


# ---- the store ---------------------------------------------------------------------------------


def save_ratings(store: Store, ratings: list[Rating]) -> LoadedRatings:
    """Replace the stored ratings with ``ratings``; say which outlets no stored article names."""
    leanings = leaning_order(rating.leaning for rating in ratings)
    ranked = {_label_key(label): (label, rank) for rank, label in enumerate(leanings)}
    rows = [(rating.outlet, *ranked[_label_key(rating.leaning)]) for rating in ratings]
    with store.writing() as conn:
        conn.execute("DELETE FROM outlet_leanings")
        conn.executemany("INSERT INTO outlet_leanings (outlet, leaning, position) VALUES (?, ?, ?)", rows)
    return LoadedRatings(len(ratings), leanings, unmatched_outlets(ratings, stored_sources(store)))


def clear_ratings(store: Store) -> int:
    """Remove every stored rating; return how many there were."""
    with store.writing() as conn:
        return conn.execute("DELETE FROM outlet_leanings").rowcount


def stored_sources(store: Store) -> list[str]:
    return [row[0] for row in store.conn.execute("SELECT DISTINCT source FROM articles ORDER BY source")]


def unmatched_outlets(ratings: list[Rating], sources: list[str]) -> list[str]:
    """The rated outlets that name no source, exactly or folded."""
    exact, folded = set(sources), {fold_ascii(source) for source in sources}
    return [
        rating.outlet
        for rating in ratings
        if rating.outlet not in exact and fold_ascii(rating.outlet) not in folded
    ]


def load_ratings(store: Store) -> Ratings | None:
    """The stored ratings, or None when there are none."""
    rows = store.conn.execute(
        "SELECT outlet, leaning FROM outlet_leanings ORDER BY position, outlet"
    ).fetchall()
    if not rows:
        return None
    return Ratings(list(dict.fromkeys(row[1] for row in rows)), {row[0]: row[1] for row in rows})


# ---- splits and blindspots ---------------------------------------------------------------------


def split_of(story: Story, ratings: Ratings) -> Split:
    """The story's independent sources by leaning (``story.sources`` leaves copies out)."""
    by_leaning: dict[str, list[str]] = {leaning: [] for leaning in ratings.leanings}
    unrated: list[str] = []
    for source in sorted(set(story.sources)):
        leaning = ratings.leaning_of(source)
        (by_leaning[leaning] if leaning in by_leaning else unrated).append(source)
    counts = [LeaningCount(leaning, len(sources), sources) for leaning, sources in by_leaning.items()]
    return Split(story.id, counts, unrated)


def one_side(split: Split) -> str | None:
    """The one leaning of a blindspot story's rated sources, or None when the story is no blindspot."""
    sides = [item.leaning for item in split.counts if item.count]
    enough = split.rated + len(split.unrated) >= MIN_SOURCES and split.rated >= MIN_RATED
    return sides[0] if enough and len(sides) == 1 and len(split.counts) >= 2 else None


def story_splits(stories: Iterable[Story], ratings: Ratings) -> dict[str, Split]:
    """story id -> its split."""
    return {story.id: split_of(story, ratings) for story in stories}


def _newest(story: Story) -> tuple[str, str]:
    return story.last_published or story.first_published or "", story.id


def blindspots(stories: Iterable[Story], ratings: Ratings) -> Blindspots:
    """The stories carried by one side only, newest first."""
    found = []
    for story in sorted(stories, key=_newest, reverse=True):
        split = split_of(story, ratings)
        side = one_side(split)
        if side is not None:
            found.append(
                Blindspot(story.id, story.title, story.first_published, story.last_published, side, split)
            )
    return Blindspots(BLINDSPOT_RULE, ratings.leanings, found)


# ---- the web page ------------------------------------------------------------------------------


def blindspots_page(found: Blindspots, story_href: Callable[[str], str], nav: list[Link]) -> str:
    return render_page("blindspots.html", nav=nav, found=found, story_href=story_href)
