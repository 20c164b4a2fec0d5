"""Conflicts, disputed and corroborated claims as a reader judges them: precision by kind on ECB+ train/dev
and AllSides.

Run: .venv/bin/python bench/conflicts_judged.py [--corpus ecb-train ecb-dev allsides] [--unlabelled FILE]
                                                [--show-wrong] [--dump FILE] [--jobs N] [--code DIR]
     .venv/bin/python bench/conflicts_judged.py --add-labels FILE   (FILE: an --unlabelled file, filled in)

Corpora, each through the product path (``api.ingest`` of a JSON-lines file of records, ``api.analyze``,
``api.cluster``), with every story's dossier built fresh (``reconcile.build_dossier``) so code changes show:

- ``ecb-train``, ``ecb-dev``: the ECB+ articles of that split (``ecbplus/articles.jsonl``), on the databases
  that ``claims_ecb.py`` keeps (/tmp/storydesk-bench-cache/ecb-claims-<split>.db: ingest and analysis
  re-used).
- ``allsides``: the AllSides story pages (``neus/allsides_stories.jsonl``) whose story id is EVEN (253 of
  506; the odd half is left for a later check). One record a side: id ``as<story id>-<side>``, source the
  outlet's name, title, text the excerpt paragraphs joined by blank lines, published the story's date.
  Database: /tmp/storydesk-bench-cache/allsides-conflicts-even.db.

Every conflict (kind, subject, positions with value, articles, sources and evidence) and every disputed
claim (text, occurrences, and the denial conflicts that dispute it) is dumped to a JSONL (``--dump``), each
with a stable key: sha1 of its kind and its sorted, white-space-folded evidence sentences (for a disputed
claim: its occurrences' sentences and the contesting sentences; for a corroborated claim: its occurrences'
sentences, right when every one of them states the claim's fact), so a label survives a code change that
leaves the flagged item itself unchanged.

Labels are read from tests/reconcile/data/conflict_labels.jsonl (``{"key", "kind", "corpus", "right",
"why", "subject", "evidence"}``). The tables give, per corpus and kind: flagged, labelled, right,
precision over the labelled, and those not yet labelled; then the labels whose item is no longer
flagged (a right one gone is a lost finding, a wrong one gone a fix). ``--unlabelled FILE`` writes the
items still to read (JSONL, one item a line, ``"right": null, "why": ""`` to fill in; ``similar_labels``
are the labels of the same kind sharing a sentence with it, usually the same conflict reshaped by a code
change); ``--add-labels FILE`` then appends the rows of that file whose ``right`` is filled in.
``--show-wrong`` prints the flagged items labelled wrong, grouped by reason.

Sentence vectors are kept by text in /tmp/storydesk-bench-cache/conflicts-vectors-<model>.npz (a text's
vector does not depend on its batch), so a re-run spends its time on the reconciliation itself.

``--code DIR`` measures another checkout's storydesk (e.g. ``git archive HEAD storydesk | tar -x -C DIR``)
on databases of its own under /tmp/storydesk-bench-cache/conflicts-<DIR name>/ (its analysis version may
differ from this tree's: sharing a database would re-analyse it back and forth).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cluster_common import BENCH, CACHE, read_jsonl  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "tests" / "reconcile" / "data" / "conflict_labels.jsonl"
CORPORA = ("ecb-train", "ecb-dev", "allsides")
KINDS = ("number", "date", "role", "entity", "denial", "quote")
DISPUTED = "disputed"  # the kind of a disputed-claim item
CORROBORATED = "corroborated"  # the kind of a corroborated-claim item: right when every occurrence says it
CLAIM_KINDS = (DISPUTED, CORROBORATED)
DUMP = Path("/tmp/storydesk-conflicts-judged.jsonl")


# ---- corpora ----------------------------------------------------------------------------------


def records(corpus: str) -> list[dict]:
    """The article records of one corpus, in a fixed order."""
    if corpus.startswith("ecb-"):
        split = corpus[4:]
        return [r for r in read_jsonl(BENCH / "ecbplus" / "articles.jsonl") if r["split"] == split]
    if corpus == "allsides":
        out = []
        for story in read_jsonl(BENCH / "neus" / "allsides_stories.jsonl"):
            if story["id"] % 2:
                continue  # the even half is this dev set
            for side, n in sorted(story["news"].items()):
                out.append(
                    {
                        "id": f"as{story['id']}-{side}",
                        "source": n.get("newsSource") or None,
                        "title": n.get("newsTitle") or None,
                        "url": n.get("newsLink") or None,
                        "text": "\n\n".join(p.strip() for p in n.get("newBody") or [] if p.strip()),
                        "published": story["date"],
                    }
                )
        return out
    raise SystemExit(f"unknown corpus {corpus!r}")


def db_of(corpus: str, db_dir: Path) -> Path:
    if corpus.startswith("ecb-"):
        return db_dir / f"ecb-claims-{corpus[4:]}.db"  # shared with claims_ecb.py
    return db_dir / "allsides-conflicts-even.db"


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def use_code(code: Path | None) -> Path:
    """Import storydesk from ``code`` (a checkout holding ``storydesk/``) instead of this tree."""
    if code is not None:
        if not (code / "storydesk" / "__init__.py").is_file():
            raise SystemExit(f"{code} holds no storydesk/ package")
        sys.path.insert(0, str(code.resolve()))
    import storydesk

    return Path(storydesk.__file__).resolve().parent.parent


def prepare(corpus: str, db: Path, progress: bool = False) -> tuple[list[str], dict[str, float]]:
    """Ingest, analyse and cluster the corpus on ``db`` (re-using what is stored); the story ids."""
    from storydesk import api

    recs = records(corpus)
    db.parent.mkdir(parents=True, exist_ok=True)
    src = db.with_suffix(".jsonl")
    _write_if_changed(src, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs))
    secs = {}
    with api.open_store(db) as store:
        t = time.perf_counter()
        api.ingest([str(src)], store, progress=progress)
        secs["ingest"] = time.perf_counter() - t
        t = time.perf_counter()
        secs["analysed"] = api.analyze(store, progress=progress)
        secs["analyze"] = time.perf_counter() - t
        t = time.perf_counter()
        stories = api.cluster(store, progress=progress)
        secs["cluster"] = time.perf_counter() - t
    return [s.id for s in stories], secs


class VectorCache:
    """Sentence embeddings kept on disk by text, so a re-run encodes only sentences it has not seen.

    Wraps ``storydesk.embed._encode_all``: a text's vector does not depend on the batch it is encoded
    in (checked: equal to the bit), so the dossiers are the ones the product builds. ``--no-vector-cache``
    turns it off.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.vecs: dict[str, np.ndarray] = {}
        self.new: dict[str, np.ndarray] = {}
        if path is not None and path.exists():
            with np.load(path) as z:
                self.vecs = dict(zip(z["keys"].tolist(), z["vecs"], strict=True))

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]

    def install(self) -> None:
        if self.path is None:
            return
        from storydesk import embed

        real = embed._encode_all

        def cached(texts, batch_size):
            keys = [self._key(t) for t in texts]
            todo = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in self.vecs))
            if todo:
                for t, v in zip(todo, real(todo, batch_size), strict=True):
                    self.vecs[self._key(t)] = self.new[self._key(t)] = v
            if not texts:
                return real(texts, batch_size)
            return np.stack([self.vecs[k] for k in keys])

        embed._encode_all = cached

    def add(self, new: dict[str, np.ndarray]) -> None:
        self.vecs.update(new)
        self.new.update(new)

    def save(self) -> None:
        if self.path is None or not self.new:
            return
        keys = list(self.vecs)
        tmp = self.path.with_name(self.path.name + ".tmp.npz")
        np.savez(tmp, keys=np.array(keys), vecs=np.stack([self.vecs[k] for k in keys]).astype(np.float32))
        tmp.replace(self.path)
        self.new = {}


_VECTORS = VectorCache(None)


def _build(db: Path, story_ids: list[str]) -> tuple[list[dict], dict[str, np.ndarray]]:
    """The stories' dossiers, and the sentence vectors encoded for them that the cache lacked."""
    from storydesk import api
    from storydesk.reconcile import build_dossier

    _VECTORS.new = {}
    with api.open_store(db) as store:
        out = [build_dossier(store, store.get_story(sid)).to_json() for sid in story_ids]
    return out, _VECTORS.new


def _build_job(args: tuple[str, list[str]]) -> tuple[list[dict], dict[str, np.ndarray]]:
    return _build(Path(args[0]), args[1])


def dossiers(db: Path, story_ids: list[str], jobs: int = 1) -> list[dict]:
    """Every story's dossier, built now (never the cached one), in story order."""
    if jobs <= 1 or len(story_ids) < 2:
        out, new = _build(db, story_ids)
        _VECTORS.add(new)
        return out
    from concurrent.futures import ProcessPoolExecutor

    chunks = [story_ids[i::jobs] for i in range(jobs)]
    with ProcessPoolExecutor(jobs) as ex:  # forked: the workers share the cache read so far
        parts = list(ex.map(_build_job, [(str(db), c) for c in chunks]))
    by_id = {}
    for ds, new in parts:
        _VECTORS.add(new)
        by_id.update((d["story"]["id"], d) for d in ds)
    return [by_id[s] for s in story_ids]


# ---- items ------------------------------------------------------------------------------------


def fold(text: str) -> str:
    return " ".join(text.split())


def item_key(kind: str, evidence: Iterable[str]) -> str:
    """sha1 of the kind and the sorted, folded evidence sentences: stable while the item is unchanged."""
    sents = sorted({fold(e) for e in evidence})
    return hashlib.sha1("\n".join([kind, *sents]).encode("utf-8")).hexdigest()


def _sources(d: dict) -> dict[str, str]:
    return {a["id"]: a["source"] for a in d["articles"]}


def items_of(corpus: str, d: dict) -> list[dict]:
    """The dossier's conflicts, disputed claims and corroborated claims as items to judge."""
    src = _sources(d)
    story = {"id": d["story"]["id"], "title": d["story"]["title"], "articles": d["story"]["article_count"]}
    out = []
    for c in d["conflicts"]:
        evidence = [e for p in c["positions"] for e in p.get("evidence", [])]
        out.append(
            {
                "key": item_key(c["kind"], evidence),
                "kind": c["kind"],
                "corpus": corpus,
                "story": story,
                "id": c["id"],
                "subject": c["subject"],
                "positions": [
                    {
                        "value": p["value"],
                        "articles": p["articles"],
                        "sources": sorted({src.get(a, a) for a in p["articles"]}),
                        "evidence": p.get("evidence", []),
                    }
                    for p in c["positions"]
                ],
            }
        )
    denials = [c for c in d["conflicts"] if c["kind"] == "denial"]
    for cl in d["claims"]:
        if cl["status"] == CORROBORATED:
            out.append(_corroborated_item(corpus, story, cl, src))
        if cl["status"] != DISPUTED:
            continue
        texts = {fold(o["text"]) for o in cl["occurrences"]}
        by = [
            c
            for c in denials
            if texts
            & {
                fold(e)
                for p in c["positions"]
                if p["value"].startswith("asserted")
                for e in p.get("evidence", [])
            }
        ]
        contested = [
            e
            for c in by
            for p in c["positions"]
            if p["value"].startswith("contested")
            for e in p.get("evidence", [])
        ]
        out.append(
            {
                "key": item_key(DISPUTED, [o["text"] for o in cl["occurrences"]] + contested),
                "kind": DISPUTED,
                "corpus": corpus,
                "story": story,
                "id": cl["id"],
                "subject": cl["text"],
                "occurrences": _occurrences(cl, src),
                "disputed_by": [
                    {"id": c["id"], "subject": c["subject"], "positions": c["positions"]} for c in by
                ],
            }
        )
    return out


def _occurrences(cl: dict, src: dict[str, str]) -> list[dict]:
    return [
        {"article": o["article"], "source": src.get(o["article"], o["article"]), "text": o["text"]}
        for o in cl["occurrences"]
    ]


def _corroborated_item(corpus: str, story: dict, cl: dict, src: dict[str, str]) -> dict:
    """A corroborated claim to judge: do all its occurrences state the same fact?"""
    return {
        "key": item_key(CORROBORATED, [o["text"] for o in cl["occurrences"]]),
        "kind": CORROBORATED,
        "corpus": corpus,
        "story": story,
        "id": cl["id"],
        "subject": cl["text"],
        "occurrences": _occurrences(cl, src),
        "disputed_by": [],
    }


def evidence_of(item: dict) -> list[str]:
    """The item's sentences as a reader meets them (first of each position; the claim, then its counters)."""
    if item["kind"] in CLAIM_KINDS:
        ev = [o["text"] for o in item["occurrences"]]
        ev += [
            e
            for c in item["disputed_by"]
            for p in c["positions"]
            if p["value"].startswith("contested")
            for e in p.get("evidence", [])
        ]
    else:
        ev = [p["evidence"][0] for p in item["positions"] if p.get("evidence")]
    return list(dict.fromkeys(ev))


# ---- labels and tables ------------------------------------------------------------------------


def read_labels(path: Path = LABELS) -> dict[str, dict]:
    if not path.exists():
        return {}
    return {r["key"]: r for r in read_jsonl(path)}


def table(
    title: str, items: list[dict], labels: dict[str, dict], kinds: Iterable[str], corpora: Iterable[str]
) -> None:
    print(f"\n{title}")
    print(
        f"  {'corpus':<10} {'kind':<9} {'flagged':>7} {'labelled':>8} {'right':>6} "
        f"{'precision':>9} {'todo':>5}"
    )
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    corpora = list(corpora)
    ecb = [c for c in corpora if c.startswith("ecb-")]
    if len(ecb) > 1:  # ECB+ train and dev together, after them
        corpora.insert(corpora.index(ecb[-1]) + 1, "ecb")
    for it in items:
        for corpus in {it["corpus"], "ecb" if it["corpus"].startswith("ecb-") else it["corpus"]}:
            groups[(corpus, it["kind"])].append(it)
            groups[(corpus, "all")].append(it)
    for corpus in corpora:
        for kind in (*kinds, "all"):
            g = groups.get((corpus, kind), [])
            if not g and kind != "all":
                continue
            lab = [labels[it["key"]] for it in g if it["key"] in labels]
            right = sum(1 for lab_ in lab if lab_["right"])
            p = f"{right / len(lab):.3f}" if lab else "-"
            print(
                f"  {corpus:<10} {kind:<9} {len(g):>7} {len(lab):>8} {right:>6} {p:>9} {len(g) - len(lab):>5}"
            )


def stale(items: list[dict], labels: dict[str, dict], corpora: Iterable[str]) -> None:
    """Labels of the corpora run whose item is no longer flagged."""
    flagged = {it["key"] for it in items}
    gone = [r for r in labels.values() if r["corpus"] in set(corpora) and r["key"] not in flagged]
    if not gone:
        print("\nlabelled items no longer flagged: none")
        return
    c = Counter((r["corpus"], r["kind"], r["right"]) for r in gone)
    print("\nlabelled items no longer flagged (right ones gone: findings lost; wrong ones gone: fixed):")
    for corpus, kind in sorted({(k[0], k[1]) for k in c}):
        print(
            f"  {corpus:<10} {kind:<9} right gone {c[(corpus, kind, True)]:>4}   "
            f"wrong gone {c[(corpus, kind, False)]:>4}"
        )


def category(why: str) -> str:
    """A label's reason up to its first colon ("different quantities: a season's vs one game's")."""
    return why.split(":", 1)[0].strip() if ":" in why else why


def show_wrong(items: list[dict], labels: dict[str, dict], examples: int = 3) -> None:
    """The flagged items labelled wrong, by the reason's category, most frequent first."""
    by_cat: dict[str, list[dict]] = defaultdict(list)
    for it in items:
        lab = labels.get(it["key"])
        if lab and not lab["right"]:
            by_cat[category(lab["why"])].append(it)
    n = sum(len(v) for v in by_cat.values())
    print(f"\nflagged items labelled wrong: {n}, by reason")
    for cat, its in sorted(by_cat.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        kinds = Counter(it["kind"] for it in its)
        print(f"\n  [{len(its)}] {cat}  ({', '.join(f'{k} {v}' for k, v in kinds.most_common())})")
        for it in its[:examples]:
            print(f"    {it['corpus']} {it['kind']} {it['subject'][:80]!r}: {labels[it['key']]['why']}")
            for e in evidence_of(it)[:3]:
                print(f"      - {fold(e)[:200]}")


def all_evidence(item: dict) -> set[str]:
    """Every sentence of the item, folded."""
    if item["kind"] in CLAIM_KINDS:
        ev = [o["text"] for o in item["occurrences"]]
        ev += [e for c in item["disputed_by"] for p in c["positions"] for e in p.get("evidence", [])]
    else:
        ev = [e for p in item["positions"] for e in p.get("evidence", [])]
    return {fold(e) for e in ev}


def stub(item: dict, labels: dict[str, dict]) -> dict:
    """An unlabelled item for reading: the label fields first, to fill in; then labels of the same kind
    that share a sentence with it (a conflict reshaped by a code change: often the same verdict); then
    the item itself."""
    own = all_evidence(item)
    like = [
        {"right": r["right"], "why": r["why"], "key": r["key"]}
        for r in labels.values()
        if r["kind"] == item["kind"] and own & {fold(e) for e in r["evidence"]}
    ]
    return {
        "key": item["key"],
        "kind": item["kind"],
        "corpus": item["corpus"],
        "right": None,
        "why": "",
        "subject": item["subject"],
        "evidence": evidence_of(item),
        "similar_labels": like,
        "item": item,
    }


FIELDS = ("key", "kind", "corpus", "right", "why", "subject", "evidence")


def add_labels(filled: Path, path: Path = LABELS) -> None:
    """Append the rows of a filled-in ``--unlabelled`` file whose ``right`` is set (true or false)."""
    labels = read_labels(path)
    new = []
    for r in read_jsonl(filled):
        if r.get("right") is None or r["key"] in labels:
            continue
        if not isinstance(r["right"], bool) or not str(r.get("why", "")).strip():
            raise SystemExit(f"{r['key']}: right must be true or false, and why must say why")
        new.append({k: r[k] for k in FIELDS})
        labels[r["key"]] = new[-1]
    with path.open("a", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in new)
    print(f"{len(new)} labels added to {path} ({len(labels)} in all)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", nargs="+", choices=CORPORA, default=list(CORPORA))
    ap.add_argument("--labels", type=Path, default=LABELS)
    ap.add_argument("--dump", type=Path, default=DUMP, help=f"every flagged item, JSONL (default {DUMP})")
    ap.add_argument(
        "--unlabelled", type=Path, metavar="FILE", help="write the flagged items not yet labelled"
    )
    ap.add_argument(
        "--add-labels",
        type=Path,
        metavar="FILE",
        help="append the filled-in rows (right set) of an --unlabelled FILE to the labels, and stop",
    )
    ap.add_argument(
        "--show-wrong", action="store_true", help="print the flagged items labelled wrong, by reason"
    )
    ap.add_argument(
        "--jobs", type=int, default=1, help="processes building dossiers (the machine has 2 cores)"
    )
    ap.add_argument("--code", type=Path, help="a checkout whose storydesk/ to measure instead of this tree's")
    ap.add_argument(
        "--db-dir",
        type=Path,
        help=f"where the databases are kept (default {CACHE}, or conflicts-<name>/ in it with --code)",
    )
    ap.add_argument(
        "--no-vector-cache",
        action="store_true",
        help=f"encode every sentence (default: re-use the vectors kept in {CACHE})",
    )
    ap.add_argument("--progress", action="store_true")
    args = ap.parse_args()
    if args.add_labels:
        add_labels(args.add_labels, args.labels)
        return
    t_all = time.perf_counter()
    code = use_code(args.code)
    db_dir = args.db_dir or (CACHE / f"conflicts-{args.code.resolve().name}" if args.code else CACHE)
    from storydesk.reconcile import VERSION

    print(f"storydesk from {code} ({VERSION}); databases in {db_dir}")
    global _VECTORS
    from storydesk.embed import MODEL_ID

    db_dir.mkdir(parents=True, exist_ok=True)
    CACHE.mkdir(parents=True, exist_ok=True)  # vectors by text: shared by every checkout measured
    _VECTORS = VectorCache(None if args.no_vector_cache else CACHE / f"conflicts-vectors-{MODEL_ID}.npz")
    _VECTORS.install()

    items: list[dict] = []
    for corpus in args.corpus:
        db = db_of(corpus, db_dir)
        t = time.perf_counter()
        story_ids, secs = prepare(corpus, db, args.progress)
        t_prep = time.perf_counter() - t
        t = time.perf_counter()
        ds = dossiers(db, story_ids, args.jobs)
        t_dos = time.perf_counter() - t
        _VECTORS.save()
        seen: set[str] = set()
        n_dup = 0
        for d in ds:
            for it in items_of(corpus, d):
                if it["key"] in seen:
                    n_dup += 1  # the same kind and sentences flagged twice (e.g. by two paths): judged once
                    continue
                seen.add(it["key"])
                items.append(it)
        n_art = sum(d["story"]["article_count"] for d in ds)
        print(
            f"{corpus}: {n_art} articles, {len(ds)} stories "
            f"({sum(1 for d in ds if d['story']['article_count'] > 1)} with 2+ articles); "
            f"{len(seen)} items ({n_dup} duplicates dropped); "
            f"prepare {t_prep:.1f}s (analysed now {secs['analysed']}), dossiers {t_dos:.1f}s"
        )

    args.dump.write_text("".join(json.dumps(it, ensure_ascii=False) + "\n" for it in items), encoding="utf-8")
    labels = read_labels(args.labels)
    conflicts = [it for it in items if it["kind"] not in CLAIM_KINDS]
    disputed = [it for it in items if it["kind"] == DISPUTED]
    corroborated = [it for it in items if it["kind"] == CORROBORATED]
    table("conflicts (precision over the labelled)", conflicts, labels, KINDS, args.corpus)
    table("disputed claims", disputed, labels, (DISPUTED,), args.corpus)
    table(
        "corroborated claims (right: every occurrence states it)",
        corroborated,
        labels,
        (CORROBORATED,),
        args.corpus,
    )
    stale(items, labels, args.corpus)
    if args.show_wrong:
        show_wrong(items, labels)
    todo = [stub(it, labels) for it in items if it["key"] not in labels]
    if args.unlabelled:
        args.unlabelled.write_text(
            "".join(json.dumps(s, ensure_ascii=False) + "\n" for s in todo), encoding="utf-8"
        )
        print(f"\n{len(todo)} unlabelled items written to {args.unlabelled}")
    print(
        f"\nall items: {args.dump}; labels: {args.labels} ({len(labels)}); "
        f"total {time.perf_counter() - t_all:.1f}s"
    )


if __name__ == "__main__":
    main()
