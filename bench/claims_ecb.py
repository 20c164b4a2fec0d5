"""ECB+ cross-document claim alignment through the product: do a story's claims join one event's sentences?

Run: .venv/bin/python bench/claims_ecb.py [--split train|dev|both] [--show N] [--fresh-dossiers]

Each split's articles (``articles.jsonl``) go through the product path as one corpus, without topic labels:
``api.ingest`` of a JSON-lines file of the records, ``api.analyze``, ``api.cluster``, then ``api.dossier``
for every story. The database is kept in /tmp/storydesk-bench-cache/ecb-claims-<split>.db, so a re-run
re-uses ingest, analysis and clustering (delete it to re-measure those); dossiers are read back while
their input hash (which holds ``reconcile.VERSION``) matches, or rebuilt with ``--fresh-dossiers``.

Scored on ``gold_events.jsonl`` (train and dev topics): each claim occurrence takes the gold sentence of
its article that it overlaps most (offsets mapped from the stored, cleaned text back to the record's
text). A join is a pair of occurrences of one claim in two different articles; it is right when the two
sentences share a gold event chain. Precision is over the joins whose two sentences are both annotated
(a validated sentence without a cross-document event counts: joining it is wrong); recall is the share
of gold pairs (sentences of different articles sharing a chain) that some join makes.

Baselines on the same annotated sentences, given the gold topics: every pair of annotated sentences of
different articles in one topic, joined when their MiniLM (or TF-IDF) cosine reaches a threshold chosen
on train (most recall at precision >= 0.85), then applied unchanged to dev.
"""

from __future__ import annotations

import argparse
import bisect
import copy
import difflib
import json
import random
import re
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cluster_common import BENCH, CACHE, cached_vectors, read_jsonl  # noqa: E402

from storydesk import api  # noqa: E402

ECB = BENCH / "ecbplus"
SPLITS = ("train", "dev")
TARGET_P = 0.85  # the baselines' thresholds: most recall on train at this precision

Sent = tuple[str, int]  # (article id, gold sentence number)


# ---- data --------------------------------------------------------------------------------------


def records(split: str) -> list[dict]:
    """The article records of one split, in file order."""
    return [r for r in read_jsonl(ECB / "articles.jsonl") if r["split"] == split]


def gold_rows(split: str) -> list[dict]:
    """The gold event rows (one a mention; chain null for an annotated sentence without a cross-doc event)."""
    return [r for r in read_jsonl(ECB / "gold_events.jsonl") if r["split"] == split]


@dataclass
class Gold:
    """The annotated sentences of some articles and the pairs of them that report the same event."""

    spans: dict[str, list[tuple[int, int, int]]]  # article -> [(start, end, sentence)]
    chains: dict[Sent, set[str]]  # annotated sentence -> its non-null chains (maybe none)
    text: dict[Sent, str]
    topic: dict[str, int]
    mentions: dict[tuple[Sent, str], str]  # (sentence, chain) -> the event words
    reporting: set[str]  # chains of reporting events ("said", "told"): ACTION_REPORTING, NEG_ACTION_REPORTING
    pairs: set[tuple[Sent, Sent]]  # sorted pairs of sentences in different articles sharing a chain

    def sentence_of(self, article: str, start: int, end: int) -> Sent | None:
        """The annotated sentence of ``article`` that [start, end) overlaps most (None: no annotated one)."""
        best, most = None, 0
        for s, e, n in self.spans.get(article, ()):
            overlap = min(e, end) - max(s, start)
            if overlap > most:
                best, most = (article, n), overlap
        return best

    def right(self, a: Sent, b: Sent) -> bool:
        return bool(self.chains[a] & self.chains[b])


def gold_of(rows: Iterable[dict]) -> Gold:
    spans: dict[str, set[tuple[int, int, int]]] = defaultdict(set)
    chains: dict[Sent, set[str]] = defaultdict(set)
    text: dict[Sent, str] = {}
    topic: dict[str, int] = {}
    mentions: dict[tuple[Sent, str], str] = {}
    reporting: set[str] = set()
    for r in rows:
        key = (r["doc"], r["sentence"])
        spans[r["doc"]].add((r["start"], r["end"], r["sentence"]))
        chains[key]  # noqa: B018 - an annotated sentence, with or without a chain
        text[key] = r["text"]
        topic[r["doc"]] = r["topic"]
        if r["chain"]:
            chains[key].add(r["chain"])
            mentions.setdefault((key, r["chain"]), r["mention"])
            if (r.get("tag") or "").endswith("REPORTING"):
                reporting.add(r["chain"])
    by_chain: dict[str, list[Sent]] = defaultdict(list)
    for key, cs in chains.items():
        for c in cs:
            by_chain[c].append(key)
    pairs = {
        (a, b) for members in by_chain.values() for a in members for b in members if a[0] != b[0] and a < b
    }
    return Gold(
        {d: sorted(s) for d, s in spans.items()}, dict(chains), text, topic, mentions, reporting, pairs
    )


# ---- the product path ------------------------------------------------------------------------


@dataclass
class Run:
    """One split through ingest, analysis, clustering and reconciliation."""

    split: str
    records: list[dict]
    dossiers: list[dict]  # as the product made them (offsets into the stored text)
    stored_text: dict[str, str]
    not_stored: dict[str, str] = field(default_factory=dict)  # record id -> why ingest left it out
    seconds: dict[str, float] = field(default_factory=dict)
    analysed: int = 0
    fresh: bool = False

    def in_record_offsets(self) -> list[dict]:
        """The dossiers with every claim occurrence's offsets moved into its record's ``text``."""
        return to_record_offsets(self.dossiers, self.stored_text, {r["id"]: r["text"] for r in self.records})


def product_run(split: str, db: Path, fresh_dossiers: bool = False, progress: bool = False) -> Run:
    """Run the split's records through the product's entry points on the database ``db`` (kept)."""
    recs = records(split)
    db.parent.mkdir(parents=True, exist_ok=True)
    src = db.with_suffix(".jsonl")
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    secs: dict[str, float] = {}
    with api.open_store(db) as store:
        t = time.perf_counter()
        report = api.ingest([str(src)], store, progress=progress)
        secs["ingest"] = time.perf_counter() - t
        t = time.perf_counter()
        analysed = api.analyze(store, progress=progress)
        secs["analyze"] = time.perf_counter() - t
        t = time.perf_counter()
        stories = api.cluster(store, progress=progress)
        secs["cluster"] = time.perf_counter() - t
        t = time.perf_counter()
        if fresh_dossiers:
            from storydesk.reconcile import build_dossier

            dossiers = [build_dossier(store, s).to_json() for s in stories]
        else:
            dossiers = [api.dossier(store, s.id).to_json() for s in stories]
        secs["dossiers"] = time.perf_counter() - t
        stored = {a.id: a.text for a in store.iter_articles()}
    # the product must keep the records' ids: the gold is keyed by them
    ids = [r["id"] for r in recs]
    foreign = sorted(set(stored) - set(ids))
    if foreign:
        raise SystemExit(f"{split}: the store holds ids that are no record's id: {foreign[:5]}")
    not_stored = {}
    for rej in report.rejected:  # "<file>:<line>" on a JSON-lines input
        line = rej.path.rsplit(":", 1)[-1]
        if line.isdigit() and 0 < int(line) <= len(recs):
            not_stored[recs[int(line) - 1]["id"]] = rej.reason
    for dup, kept in report.duplicates.items():
        not_stored[dup] = f"same text as {kept}"
    for i in set(ids) - set(stored) - set(not_stored):
        not_stored[i] = "not stored (no reason reported)"
    return Run(split, recs, dossiers, stored, not_stored, secs, analysed, fresh_dossiers)


# ---- offsets: stored (cleaned) text -> record text ------------------------------------------


class OffsetMap:
    """Positions in a cleaned text mapped to the text it was cleaned from.

    Ingest drops whole lines (datelines, credits), folds and strips spaces and joins paragraphs with a
    blank line; so each cleaned paragraph is found in order in the original, white space aside, and its
    characters are paired one by one. Where that fails (a character was changed) the whole text is
    aligned by difflib instead (slow, exact).
    """

    def __init__(self, cleaned: str, original: str) -> None:
        self.same = cleaned == original
        if self.same:
            return
        pairs = self._by_paragraph(cleaned, original)
        if pairs is None:
            sm = difflib.SequenceMatcher(None, cleaned, original, autojunk=False)
            pairs = [(b.a + k, b.b + k) for b in sm.get_matching_blocks() for k in range(b.size)]
        self.cleaned = [c for c, _o in pairs]
        self.original = [o for _c, o in pairs]

    @staticmethod
    def _by_paragraph(cleaned: str, original: str) -> list[tuple[int, int]] | None:
        pairs: list[tuple[int, int]] = []
        cursor = 0
        for m in re.finditer(r"[^\n]+", cleaned):
            words = m.group().split()
            if not words:
                continue
            found = re.compile(r"\s+".join(map(re.escape, words))).search(original, cursor)
            if found is None:
                return None
            k = found.start()
            for i in range(m.start(), m.end()):
                if cleaned[i].isspace():
                    continue
                while original[k].isspace():
                    k += 1
                pairs.append((i, k))
                k += 1
            cursor = found.end()
        return pairs

    def start(self, p: int) -> int:
        """A start offset: its own character's, or that of the first paired character after it."""
        if self.same:
            return p
        i = bisect.bisect_left(self.cleaned, p)
        return self.original[i] if i < len(self.original) else (self.original[-1] + 1 if self.original else 0)

    def end(self, p: int) -> int:
        """An end offset (exclusive): just past the last paired character before it."""
        if self.same:
            return p
        i = bisect.bisect_left(self.cleaned, p) - 1
        return self.original[i] + 1 if i >= 0 else (self.original[0] if self.original else 0)


def to_record_offsets(
    dossiers: Sequence[dict], stored_text: dict[str, str], record_text: dict[str, str]
) -> list[dict]:
    """Copies of the dossiers whose claim occurrences carry offsets into the records' text."""
    maps: dict[str, OffsetMap] = {}
    out = []
    for d in dossiers:
        d = copy.deepcopy(d)
        for c in d["claims"]:
            for o in c["occurrences"]:
                aid = o["article"]
                if aid not in maps:
                    maps[aid] = OffsetMap(stored_text[aid], record_text[aid])
                m = maps[aid]
                o["start"], o["end"] = m.start(o["start"]), m.end(o["end"])
        out.append(d)
    return out


def offset_check(dossiers: Sequence[dict], record_text: dict[str, str]) -> tuple[int, int]:
    """(occurrences whose mapped span reads as their text up to white space, all occurrences)."""
    ok = n = 0
    for d in dossiers:
        for c in d["claims"]:
            for o in c["occurrences"]:
                n += 1
                ok += "".join(record_text[o["article"]][o["start"] : o["end"]].split()) == "".join(
                    o["text"].split()
                )
    return ok, n


# ---- scoring ---------------------------------------------------------------------------------


@dataclass
class Join:
    claim: str
    story: str
    a: dict  # occurrence
    b: dict
    sa: Sent | None  # its annotated sentence, if any
    sb: Sent | None
    right: bool | None  # None: a sentence is not annotated (not judged)

    @property
    def pair(self) -> tuple[Sent, Sent] | None:
        return tuple(sorted((self.sa, self.sb))) if self.sa and self.sb else None


def joins(dossiers: Iterable[dict], gold: Gold) -> list[Join]:
    """Every pair of occurrences of one claim in two different articles, judged against the gold."""
    out = []
    for d in dossiers:
        for c in d["claims"]:
            occ = [(o, gold.sentence_of(o["article"], o["start"], o["end"])) for o in c["occurrences"]]
            for i, (oa, sa) in enumerate(occ):
                for ob, sb in occ[i + 1 :]:
                    if oa["article"] == ob["article"]:
                        continue
                    right = gold.right(sa, sb) if sa and sb else None
                    out.append(Join(c["id"], d["story"]["id"], oa, ob, sa, sb, right))
    return out


def prf(right: int, judged: int, found: int, n_gold: int) -> tuple[float, float, float]:
    p = right / judged if judged else 0.0
    r = found / n_gold if n_gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def score_alignment(dossiers: Iterable[dict], gold_rows: Iterable[dict]) -> tuple[float, float, float, int]:
    """(precision, recall, F1, joins) of the dossiers' claims against gold event rows.

    Claim occurrences' offsets must be into the gold's text (see ``to_record_offsets``). Precision is over
    the joins whose two sentences are both annotated; recall over the gold sentence pairs; ``joins``
    counts every cross-article pair of occurrences of one claim, judged or not.
    """
    gold = gold_of(gold_rows)
    js = joins(dossiers, gold)
    judged = [j for j in js if j.right is not None]
    found = {j.pair for j in judged if j.right} & gold.pairs
    return (*prf(sum(j.right for j in judged), len(judged), len(found), len(gold.pairs)), len(js))


# ---- baselines -------------------------------------------------------------------------------


@dataclass
class Candidates:
    """Every pair of annotated sentences in different articles of one gold topic, labelled."""

    sents: list[Sent]
    texts: list[str]
    i: np.ndarray
    j: np.ndarray
    label: np.ndarray
    n_gold: int


def candidates(gold: Gold) -> Candidates:
    sents = sorted(gold.chains)
    ii, jj = [], []
    for i, a in enumerate(sents):
        for j in range(i + 1, len(sents)):
            b = sents[j]
            if a[0] != b[0] and gold.topic[a[0]] == gold.topic[b[0]]:
                ii.append(i)
                jj.append(j)
    i, j = np.array(ii, dtype=int), np.array(jj, dtype=int)
    label = np.array([gold.right(sents[x], sents[y]) for x, y in zip(i, j, strict=True)], dtype=bool)
    if int(label.sum()) != len(gold.pairs):
        raise SystemExit("a gold pair crosses topics: the baselines' candidates would miss it")
    return Candidates(sents, [gold.text[s] for s in sents], i, j, label, len(gold.pairs))


def cosines(cand: Candidates, kind: str, name: str) -> np.ndarray:
    if kind == "minilm":
        v = cached_vectors(cand.texts, f"ecb-claims-{name}")
    else:
        from sklearn.feature_extraction.text import TfidfVectorizer

        v = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(cand.texts)
        v = v.toarray()  # rows are L2-normalised
    return np.einsum("ij,ij->i", v[cand.i], v[cand.j])


def at_threshold(scores: np.ndarray, cand: Candidates, t: float) -> tuple[tuple[float, float, float], int]:
    on = scores >= t
    right = int((on & cand.label).sum())
    return prf(right, int(on.sum()), right, cand.n_gold), int(on.sum())


def choose_threshold(scores: np.ndarray, cand: Candidates, target: float = TARGET_P) -> tuple[float, bool]:
    """The lowest threshold whose precision reaches ``target`` (most recall); else the best-F1 one."""
    order = np.argsort(-scores, kind="stable")
    s, lab = scores[order], cand.label[order]
    tp = np.cumsum(lab)
    k = np.arange(1, len(s) + 1)
    last = np.r_[s[1:] != s[:-1], True]  # cut only between different scores
    p, r = tp / k, tp / max(1, cand.n_gold)
    ok = last & (p >= target)
    if ok.any():
        return float(s[np.flatnonzero(ok)[-1]]), True
    f1 = np.where(p + r > 0, 2 * p * r / np.maximum(p + r, 1e-12), 0.0)
    return float(s[int(np.argmax(np.where(last, f1, -1)))]), False


# ---- report ----------------------------------------------------------------------------------


def line(name: str, scores: tuple[float, float, float], n: int, extra: str = "") -> str:
    p, r, f = scores
    return f"  {name:<34} P={p:.3f} R={r:.3f} F1={f:.3f}  joins={n:<6}{extra}"


def short(text: str, n: int = 220) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def why_missed(
    pair: tuple[Sent, Sent], run: Run, story_of: dict[str, str], claim_of: dict[Sent, set[str]]
) -> tuple[str, str]:
    """(cause, detail) of a gold pair no join makes, in pipeline order."""
    gone = [s[0] for s in pair if s[0] in run.not_stored]
    if gone:
        return "article not stored", ", ".join(f"{x}: {run.not_stored[x]}" for x in gone)
    if story_of.get(pair[0][0]) != story_of.get(pair[1][0]):
        return "articles in different stories", ""
    lost = [s for s in pair if s not in claim_of]
    if lost:
        return "a sentence in no claim", " and ".join(f"{s[0]}#{s[1]}" for s in lost)
    return "different claims of one story", ""


def report_split(
    run: Run, gold: Gold, baselines: dict[str, tuple[float, Candidates, np.ndarray]], show: int
) -> None:
    dossiers = run.in_record_offsets()
    js = joins(dossiers, gold)
    judged = [j for j in js if j.right is not None]
    found = {j.pair for j in judged if j.right} & gold.pairs
    scores = prf(sum(j.right for j in judged), len(judged), len(found), len(gold.pairs))
    print_counts(run, gold, dossiers)
    print(
        line(
            "storydesk claims",
            scores,
            len(js),
            f"judged={len(judged)} ({len({j.pair for j in judged})} sentence pairs), "
            f"gold pairs found={len(found)}",
        )
    )
    print_baselines(baselines, scores[0])
    print_seconds(run)
    story_of = {a["id"]: d["story"]["id"] for d in dossiers for a in d["articles"]}
    claim_of = claims_of_sentences(dossiers, gold)
    missed = sorted(gold.pairs - found)
    print_misses(run, gold, missed, found, story_of, claim_of)
    wrong = [j for j in judged if not j.right]
    print(
        f"  wrong joins: {len(wrong)}, of them "
        f"{sum(1 for j in wrong if not (gold.chains[j.sa] and gold.chains[j.sb]))} "
        f"touching a sentence without a cross-document event, "
        f"{sum(1 for j in wrong if gold.topic[j.sa[0]] != gold.topic[j.sb[0]])} across gold topics"
    )
    if show:
        print_samples(run, gold, wrong, missed, story_of, claim_of, show)


def print_counts(run: Run, gold: Gold, dossiers: list[dict]) -> None:
    """What went in and what came out: records, stored articles, gold pairs, stories and claims."""
    ok, n_occ = offset_check(dossiers, {r["id"]: r["text"] for r in run.records})
    claims = [c for d in dossiers for c in d["claims"]]
    multi = [c for c in claims if len({o["article"] for o in c["occurrences"]}) > 1]
    unreachable = sum(1 for a, b in gold.pairs if a[0] in run.not_stored or b[0] in run.not_stored)
    not_stored = ", ".join(f"{k} {v}" for k, v in sorted(run.not_stored.items())[:3])
    print(
        f"\n== {run.split}: {len(run.records)} records, {len(run.stored_text)} stored "
        f"({len(run.not_stored)} not: {not_stored}"
        f"{', …' if len(run.not_stored) > 3 else ''})"
    )
    print(
        f"  gold: {len(gold.spans)} annotated articles, {len(gold.chains)} sentences, "
        f"{len(gold.pairs)} pairs ({unreachable} with an article not stored)"
    )
    print(
        f"  product: {len(dossiers)} stories, {len(claims)} claims, {len(multi)} in two or more articles; "
        f"{ok}/{n_occ} occurrence offsets map back to the record text verbatim"
    )


def print_baselines(baselines: dict[str, tuple[float, Candidates, np.ndarray]], precision: float) -> None:
    """Each baseline at its threshold from train, then at storydesk's precision set on this very split."""
    for name, (t, cand, sc) in baselines.items():
        res, n = at_threshold(sc, cand, t)
        print(line(f"{name} >= {t:.3f}", res, n, f"(of {len(sc)} same-topic candidate pairs)"))
    for name, (_t, cand, sc) in baselines.items():
        t, reached = choose_threshold(sc, cand, precision)
        if reached:
            res, n = at_threshold(sc, cand, t)
            label = f"{name.split(' (')[0]} >= {t:.3f}"
            print(line(label, res, n, "(at storydesk's precision, set on this split)"))


def print_seconds(run: Run) -> None:
    s = run.seconds
    print(
        f"  time: ingest {s['ingest']:.1f}s, analyze {s['analyze']:.1f}s ({run.analysed} analysed now), "
        f"cluster {s['cluster']:.1f}s, dossiers {s['dossiers']:.1f}s "
        f"({'built fresh' if run.fresh else 'api.dossier, cached when inputs unchanged'})"
    )


def claims_of_sentences(dossiers: list[dict], gold: Gold) -> dict[Sent, set[str]]:
    """The claims each annotated sentence has an occurrence in."""
    claim_of: dict[Sent, set[str]] = defaultdict(set)
    for d in dossiers:
        for c in d["claims"]:
            for o in c["occurrences"]:
                sent = gold.sentence_of(o["article"], o["start"], o["end"])
                if sent:
                    claim_of[sent].add(c["id"])
    return claim_of


def print_misses(
    run: Run,
    gold: Gold,
    missed: list[tuple[Sent, Sent]],
    found: set[tuple[Sent, Sent]],
    story_of: dict[str, str],
    claim_of: dict[Sent, set[str]],
) -> None:
    """The missed gold pairs by cause, and recall without the pairs that share only "said"."""
    causes: dict[str, int] = defaultdict(int)
    for pair in missed:
        causes[why_missed(pair, run, story_of, claim_of)[0]] += 1
    print(
        "  missed gold pairs by cause: "
        + ", ".join(f"{k} {v}" for k, v in sorted(causes.items(), key=lambda kv: -kv[1]))
    )
    only_said = {pr for pr in gold.pairs if gold.chains[pr[0]] & gold.chains[pr[1]] <= gold.reporting}
    recall = len(found - only_said) / max(1, len(gold.pairs - only_said))
    print(
        f"  gold pairs sharing only a reporting event (said, told): {len(only_said)}, of them found "
        f"{len(only_said & found)}; recall without them {recall:.3f}"
    )


def print_samples(
    run: Run,
    gold: Gold,
    wrong: list[Join],
    missed: list[tuple[Sent, Sent]],
    story_of: dict[str, str],
    claim_of: dict[Sent, set[str]],
    show: int,
) -> None:
    """``show`` wrong joins and ``show`` missed gold pairs, sampled."""
    rng = random.Random(0)

    def tags(sent: Sent) -> str:
        cs = sorted(gold.chains[sent])
        return ", ".join(f"{gold.mentions[(sent, c)]!r}" for c in cs) or "no cross-doc event"

    print(f"\n  -- {min(show, len(wrong))} wrong joins of {len(wrong)} (sampled) --")
    for j in rng.sample(wrong, min(show, len(wrong))):
        print(f"  claim {j.claim} (story {j.story})")
        for occ, sent in ((j.a, j.sa), (j.b, j.sb)):
            print(f"    {occ['article']}#{sent[1]} [{tags(sent)}]: {short(gold.text[sent])}")
    print(f"\n  -- {min(show, len(missed))} missed gold pairs of {len(missed)} (sampled) --")
    for pair in rng.sample(missed, min(show, len(missed))):
        shared = sorted(gold.chains[pair[0]] & gold.chains[pair[1]])
        words = " / ".join(f"{gold.mentions[(pair[0], c)]!r}~{gold.mentions[(pair[1], c)]!r}" for c in shared)
        cause, detail = why_missed(pair, run, story_of, claim_of)
        print(f"  shared event {words}; {cause}{f' ({detail})' if detail else ''}")
        for sent in pair:
            print(f"    {sent[0]}#{sent[1]}: {short(gold.text[sent])}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=["train", "dev", "both"], default="both")
    ap.add_argument(
        "--show", type=int, default=0, metavar="N", help="print N wrong joins and N missed gold pairs"
    )
    ap.add_argument(
        "--fresh-dossiers",
        action="store_true",
        help="build every dossier now (build_dossier) instead of reading cached ones",
    )
    ap.add_argument("--db-dir", type=Path, default=CACHE, help="where ecb-claims-<split>.db is kept")
    ap.add_argument("--progress", action="store_true", help="show the product's progress bars")
    args = ap.parse_args()
    t_all = time.perf_counter()
    golds = {s: gold_of(gold_rows(s)) for s in SPLITS}

    # baselines: thresholds chosen on train, applied to each split
    t = time.perf_counter()
    cands = {s: candidates(golds[s]) for s in SPLITS}
    scores = {(k, s): cosines(cands[s], k, s) for k in ("minilm", "tfidf") for s in SPLITS}
    thresholds = {}
    for k in ("minilm", "tfidf"):
        thresholds[k], reached = choose_threshold(scores[(k, "train")], cands["train"])
        if not reached:
            print(f"note: {k} never reaches P>={TARGET_P} on train; its threshold is train's best F1")
    names = {"minilm": "MiniLM cosine", "tfidf": "TF-IDF cosine"}
    print(
        f"baselines: thresholds chosen on train for P>={TARGET_P} with most recall "
        f"(MiniLM {thresholds['minilm']:.3f}, TF-IDF {thresholds['tfidf']:.3f}), "
        f"{time.perf_counter() - t:.1f}s"
    )

    for split in SPLITS if args.split == "both" else (args.split,):
        run = product_run(split, args.db_dir / f"ecb-claims-{split}.db", args.fresh_dossiers, args.progress)
        base = {
            f"{names[k]}{' (in-sample)' if split == 'train' else ''}": (
                thresholds[k],
                cands[split],
                scores[(k, split)],
            )
            for k in ("minilm", "tfidf")
        }
        report_split(run, golds[split], base, args.show)
    print(f"\ntotal {time.perf_counter() - t_all:.1f}s")


if __name__ == "__main__":
    main()
