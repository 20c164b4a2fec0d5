"""Bench: quote content and speaker accuracy of the analyze stage on PolNeAR (direct and indirect speech).

Gold: brat .ann files (Source/Cue/Content spans tied by E lines). Where an article has several annotators
we take ONE: the first annotator id in sorted order (deterministic). Direct = gold content starts with a
quotation mark; predicted direct = our kind "direct" plus our "partial" quotes that have a cue.
A gold attribution is found when the predictions overlapping it cover at least half of it (a quote split
around "he said" is one discontinuous gold span and may be two of ours); a prediction is right when it
overlaps at least half of a gold content span or lies at least half inside one. Speaker is right when
our speaker span overlaps the gold source span, or our resolved name shares its last word with the gold
source text, or (gold source a pronoun) our name is written in the paragraph before the pronoun or in its own.

    .venv/bin/python bench/analyze_quotes_polnear.py [dev|train] [--limit N]
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from conftest import BENCH  # noqa: E402
from storydesk.analyze import analyze_articles  # noqa: E402
from storydesk.models import Article, Quote  # noqa: E402

POLNEAR = BENCH / "polnear"
OPEN_MARKS = "“\"”‘'"


@dataclass
class Gold:
    content: list[tuple[int, int]]
    source: list[tuple[int, int]] = field(default_factory=list)
    source_text: str = ""
    direct: bool = False

    @property
    def length(self) -> int:
        return sum(e - s for s, e in self.content)


def _spans(offsets: str) -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, b in (p.split() for p in offsets.split(";"))]


def parse_ann(path: Path, text: str) -> list[Gold]:
    spans: dict[str, tuple[str, list[tuple[int, int]]]] = {}
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if line.startswith("T") and len(parts) >= 2:
            kind, _, offsets = parts[1].partition(" ")
            spans[parts[0]] = (kind, _spans(offsets))
        elif line.startswith("E") and len(parts) >= 2:
            events.append(dict(p.split(":", 1) for p in parts[1].split() if ":" in p))
    out = []
    for ev in events:
        content = spans.get(ev.get("Content", ""), (None, []))[1]
        if not content:
            continue
        source = spans.get(ev.get("Source", ""), (None, []))[1]
        first = text[content[0][0] : content[0][1]].lstrip()
        out.append(
            Gold(
                content=content,
                source=source,
                source_text=" ".join(text[s:e] for s, e in source),
                direct=bool(first) and first[0] in OPEN_MARKS,
            )
        )
    return out


def load_split(split: str, limit: int | None = None) -> list[tuple[Article, list[Gold]]]:
    """(article, gold attributions) for each article of a split, one annotator per article."""
    folder = POLNEAR / split
    by_article: dict[str, list[Path]] = {}
    for ann in sorted((folder / "attributions").glob("*.ann")):
        by_article.setdefault(ann.stem.rsplit("_", 1)[0], []).append(ann)
    out = []
    for name in sorted(by_article)[:limit]:
        txt = folder / "text" / f"{name}.txt"
        if not txt.exists():
            continue
        text = txt.read_text(encoding="utf-8")
        art = Article(id=name, text=text, source=name.split("_")[0], published=name.split("_")[1])
        out.append((art, parse_ann(sorted(by_article[name])[0], text)))
    return out


def _overlap(a: tuple[int, int], spans: list[tuple[int, int]]) -> int:
    return sum(max(0, min(a[1], e) - max(a[0], s)) for s, e in spans)


def _last_word(text: str | None) -> str:
    words = re.findall(r"[a-z]+", (text or "").lower().replace("’s", "").replace("'s", ""))
    return words[-1] if words else ""


PRONOUNS = {"he", "she", "they", "i", "we", "him", "her"}


def speaker_ok(q: Quote, g: Gold, text: str) -> bool:
    if q.speaker_start is not None and g.source and _overlap((q.speaker_start, q.speaker_end), g.source) > 0:
        return True
    name = _last_word(q.speaker)
    if not name:
        return False
    if name == _last_word(g.source_text):
        return True
    if g.source_text.strip().lower() in PRONOUNS:
        # the name a gold pronoun refers to: accept a name written in the paragraph before it or its own
        start = g.source[0][0]
        para = text.rfind("\n\n", 0, max(0, text.rfind("\n\n", 0, start)))
        return name in _words(text[max(0, para) : start])
    return False


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


def score(pairs: list[tuple[list[Quote], list[Gold], str]]) -> dict[str, dict[str, float]]:
    out = {}
    for cat, pred_kind, gold_direct in (
        ("direct", {"direct"}, {True}),
        ("indirect", {"indirect"}, {False}),
        ("all", {"direct", "indirect"}, {True, False}),
    ):
        tp_pred = n_pred = tp_gold = n_gold = spk_ok = spk_n = 0
        for quotes, golds, text in pairs:
            preds = [
                q
                for q in quotes
                if q.kind in pred_kind or (q.kind == "partial" and q.cue and "direct" in pred_kind)
            ]
            n_pred += len(preds)
            for q in preds:
                if any(
                    _overlap((q.start, q.end), g.content) >= 0.5 * min(g.length, q.end - q.start)
                    for g in golds
                ):
                    tp_pred += 1
            for g in golds:
                if g.direct not in gold_direct:
                    continue
                n_gold += 1
                hits = [q for q in preds if _overlap((q.start, q.end), g.content) > 0]
                if hits and sum(_overlap((q.start, q.end), g.content) for q in hits) >= 0.5 * g.length:
                    tp_gold += 1
                    if g.source:
                        spk_n += 1
                        best = max(hits, key=lambda q: _overlap((q.start, q.end), g.content))
                        spk_ok += speaker_ok(best, g, text)
        p = tp_pred / n_pred if n_pred else 0.0
        r = tp_gold / n_gold if n_gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        out[cat] = {
            "precision": p,
            "recall": r,
            "f1": f,
            "speaker_acc": spk_ok / spk_n if spk_n else 0.0,
            "gold": n_gold,
            "pred": n_pred,
        }
    return out


def evaluate(
    split: str, limit: int | None = None, n_process: int | None = None
) -> dict[str, dict[str, float]]:
    data = load_split(split, limit)
    analyses = list(analyze_articles([a for a, _ in data], n_process=n_process))
    return score([(an.quotes, g, a.text) for an, (a, g) in zip(analyses, data, strict=True)])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("split", nargs="?", default="dev", choices=["dev", "train"])
    ap.add_argument("--limit", type=int, default=None, help="first N articles (sorted by name)")
    args = ap.parse_args()
    res = evaluate(args.split, args.limit)
    print(
        f"PolNeAR {args.split} ({'all' if args.limit is None else args.limit} articles, first annotator each)"
    )
    for cat, m in res.items():
        print(
            f"{cat:9s} precision {m['precision']:.3f}  recall {m['recall']:.3f}  F1 {m['f1']:.3f}  "
            f"speaker accuracy {m['speaker_acc']:.3f}  (gold {m['gold']}, predicted {m['pred']})"
        )


if __name__ == "__main__":
    main()
