"""Ingest into the store: idempotent re-runs, duplicates, stable ids on clashes, interrupted runs."""

from __future__ import annotations

import json

import pytest

import storydesk.ingest.pipeline as pipeline
from storydesk.ingest import ingest_paths, read_paths
from storydesk.store import Store

P = (
    "Rescue teams reached the flooded villages of the Aster valley on Wednesday, two days after the river "
    "broke its banks, the regional governor said in a statement number {n}."
)


def _body(n: int) -> str:
    return P.format(n=n) + "\n\n" + "More than 3,000 people have been moved to schools and sports halls."


def _jsonl(path, n: int, start: int = 0, **extra) -> None:
    with path.open("w", encoding="utf-8") as f:
        for i in range(start, start + n):
            f.write(json.dumps({"id": f"r{i}", "source": "Valley News", "text": _body(i), **extra}) + "\n")


def _count(store: Store) -> int:
    return store.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]


def test_ingest_twice_adds_nothing_the_second_time(store, tmp_path):
    _jsonl(tmp_path / "a.jsonl", 30)
    (tmp_path / "s.txt").write_text(_body(999))
    first = ingest_paths([str(tmp_path)], store, progress=False)
    second = ingest_paths([str(tmp_path)], store, progress=False)
    assert len(first.added) == 31 and not first.rejected
    assert second.added == [] and sorted(second.unchanged) == sorted(first.added)
    assert _count(store) == 31
    art = store.get_article("s")
    assert art.path == str(tmp_path / "s.txt") and art.format == "txt"


def test_same_text_under_another_id_is_stored_once(store, tmp_path):
    (tmp_path / "one.txt").write_text(_body(1))
    (tmp_path / "two.txt").write_text(_body(1))
    rep = ingest_paths([str(tmp_path)], store, progress=False)
    assert rep.added == ["one"] and rep.unchanged == ["one"] and rep.duplicates == {"two": "one"}
    assert _count(store) == 1
    again = ingest_paths([str(tmp_path / "two.txt")], store, progress=False)
    assert again.added == [] and again.duplicates == {"two": "one"}


def test_same_text_from_another_outlet_is_kept_as_a_copy(store, tmp_path):
    with (tmp_path / "r.jsonl").open("w") as f:
        f.write(json.dumps({"id": "orig", "source": "Valley News", "text": _body(1)}) + "\n")
        f.write(json.dumps({"id": "copy", "source": "Hill Post", "text": _body(1)}) + "\n")
    rep = ingest_paths([str(tmp_path)], store, progress=False)
    assert rep.added == ["orig", "copy"] and _count(store) == 2  # syndication: the cluster stage marks copies


def test_file_name_clash_gets_a_stable_suffix(store, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "story.txt").write_text(_body(1))
    (tmp_path / "b" / "story.txt").write_text(_body(2))
    rep = ingest_paths([str(tmp_path)], store, progress=False)
    assert rep.added[0] == "story" and rep.added[1].startswith("story-") and len(rep.added) == 2
    again = ingest_paths([str(tmp_path)], store, progress=False)
    assert again.added == [] and again.unchanged == rep.added
    # the same files in a fresh database get the same ids
    with Store(tmp_path / "other.db") as other:
        assert (
            ingest_paths([str(tmp_path / "a"), str(tmp_path / "b")], other, progress=False).added == rep.added
        )


def test_changed_file_replaces_its_article(store, tmp_path):
    path = tmp_path / "story.txt"
    path.write_text(_body(1))
    ingest_paths([str(path)], store, progress=False)
    path.write_text(_body(2))
    rep = ingest_paths([str(path)], store, progress=False)
    assert rep.added == ["story"] and _count(store) == 1
    assert "number 2." in store.get_article("story").text


def test_rejections_are_stored_and_cleared_when_fixed(store, tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("")
    rep = ingest_paths([str(path)], store, progress=False)
    assert rep.read == 0 and rep.rejected[0].reason == "empty file, nothing to read"
    rows = store.conn.execute("SELECT path, reason FROM rejections").fetchall()
    assert [tuple(r) for r in rows] == [(str(path), "empty file, nothing to read")]
    path.write_text(_body(3))
    ingest_paths([str(path)], store, progress=False)
    assert store.conn.execute("SELECT COUNT(*) FROM rejections").fetchone()[0] == 0


def test_record_with_no_sentence_rejected_with_its_line_and_a_brief_kept(store, tmp_path):
    path = tmp_path / "r.jsonl"
    lines = [
        {"id": "ok", "text": _body(1)},
        {"id": "tiny", "text": "Too short."},
        {"id": "brief", "text": "The ferry runs again."},
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines))
    rep = ingest_paths([str(path)], store, progress=False)
    assert rep.added == ["ok", "brief"]
    assert [(r.path, r.reason) for r in rep.rejected] == [
        (
            f"{path}:2",
            "no sentence in the 2 words left after cleaning (a run of 3+ words ending in . ! or ?, "
            "or a title with a line under it); not an article",
        )
    ]
    assert store.get_article("brief").brief and not store.get_article("ok").brief


def test_removals_are_stored(store, tmp_path):
    (tmp_path / "c.txt").write_text("By Jane Doe\n\n" + _body(4) + "\n\nTags: floods, weather")
    ingest_paths([str(tmp_path)], store, progress=False)
    art = store.get_article("c")
    assert [r.kind for r in art.removed] == ["byline", "tags"] and art.authors == ["Jane Doe"]


def test_interrupted_run_keeps_committed_batches_and_rerun_completes(tmp_path, monkeypatch):
    _jsonl(tmp_path / "big.jsonl", 450)
    db = tmp_path / "i.db"

    def failing(paths, skip=frozenset()):
        for i, item in enumerate(read_paths(paths)):
            if i == 430:
                raise RuntimeError("simulated crash")
            yield item

    monkeypatch.setattr(pipeline, "read_paths", failing)
    with Store(db) as s, pytest.raises(RuntimeError):
        ingest_paths([str(tmp_path / "big.jsonl")], s, progress=False, batch_size=200)
    monkeypatch.undo()
    with Store(db) as s:
        assert _count(s) == 400  # two whole batches were committed before the crash
        rep = ingest_paths([str(tmp_path / "big.jsonl")], s, progress=False, batch_size=200)
        assert len(rep.added) == 50 and len(rep.unchanged) == 400
        assert _count(s) == 450
        ids = [r[0] for r in s.conn.execute("SELECT id FROM articles")]
        assert len(set(ids)) == 450


def test_keyboard_interrupt_commits_what_was_read(tmp_path, monkeypatch):
    _jsonl(tmp_path / "big.jsonl", 120)

    def interrupted(paths, skip=frozenset()):
        for i, item in enumerate(read_paths(paths)):
            if i == 50:
                raise KeyboardInterrupt
            yield item

    monkeypatch.setattr(pipeline, "read_paths", interrupted)
    with Store(tmp_path / "k.db") as s:
        with pytest.raises(KeyboardInterrupt):
            ingest_paths([str(tmp_path / "big.jsonl")], s, progress=False, batch_size=200)
        assert _count(s) == 50


def test_same_record_id_twice_keeps_the_first_and_rejects_the_later(store, tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(
        json.dumps({"id": "x", "text": _body(1)})
        + "\n"
        + json.dumps({"id": "x", "text": _body(2)})
        + "\n"
        + json.dumps({"id": "y", "text": _body(1)})
        + "\n"
        + json.dumps({"id": "x", "text": _body(1)})
        + "\n"
    )
    rep = ingest_paths([str(path)], store, progress=False)
    assert _count(store) == 1 and "number 1." in store.get_article("x").text
    assert rep.added == ["x"] and rep.duplicates == {"y": "x"} and rep.unchanged == ["x", "x"]
    assert [(r.path, r.reason) for r in rep.rejected] == [
        (
            f"{path}:2",
            (
                f"id 'x' was already given in this run to {path}:1, with another text; "
                "the first is kept, this one is not stored"
            ),
        )
    ]


def test_quiet_without_a_terminal_and_through_the_api(store, tmp_path, capsys):
    from storydesk import api

    _jsonl(tmp_path / "a.jsonl", 5)
    rep = api.ingest([str(tmp_path / "a.jsonl")], store)  # progress=None: a bar only on a terminal
    assert len(rep.added) == 5
    assert capsys.readouterr().err == ""


def test_clean_is_pure(tmp_path):
    from dataclasses import asdict

    from storydesk.ingest import clean
    from storydesk.models import RawRecord

    raw = RawRecord(origin="x", fmt="txt", text="By Jane Doe\n\n" + _body(1), stem="x", authors=["Ann Lee"])
    before = asdict(raw)
    first, second = clean(raw), clean(raw)
    assert asdict(raw) == before and first == second and first.authors == ["Ann Lee", "Jane Doe"]
