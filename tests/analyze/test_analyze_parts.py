"""A text longer than spaCy reads at once is analysed in parts; a killed analysis leaves no workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storydesk.analyze import analyze_article
from storydesk.analyze.parts import part_bounds
from storydesk.models import Article

PARAGRAPH = (
    "The harbour council of Velmora voted on Thursday to close the old ferry pier, "
    'said Mara Okonkwo, the council\'s chair. "We cannot keep it safe," she said.'
)


@pytest.mark.parametrize(
    ("text", "limit", "parts"),
    [
        ("short text", 100, 1),
        ("a" * 50 + "\n\n" + "b" * 50, 60, 2),  # cut at the paragraph break
        ("one. " * 40, 60, 4),  # no break: at a sentence end
        ("x" * 250, 100, 3),  # no break at all: a hard cut
    ],
)
def test_part_bounds_cover_the_text_within_the_limit(text: str, limit: int, parts: int) -> None:
    bounds = part_bounds(text, limit)
    assert len(bounds) == parts
    assert "".join(text[a:b] for a, b in bounds) == text
    assert all(b - a <= limit for a, b in bounds)


@pytest.mark.slow
def test_a_text_over_the_part_size_is_analysed_whole(monkeypatch) -> None:
    import storydesk.analyze.pipeline as pipeline

    text = "\n\n".join(PARAGRAPH for _ in range(12))
    monkeypatch.setattr(pipeline, "part_bounds", lambda t: part_bounds(t, 700))  # ~4 paragraphs a part
    whole = analyze_article(Article(id="long", text=text, source="test", published="2026-03-05"))
    assert len(whole.sentences) == 24
    assert [s.index for s in whole.sentences] == list(range(24))
    assert [s.paragraph for s in whole.sentences] == [i // 2 for i in range(24)]
    for table in ("sentences", "mentions", "quotes", "dates"):
        items = getattr(whole, table)
        assert items, table
        assert all(text[it.start : it.end] == it.text for it in items), table
    assert all(
        whole.sentences[q.sentence].start <= q.start < whole.sentences[q.sentence].end for q in whole.quotes
    )
    direct = {q.start for q in whole.quotes if q.text.startswith("We cannot")}
    assert direct == {i + 1 for i in range(len(text)) if text.startswith('"We cannot', i)}


WORKER_RUN = """
import sys
from storydesk.analyze import analyze_articles
from storydesk.models import Article
text = sys.argv[1]
articles = [Article(id=str(i), text=text, source="test") for i in range(400)]
for _ in analyze_articles(articles, n_process=2):
    print("analysed", flush=True)
"""


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to find the workers")
def test_workers_exit_when_the_analysis_is_killed() -> None:
    run = subprocess.Popen(
        [sys.executable, "-c", WORKER_RUN, PARAGRAPH * 3], stdout=subprocess.PIPE, text=True
    )
    try:
        assert run.stdout is not None and run.stdout.readline().startswith("analysed")
        workers = _children(run.pid)
        assert len(workers) >= 2
        os.kill(run.pid, signal.SIGKILL)
        run.wait(10)
        deadline = time.monotonic() + 10
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [w for w in workers if _alive(w)]
    finally:
        run.kill()
