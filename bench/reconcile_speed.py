"""Dossier build time per story, this checkout beside another one, on the same analysed database.

    .venv/bin/python bench/reconcile_speed.py --db /tmp/storydesk-bench-cache/ecb-claims-dev.db \\
        --code /tmp/base

``--code`` is another checkout of storydesk (e.g. ``git worktree add /tmp/base <commit>``). Both run in
turn, in fresh processes, on a copy of the database, building every story's dossier from scratch
(``build_dossier``), embedding included; the ratio is what matters on a busy machine. This checkout then
builds them all again on the same copy, where the first build left its sentence vectors (``text_vectors``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import json, sys, time
from storydesk.reconcile import build_dossier
from storydesk.store import Store
store = Store(sys.argv[1])
stories = store.list_stories()
started = time.perf_counter()
for story in stories:
    build_dossier(store, story)
print(json.dumps({"stories": len(stories), "seconds": time.perf_counter() - started}))
"""


def timed(code: Path, db: Path, runs: int = 1) -> list[dict]:
    """Each run's stories and seconds, the runs one after another on one copy of the database."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "copy.db"
        shutil.copy(db, copy)
        for _ in range(runs):
            done = subprocess.run(
                [sys.executable, "-c", CHILD, str(copy)],
                capture_output=True,
                text=True,
                env={"PYTHONPATH": str(code), "PATH": "/usr/bin:/bin"},
                cwd=code,  # `python -c` puts the working folder first on sys.path, before PYTHONPATH
                check=True,
            )
            out.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", type=Path, required=True, help="an analysed, clustered storydesk database")
    parser.add_argument("--code", type=Path, required=True, help="another storydesk checkout to compare with")
    args = parser.parse_args()
    [other] = timed(args.code, args.db)
    this, again = timed(ROOT, args.db, runs=2)
    for name, run in (
        ("this checkout", this),
        (str(args.code), other),
        ("this checkout, built again", again),
    ):
        print(
            f"{name:<32} {run['stories']} stories, {run['seconds']:.1f} s, "
            f"{run['seconds'] / max(1, run['stories']):.2f} s per story"
        )
    print(f"ratio this / other: {this['seconds'] / other['seconds']:.2f}")


if __name__ == "__main__":
    main()
