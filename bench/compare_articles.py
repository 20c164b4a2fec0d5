"""`storydesk compare` with a whole article as b: a headline against another outlet's article on the same
story, or on another story.

    .venv/bin/python bench/compare_articles.py

No labelled headline-versus-article stance set is here, so this measures only the first half of such a
task — is b about what a says at all? — on AllSides story pages (../shared/bench/neus/allsides_stories.jsonl,
stories with even ids): a is one outlet's headline, b another outlet's excerpt of the same story (must not be
`unrelated`) or an excerpt from the next story in the file (must be `unrelated`). The TF-IDF baseline gets
its cosine cut chosen on these very pairs, which favours it.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import numpy as np
from cluster_common import BENCH, read_jsonl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from storydesk import api  # noqa: E402

SIDES = ("left", "center", "right")


def body(side: dict) -> str:
    raw = side.get("newBody") or ""
    if isinstance(raw, list):
        return "\n\n".join(str(p).strip() for p in raw if p and str(p).strip())
    try:
        parts = ast.literal_eval(raw) if raw.startswith("[") else [raw]
    except (ValueError, SyntaxError):
        parts = [raw]
    return "\n\n".join(p.strip() for p in parts if p and p.strip())


def pairs() -> tuple[list[dict], list[bool]]:
    """(pairs, same story?) from the even-id story pages."""
    stories = [s for s in read_jsonl(BENCH / "neus" / "allsides_stories.jsonl") if int(s["id"]) % 2 == 0]
    usable = [
        s for s in stories if all(s["news"].get(k, {}).get("newsTitle") and body(s["news"][k]) for k in SIDES)
    ]
    out, same = [], []
    for k, story in enumerate(usable):
        other = usable[(k + 1) % len(usable)]
        for x, y in (("left", "center"), ("right", "left"), ("center", "right")):
            title = story["news"][x]["newsTitle"]
            out.append({"id": f"{story['id']}-{x}-{y}", "a": title, "b": body(story["news"][y])})
            same.append(True)
            out.append({"id": f"{story['id']}-{x}-other", "a": title, "b": body(other["news"][y])})
            same.append(False)
    return out, same


def tfidf_related(rows: list[dict], same: list[bool]) -> list[bool]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit(
        [t for r in rows for t in (r["a"], r["b"])]
    )
    scores = np.asarray(
        vec.transform([r["a"] for r in rows]).multiply(vec.transform([r["b"] for r in rows])).sum(axis=1)
    ).ravel()
    best = max(
        np.quantile(scores, np.linspace(0.02, 0.98, 49)),
        key=lambda cut: sum((s >= cut) == g for s, g in zip(scores, same, strict=True)),
    )
    return [bool(s >= best) for s in scores]


def main() -> None:
    if not BENCH.is_dir():
        sys.exit(f"{BENCH} is not here: nothing to measure")
    rows, same = pairs()
    results = api.compare(rows)
    related = [r.relation != "unrelated" for r in results]
    baseline = tfidf_related(rows, same)
    print(
        f"{len(rows)} headline/article pairs from {len(rows) // 6} AllSides stories (even ids), "
        "half same-story"
    )
    for name, pred in (("storydesk compare", related), ("TF-IDF cosine cut (in-sample)", baseline)):
        accuracy = sum(p == g for p, g in zip(pred, same, strict=True)) / len(same)
        kept = sum(p and g for p, g in zip(pred, same, strict=True)) / sum(same)
        caught = sum((not p) and (not g) for p, g in zip(pred, same, strict=True)) / (len(same) - sum(same))
        print(
            f"  {name:<30} accuracy {accuracy:.3f}  same-story kept {kept:.3f}  other-story called unrelated "
            f"{caught:.3f}"
        )
    relations = {}
    for r, g in zip(results, same, strict=True):
        relations.setdefault(g, {}).setdefault(r.relation, 0)
        relations[g][r.relation] += 1
    print("  storydesk relations, same story:", relations.get(True), " other story:", relations.get(False))


if __name__ == "__main__":
    main()
