"""ECB+ entities across stories: B-cubed of storydesk.reconcile.across over all gold named mentions at once.

Run: .venv/bin/python bench/entities_across_ecb.py [--split test|dev|train] [--fresh] [--scale N...]

One split's article records (test: topics 36-45, all at once, without topic labels) go through the
product's path: ``api.ingest`` of a JSON-lines file of the records, ``api.analyze``, ``api.cluster``,
then ``api.dossier`` of every story. Each story's ``entities`` (StoryEntity) feed ``link_entities`` in
one call, over all the stories together. Which system mention belongs to which story entity is read
from the story-level resolution that built the dossier (``resolve_entities`` over the stored
analyses; its ids are the dossier's), with offsets moved from the stored, cleaned text back into the
record's text. A record that ingest skipped as a duplicate takes its original's mentions.

Scored on the validated gold entity mentions of the split, as one pool (gold chains as they are in the
data, across topics): a gold mention takes the cross-story entity of the system mention overlapping it
most; an unmatched gold mention is a singleton. Baselines on the same stories and mentions: (a) no
linking across stories (each story entity its own cross entity); (b) one cross entity per folded
canonical name (and type).

``--scale 10000 100000`` times ``link_entities`` alone on made-up corpora of that many stories.

The product run is cached in /tmp/storydesk-bench-cache/ecb-across-<split>-<key>.json (the key hashes
the records and the analysis, clustering and reconciliation versions); ``--fresh`` rebuilds it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from claims_ecb import OffsetMap  # noqa: E402
from cluster_common import BENCH, CACHE, read_jsonl  # noqa: E402
from reconcile_entities_ecb import bcubed  # noqa: E402

from storydesk.models import EntityRole, StoryEntity, from_json, to_json  # noqa: E402
from storydesk.reconcile.across import link_entities  # noqa: E402
from storydesk.reconcile.entities import norm_name  # noqa: E402

ECB = BENCH / "ecbplus"
SPLITS = ("test", "dev", "train")

Span = tuple[str, int, int]  # (article id, start, end) in the record's text
Linker = Callable[[Mapping[str, Sequence[StoryEntity]]], dict[tuple[str, str], str]]


# ---- data --------------------------------------------------------------------------------------


def records(split: str) -> list[dict]:
    """The article records of one split, in file order."""
    return [record for record in read_jsonl(ECB / "articles.jsonl") if record["split"] == split]


def gold_mentions(split: str) -> list[dict]:
    """The validated gold named mentions of the split's articles (offsets into the records' text)."""
    ids = {record["id"] for record in records(split)}
    return [row for row in read_jsonl(ECB / "gold_entities.jsonl") if row["id"] in ids and row["validated"]]


# ---- the product path ------------------------------------------------------------------------


@dataclass
class StoryDump:
    """What the bench keeps of one story: its dossier's entities and the system mentions of each."""

    id: str
    entities: list[StoryEntity]
    mentions: list[tuple[str, int, int, str]]  # (article, start, end in the record's text, entity id)

    def entity_ids(self) -> set[str]:
        return {entity.id for entity in self.entities}


@dataclass
class Run:
    """One split through the product, as cached."""

    split: str
    stories: list[StoryDump]
    seconds: dict[str, float] = field(default_factory=dict)
    unknown_entities: int = 0  # mentions whose story-level entity is not in the dossier (should be 0)
    cached: bool = False


def run_key(recs: Sequence[dict]) -> str:
    """A cache key of the records and of the versions of what turns them into dossiers."""
    from storydesk import reconcile
    from storydesk.analyze import ANALYSIS_VERSION
    from storydesk.cluster import params

    digest = hashlib.sha1(json.dumps(list(recs), sort_keys=True).encode())
    digest.update(f"{ANALYSIS_VERSION}|{reconcile.VERSION}|{params.DEFAULT!r}".encode())
    return digest.hexdigest()[:16]


def product_run(split: str, fresh: bool = False) -> Run:
    """The split's stories through the product, read from the cache file when it matches the inputs."""
    recs = records(split)
    path = CACHE / f"ecb-across-{split}-{run_key(recs)}.json"
    if path.exists() and not fresh:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Run(
            split, [_story_of(story) for story in data["stories"]], data["seconds"], data["unknown"], True
        )
    run = _run_product(split, recs, path.with_suffix(".db"))
    payload = {"stories": [to_json(story) for story in run.stories], "seconds": run.seconds}
    payload["unknown"] = run.unknown_entities
    CACHE.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload), encoding="utf-8")
    return run


def _story_of(data: dict) -> StoryDump:
    entities = [from_json(StoryEntity, item) for item in data["entities"]]
    return StoryDump(data["id"], entities, [tuple(mention) for mention in data["mentions"]])  # type: ignore[misc]


def _run_product(split: str, recs: list[dict], db: Path) -> Run:
    """ingest, analyze, cluster and one dossier a story, on a new database ``db``."""
    from storydesk import api

    db.unlink(missing_ok=True)
    source = db.with_suffix(".jsonl")
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(
        "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in recs), encoding="utf-8"
    )
    seconds: dict[str, float] = {}
    with api.open_store(db) as store:
        started = time.perf_counter()
        report = api.ingest([str(source)], store, progress=False)
        api.analyze(store, progress=False)
        seconds["ingest+analyze"] = time.perf_counter() - started
        started = time.perf_counter()
        stories = api.cluster(store, progress=False)
        seconds["cluster"] = time.perf_counter() - started
        started = time.perf_counter()
        dossiers = {story.id: api.dossier(store, story.id) for story in stories}
        seconds["dossiers"] = time.perf_counter() - started
        copies = _copies_of(report.duplicates)
        record_text = {record["id"]: record["text"] for record in recs}
        dumps = [_dump(store, story, dossiers[story.id].entities, record_text, copies) for story in stories]
    unknown = sum(1 for dump in dumps for mention in dump.mentions if mention[3] not in dump.entity_ids())
    return Run(split, dumps, seconds, unknown)


def _copies_of(duplicates: Mapping[str, str]) -> dict[str, list[str]]:
    """stored article -> the record ids ingest skipped as its duplicates."""
    copies: dict[str, list[str]] = defaultdict(list)
    for copy, original in sorted(duplicates.items()):
        copies[original].append(copy)
    return copies


def _dump(store, story, entities: list[StoryEntity], record_text: dict[str, str], copies: dict) -> StoryDump:
    """The story's entities, and its system mentions in record offsets (duplicates take the original's)."""
    from storydesk.reconcile.common import Context
    from storydesk.reconcile.entities import resolve_entities

    articles = list(store.iter_articles(sorted(story.article_ids)))
    ctx = Context(articles, {article.id: store.load_analysis(article.id) for article in articles})
    maps = {article.id: _offset_maps(article, record_text, copies) for article in articles}
    mentions = [
        (target, offsets.start(start), offsets.end(end), entity_id)
        for (aid, start, end), entity_id in sorted(resolve_entities(ctx).of_mention.items())
        for target, offsets in maps[aid]
    ]
    return StoryDump(story.id, entities, mentions)


def _offset_maps(article, record_text: dict[str, str], copies: dict) -> list[tuple[str, OffsetMap]]:
    """(record id, offsets from the stored text into that record's text): the article's own record and
    the records ingest skipped as its duplicates."""
    targets = [article.id, *copies.get(article.id, [])]
    return [
        (target, OffsetMap(article.text, record_text[target])) for target in targets if target in record_text
    ]


# ---- linkers -----------------------------------------------------------------------------------


def no_linking(stories: Mapping[str, Sequence[StoryEntity]]) -> dict[tuple[str, str], str]:
    """Baseline (a): each story entity is a cross-story entity of its own."""
    return {(sid, item.id): f"{sid}/{item.id}" for sid, entities in stories.items() for item in entities}


def same_name(stories: Mapping[str, Sequence[StoryEntity]]) -> dict[tuple[str, str], str]:
    """Baseline (b): one cross-story entity per type and folded canonical name."""
    return {
        (sid, item.id): f"{item.type}/{norm_name(item.name)}"
        for sid, entities in stories.items()
        for item in entities
    }


LINKERS: dict[str, Linker] = {
    "storydesk (link_entities)": link_entities,
    "(a) no linking across stories": no_linking,
    "(b) same folded canonical name": same_name,
}


def system_mentions(run: Run, linker: Linker) -> tuple[dict[Span, str], float]:
    """Each system mention's cross-story entity under ``linker``, and the seconds the linker took."""
    started = time.perf_counter()
    links = linker({story.id: story.entities for story in run.stories})
    seconds = time.perf_counter() - started
    out = {
        (aid, start, end): links[(story.id, entity_id)]
        for story in run.stories
        for aid, start, end, entity_id in story.mentions
        if (story.id, entity_id) in links
    }
    return out, seconds


# ---- scale -------------------------------------------------------------------------------------


def synthetic_stories(count: int, seed: int = 0) -> dict[str, list[StoryEntity]]:
    """``count`` made-up stories of 12 entities each (people, some by surname alone; bodies, some by
    acronym; places), names drawn from pools that grow with ``count`` so that blocks stay realistic."""
    rng = random.Random(seed)
    syllables = [
        consonant + vowel for consonant in "bdfgklmnprstvz" for vowel in "aeiou"
    ]  # 70: names rarely collide by chance

    def word(parts: int) -> str:
        return "".join(rng.choice(syllables) for _ in range(parts)).capitalize()

    surnames = [word(3) for _ in range(max(200, count // 5))]
    given = [word(2) for _ in range(400)]
    bodies = [
        f"{word(2)} {word(3)} {rng.choice(['Council', 'Bank', 'Party'])}"
        for _ in range(max(100, count // 10))
    ]
    places = [word(3) for _ in range(max(100, count // 20))]
    roles = [f"{word(2).lower()} minister" for _ in range(60)]
    stories: dict[str, list[StoryEntity]] = {}
    for number in range(count):
        entities = []
        for i in range(5):
            full = f"{rng.choice(given)} {rng.choice(surnames)}"
            name = full.split()[-1] if rng.random() < 0.3 else full
            entities.append(StoryEntity(f"p{i}", name, "PERSON", [name], ["a"], 1, _roles(rng, roles)))
        for i in range(4):
            body = rng.choice(bodies)
            name = "".join(word[0] for word in body.split()) if rng.random() < 0.3 else body
            entities.append(StoryEntity(f"o{i}", name, "ORG", [name], ["a"], 1))
        entities += [StoryEntity(f"l{i}", rng.choice(places), "GPE", [], ["a"], 1) for i in range(3)]
        stories[f"s{number}"] = entities
    return stories


def _roles(rng: random.Random, roles: list[str]) -> list[EntityRole]:
    return [EntityRole(rng.choice(roles), ["a"])] if rng.random() < 0.3 else []


def scale(counts: Sequence[int]) -> None:
    """Seconds of ``link_entities`` on made-up corpora of ``counts`` stories, and the peak memory."""
    import resource

    for count in counts:
        stories = synthetic_stories(count)
        started = time.perf_counter()
        links = link_entities(stories)
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{count:>7} stories, {len(links):>8} story entities -> {len(set(links.values())):>7} cross "
            f"entities: {seconds:6.1f}s (process peak so far {peak:.0f} MiB, the made-up stories included)"
        )


# ---- report ------------------------------------------------------------------------------------


def evaluate(split: str, fresh: bool = False) -> None:
    started = time.perf_counter()
    run = product_run(split, fresh)
    loaded = time.perf_counter() - started
    gold = gold_mentions(split)
    entities = sum(len(story.entities) for story in run.stories)
    print(
        f"ECB+ {split}: {len(records(split))} records, {len(run.stories)} stories (storydesk's clustering), "
        f"{entities} story entities, {len(gold)} validated gold named mentions, "
        f"{len({row['chain'] for row in gold})} gold chains (all topics at once)"
    )
    for name, linker in LINKERS.items():
        system, seconds = system_mentions(run, linker)
        precision, recall, f1 = bcubed(gold, system)
        groups = len(set(system.values()))
        scores = f"B3 P={precision:.3f} R={recall:.3f} F1={f1:.3f}"
        print(f"{name:32s} {scores}  ({groups} cross entities, {seconds:.3f}s)")
    product = ", ".join(f"{k} {v:.1f}s" for k, v in run.seconds.items())
    source = "read from the cache" if run.cached else "run now"
    print(
        f"product run ({source}; {loaded:.1f}s to load): {product}; unknown entity ids {run.unknown_entities}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="test", choices=SPLITS, help="test reports, train/dev tune")
    ap.add_argument("--fresh", action="store_true", help="run the product again (ignore the cached run)")
    ap.add_argument("--scale", type=int, nargs="*", help="time link_entities on made-up corpora of N stories")
    args = ap.parse_args()
    if args.scale:
        scale(args.scale)
        return
    evaluate(args.split, args.fresh)


if __name__ == "__main__":
    main()
