"""The ingest, articles and article verbs end to end: exit status, messages, stdin, a killed run."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time

from click.testing import CliRunner

from conftest import ROOT
from storydesk.cli import cli
from storydesk.models import Analysis, Mention, Quote, Sentence
from storydesk.store import Store

BODY = (
    "Rescue teams reached the flooded villages of the Aster valley on Wednesday, two days after the river "
    "broke its banks, the regional governor said in a statement.\n\nMore than 3,000 people have been moved "
    "to schools and sports halls, the army said."
)


def _run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


def _corpus(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "story.txt").write_text(
        "Floods reach the Aster valley\n\nBy Jane Doe\n\n" + BODY + "\n\nTags\nFloods"
    )
    (d / "empty.txt").write_text("")
    (d / "recs.jsonl").write_text(
        json.dumps({"id": "r1", "source": "Valley News", "text": BODY + " Again."}) + "\n{broken\n"
    )
    return d


def test_ingest_reports_counts_and_rejections(tmp_path):
    db = str(tmp_path / "x.db")
    res = _run("ingest", str(_corpus(tmp_path)), "--db", db)
    assert res.exit_code == 0, res.output
    assert f"2 added, 0 unchanged, 2 rejected -> {db}" in res.stdout
    assert "empty.txt: empty file, nothing to read" in res.stderr
    assert "recs.jsonl:2: malformed JSON line" in res.stderr
    again = _run("ingest", str(tmp_path / "in"), "--db", db, "--json")
    data = json.loads(again.stdout)
    assert data["added"] == [] and sorted(data["unchanged"]) == ["r1", "story"] and len(data["rejected"]) == 2


def test_exit_status_1_when_nothing_read_and_2_on_usage(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    res = _run(
        "ingest", str(tmp_path / "empty.txt"), str(tmp_path / "missing"), "--db", str(tmp_path / "x.db")
    )
    assert res.exit_code == 1
    assert "missing: no such file or folder" in res.stderr
    assert _run("ingest", "--db", str(tmp_path / "x.db")).exit_code == 2


def test_articles_and_article_verbs(tmp_path):
    db = str(tmp_path / "x.db")
    _run("ingest", str(_corpus(tmp_path)), "--db", db)
    rows = json.loads(_run("articles", "--db", db, "--json").stdout)
    assert [(r["id"], r["title"]) for r in rows] == [("r1", None), ("story", "Floods reach the Aster valley")]
    payload = json.loads(_run("article", "story", "--db", db, "--json").stdout)
    assert payload["authors"] == ["Jane Doe"] and payload["text"] == BODY
    assert [r["kind"] for r in payload["removed"]] == ["title", "byline", "tags", "tags"]
    assert "analysis" not in payload
    text = _run("article", "story", "--db", db).stdout
    assert "Removed by cleaning (4):" in text and "[byline] By Jane Doe" in text and BODY in text
    missing = _run("article", "nope", "--db", db)
    assert missing.exit_code == 1 and "no article 'nope'" in missing.stderr


def test_briefs_are_marked_in_articles_and_article(tmp_path):
    db = str(tmp_path / "x.db")
    (tmp_path / "in.jsonl").write_text(
        json.dumps({"id": "r1", "source": "Valley News", "text": BODY})
        + "\n"
        + json.dumps(
            {"id": "b1", "title": "Ferries run again", "text": "Ferry service to Vessa resumed on Monday."}
        )
    )
    assert _run("ingest", str(tmp_path / "in.jsonl"), "--db", db).exit_code == 0
    rows = json.loads(_run("articles", "--db", db, "--json").stdout)
    assert [(r["id"], r["brief"]) for r in rows] == [("b1", True), ("r1", False)]
    lines = _run("articles", "--db", db).stdout.splitlines()
    assert lines[0].endswith("\t[brief] Ferries run again") and "[brief]" not in lines[1]
    assert json.loads(_run("article", "b1", "--db", db, "--json").stdout)["brief"] is True
    assert json.loads(_run("article", "r1", "--db", db, "--json").stdout)["brief"] is False
    text = _run("article", "b1", "--db", db).stdout
    assert "\nbrief      yes" in text and "\nbrief " not in _run("article", "r1", "--db", db).stdout


def test_article_with_analysis(tmp_path):
    db = tmp_path / "x.db"
    _run("ingest", str(_corpus(tmp_path)), "--db", str(db))
    with Store(db) as s:
        art = s.get_article("story")
        an = Analysis(
            "story",
            sentences=[Sentence("story", 0, 10, art.text[:10], index=0)],
            mentions=[Mention("story", 22, 34, art.text[22:34], label="LOC")],
            quotes=[Quote("story", 0, 5, art.text[:5], speaker="Jane Doe")],
        )
        s.save_analysis(an, art.content_hash, "test-1")
    payload = json.loads(_run("article", "story", "--db", str(db), "--analysis", "--json").stdout)
    a = payload["analysis"]
    assert a["version"] == "test-1" and a["stale"] is False
    assert a["mentions"][0]["label"] == "LOC" and len(a["sentences"]) == 1 and a["roles"] == []
    text = _run("article", "story", "--db", str(db), "--analysis").stdout
    assert "1 sentences, 1 mentions" in text and "quote     Jane Doe" in text


def _subprocess(*args: str, **kw):
    return subprocess.Popen(
        [sys.executable, "-m", "storydesk", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def test_stdin_json_lines(tmp_path):
    lines = json.dumps({"id": "s1", "text": BODY}) + "\nnot json\n"
    proc = _subprocess("ingest", "-", "--db", str(tmp_path / "x.db"), stdin=subprocess.PIPE)
    out, err = proc.communicate(lines, timeout=120)
    assert proc.returncode == 0, err
    assert "1 added" in out and "rejected: -:2: malformed JSON line" in err


def _count(db) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as c:
            return c.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    except sqlite3.OperationalError:  # the table is not created yet
        return 0


def test_killed_ingest_keeps_committed_batches_and_rerun_completes(tmp_path):
    n = 6000
    src = tmp_path / "big.jsonl"
    with src.open("w") as f:
        for i in range(n):
            f.write(
                json.dumps({"id": f"k{i}", "source": "Valley News", "text": f"Report {i}. {BODY}"}) + "\n"
            )
    db = tmp_path / "k.db"
    proc = _subprocess("ingest", str(src), "--db", str(db))
    deadline = time.time() + 120
    while _count(db) < 200 and proc.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    kept = _count(db)
    assert kept % 200 == 0 or kept == n  # only whole batches are ever committed
    assert kept >= 200
    rerun = _subprocess("ingest", str(src), "--db", str(db), "--json")
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    data = json.loads(out)
    assert len(data["added"]) == n - kept and len(data["unchanged"]) == kept
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT COUNT(*), COUNT(DISTINCT id) FROM articles").fetchone() == (n, n)


def test_duplicate_texts_are_named_in_json(tmp_path):
    (tmp_path / "a.txt").write_text(BODY)
    (tmp_path / "b.txt").write_text(BODY)
    data = json.loads(
        _run(
            "ingest",
            str(tmp_path / "a.txt"),
            str(tmp_path / "b.txt"),
            "--db",
            str(tmp_path / "x.db"),
            "--json",
        ).stdout
    )
    assert data["added"] == ["a"] and data["unchanged"] == ["a"] and data["duplicates"] == {"b": "a"}


def test_a_bad_items_reason_goes_to_the_user_and_its_traceback_to_the_debug_log(tmp_path, monkeypatch):
    from storydesk.ingest import pipeline

    def broken(item):
        raise RuntimeError("the cleaner broke")

    monkeypatch.setattr(pipeline, "clean", broken)
    (tmp_path / "a.txt").write_text(BODY)
    line = f"rejected: {tmp_path / 'a.txt'}: could not be cleaned (RuntimeError: the cleaner broke)"
    quiet = _run("ingest", str(tmp_path / "a.txt"), "--db", str(tmp_path / "x.db"))
    assert quiet.exit_code == 1 and quiet.stderr.splitlines()[0] == line and "Traceback" not in quiet.stderr
    loud = _run("-vv", "ingest", str(tmp_path / "a.txt"), "--db", str(tmp_path / "y.db"))
    assert loud.exit_code == 1 and line in loud.stderr.splitlines()
    assert f"debug: storydesk.ingest.pipeline: could not clean {tmp_path / 'a.txt'}" in loud.stderr
    assert "Traceback" in loud.stderr and "in broken" in loud.stderr
