"""Helpers of the clustering tests: seed and synthetic reports, two batches of five events, in-memory
runs to compare the store's against, and B-cubed F1 on benchmark labels."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import faiss
import numpy as np
import pytest

from conftest import BENCH, SEEDS
from storydesk.cluster import DEFAULT, Clusterer, Params, features_of
from storydesk.cluster.state import ClusterTables
from storydesk.embed import MODEL_ID
from storydesk.models import Article

_DATE_LINE = re.compile(r"^\s*date\s+(\d{4}-\d\d-\d\d)\s*")


def seed_articles() -> list[Article]:
    """The five seeds as clean articles (ids are file stems; no source; 001 and 003 have no date line);
    skips the test when they are not beside this checkout."""
    if not SEEDS.is_dir():
        pytest.skip("seeds not beside this checkout")
    out = []
    for path in sorted(Path(SEEDS).glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        m = _DATE_LINE.match(text)
        out.append(
            Article(
                id=path.stem,
                text=text[m.end() :] if m else text,
                source="",
                published=m.group(1) if m else None,
                content_hash=path.stem,
            )
        )
    return out


def report(aid: str, text: str, published: str | None, source: str = "Outlet", title: str | None = None):
    return Article(id=aid, text=text, source=source, title=title, published=published, content_hash=aid)


QUAKE = (
    "A magnitude {m} earthquake struck {place} on {day}, killing at least {dead} people and injuring "
    "dozens, officials said. Rescue teams searched collapsed buildings in {town} through the night. "
    "The quake was felt across the region and {agency} recorded several aftershocks."
)


def quake(aid, m, place, day, dead, town, agency, published, source="Outlet"):
    return report(
        aid, QUAKE.format(m=m, place=place, day=day, dead=dead, town=town, agency=agency), published, source
    )


def two_batches() -> tuple[list[Article], list[Article]]:
    """Reports of five events in two batches: the second joins two old stories, opens one, holds a copy
    of an old report and leaves one story alone."""
    aceh = ("Aceh province", "Tuesday", "Bener Meriah", "the USGS")
    papua = ("West Papua", "Sunday", "Manokwari", "the BMKG")
    chile = ("northern Chile", "Friday", "Iquique", "the CSN")
    wire = (
        "The central bank raised its main interest rate by half a point to 4.5 percent on Thursday, its "
        "third increase this year, saying inflation remained far above its target."
    )
    first = [
        quake("a1", "6.1", *aceh[:2], 5, *aceh[2:], "2025-12-02"),
        quake("a2", "6.2", *aceh[:2], 9, *aceh[2:], "2025-12-02", "Other"),
        quake("p1", "7.6", *papua[:2], 4, *papua[2:], "2025-12-14"),
        report("b1", wire, "2025-12-04", "Wire"),
        report(
            "v1",
            "Voters in Iceland chose a new parliament on Saturday; the Independence Party "
            "lost seats in Reykjavik and the count ended after midnight.",
            "2025-12-06",
        ),
    ]
    second = [
        quake("a3", "6.1", *aceh[:2], 24, *aceh[2:], "2025-12-03", "Third"),
        quake("p2", "7.5", *papua[:2], 6, *papua[2:], "2025-12-15", "Other"),
        quake("c1", "8.2", *chile[:2], 6, *chile[2:], "2025-12-28"),
        quake("c2", "8.1", *chile[:2], 7, *chile[2:], "2025-12-29", "Other"),
        report("b2", wire + " Markets fell after the news.", "2025-12-05", "Paper"),
    ]
    return first, second


def in_memory(store, batches: list[list[Article]], params: Params = DEFAULT) -> Clusterer:
    """The same batches placed by one in-memory Clusterer, with the vectors and copies the store used."""
    cl = Clusterer(params)
    for batch in batches:
        feats = features_of(batch, params=params)
        got = store.load_embeddings(MODEL_ID, [f.id for f in feats])
        vecs = np.stack([np.frombuffer(got[f.id][1], dtype=np.float32) for f in feats])
        copies = {a.id: c for a in batch if (c := ClusterTables(store).copy_of(a.id))}
        cl.place_batch(feats, vecs, copies)
    return cl


def stories_of(cl: Clusterer) -> list[tuple[str, list[str]]]:
    return sorted((cl.ids[s], sorted(m)) for s, m in enumerate(cl.members) if m)


def assert_same_state(a: Clusterer, b: Clusterer) -> None:
    n = len(a.ids)
    assert a.ids == b.ids and a.members == b.members and a.story_of == b.story_of
    assert np.array_equal(a.dense[:n], b.dense[:n])
    assert a.spans == b.spans
    assert a.postings == b.postings and a.n_docs == b.n_docs and np.array_equal(a.df, b.df)
    assert a.row_story == b.row_story and a.row_article == b.row_article and a.rows == b.rows
    # the same HNSW graph, not only the same vectors: later searches find the same neighbours
    assert bytes(faiss.serialize_index(a.index)) == bytes(faiss.serialize_index(b.index))


@lru_cache(maxsize=1)
def ecb_test() -> tuple[list[Article], dict[str, str]]:
    recs = [json.loads(x) for x in (BENCH / "ecbplus" / "articles.jsonl").open()]
    gold = {
        r["id"]: r["cluster"] for r in map(json.loads, (BENCH / "ecbplus" / "gold_clusters.jsonl").open())
    }
    arts = [
        Article(id=r["id"], text=r["text"], source=r["source"] or "", title=r["title"])
        for r in recs
        if r["split"] == "test"
    ]
    return arts, gold


def bcubed_f1(pred: list[list[str]], gold: dict[str, str]) -> float:
    from collections import Counter

    of = {i: n for n, c in enumerate(pred) for i in c}
    pair, sp, sg = Counter((of[i], gold[i]) for i in of), Counter(of.values()), Counter(gold[i] for i in of)
    p = sum(pair[(of[i], gold[i])] / sp[of[i]] for i in of) / len(of)
    r = sum(pair[(of[i], gold[i])] / sg[gold[i]] for i in of) / len(of)
    return 2 * p * r / (p + r)
