"""The command line: read verbs never write; every error is one line on stderr with a meaningful exit code."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT
from storydesk import api
from storydesk import store as store_module
from storydesk.analyze import ANALYSIS_VERSION
from storydesk.cli import cli
from storydesk.errors import StoreError
from storydesk.models import Analysis, Article, Story
from storydesk.store import Store

ARTICLES = [
    Article(
        id="a-paper",
        text="Officials met on Tuesday. They agreed to talk again next week.",
        source="Paper",
        title="Talks resume",
        published="2025-12-02",
        content_hash="h1",
        words=11,
    ),
    Article(
        id="b-wire",
        text="Officials met on Tuesday in the capital.",
        source="Wire",
        title="Officials meet",
        published="2025-12-01",
        content_hash="h2",
        words=7,
    ),
]
STORY = Story(
    "s-talks", "Officials meet again", ["a-paper", "b-wire"], ["Paper", "Wire"], "2025-12-01", "2025-12-02"
)
LATE = Article(id="c-late", text="A later report of the talks.", source="Post", content_hash="h3", words=6)


def run(*argv: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(argv), env=env)


def fingerprint(db: Path) -> tuple[str, list[str]]:
    """The database file's hash and every file beside it (a -wal, -shm or -journal would show)."""
    return hashlib.sha256(db.read_bytes()).hexdigest(), sorted(entry.name for entry in db.parent.iterdir())


def make_db(path: Path, pending: bool = False) -> Path:
    """A store where nothing waits for analysis or clustering (``pending``: one article does)."""
    with Store(path) as store:
        store.upsert_articles(ARTICLES + ([LATE] if pending else []))
        for article in ARTICLES + ([LATE] if pending else []):
            store.save_analysis(Analysis(article.id), article.content_hash, ANALYSIS_VERSION)
        store.save_stories([STORY])
    return path


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return make_db(tmp_path / "news.db")


READ_VERBS = [
    ["articles"],
    ["articles", "--json"],
    ["article", "a-paper"],
    ["article", "b-wire", "--analysis", "--json"],
    ["stories"],
    ["stories", "--json"],
    ["dossier", "s-talks"],
    ["dossier", "s-talks", "--format", "md"],
    ["dossier", "s-talks", "--format", "html"],
]
MUST = {
    "articles": "a-paper",
    "article": "Officials met on Tuesday",
    "stories": "s-talks",
    "dossier": "Officials meet again",
}


@pytest.mark.parametrize("argv", READ_VERBS, ids=" ".join)
def test_read_verbs_leave_the_database_byte_identical(db: Path, argv: list[str]) -> None:
    before = fingerprint(db)
    res = run(*argv, "--db", str(db))
    assert res.exit_code == 0, res.output
    assert MUST[argv[0]] in res.stdout
    assert fingerprint(db) == before


def test_a_dossier_not_stored_is_built_in_memory_and_not_saved(db: Path) -> None:
    doc = json.loads(run("dossier", "s-talks", "--db", str(db)).stdout)
    assert doc["story"]["id"] == "s-talks"
    with Store(db, readonly=True) as store:
        assert store.load_dossier("s-talks") is None


# ---- stories writes only when articles wait --------------------------------------------------


@pytest.fixture
def fake_stages(monkeypatch) -> list[str]:
    """analyze and cluster replaced by fakes that note their calls (no models loaded)."""
    calls: list[str] = []

    def analyze(store, progress=None):
        calls.append("analyze")
        return 0

    def cluster(store, progress=None):
        calls.append("cluster")
        store.save_stories([Story("s-late", "Later", ["c-late"], ["Post"], None, None)])
        return store.list_stories()

    monkeypatch.setattr(api, "analyze", analyze)
    monkeypatch.setattr(api, "cluster", cluster)
    return calls


@pytest.mark.parametrize("pending,writes", [(False, False), (True, True)])
def test_stories_writes_only_when_articles_wait(
    tmp_path: Path, fake_stages: list[str], pending: bool, writes: bool
) -> None:
    db = make_db(tmp_path / "news.db", pending=pending)
    before = fingerprint(db)
    res = run("stories", "--db", str(db))
    assert res.exit_code == 0, res.output
    assert fake_stages == (["analyze", "cluster"] if writes else [])
    assert (fingerprint(db) != before) is writes
    assert fingerprint(db)[1] == ["news.db"]  # and a write leaves no -wal or -shm behind
    assert ("s-late" in res.stdout) is writes and "s-talks" in res.stdout


def test_stories_on_a_read_only_database_with_waiting_articles(
    tmp_path: Path, fake_stages, monkeypatch
) -> None:
    db = make_db(tmp_path / "news.db", pending=True)
    before = fingerprint(db)
    monkeypatch.setattr(
        store_module.os, "access", lambda path, mode: not mode & os.W_OK
    )  # a 0444 file, to a user
    res = run("stories", "--db", str(db))
    assert res.exit_code == 0 and fake_stages == []
    assert res.stderr.count("\n") == 1 and "1 articles are not analysed or in a story yet" in res.stderr
    assert "read-only" in res.stderr and "s-talks" in res.stdout
    assert fingerprint(db) == before


def test_stories_upgrades_an_older_database(tmp_path: Path, fake_stages, monkeypatch) -> None:
    db = tmp_path / "old.db"
    monkeypatch.setattr(store_module, "MIGRATIONS", store_module.MIGRATIONS[:3])
    Store(db).close()
    monkeypatch.undo()
    monkeypatch.setattr(api, "analyze", lambda store, progress=None: 0)
    monkeypatch.setattr(api, "cluster", lambda store, progress=None: store.list_stories())
    assert "older storydesk" in run("articles", "--db", str(db)).stderr
    assert run("stories", "--db", str(db)).exit_code == 0
    assert run("articles", "--db", str(db)).exit_code == 0


# ---- the pipeline's verbs over --db ------------------------------------------------------------


def test_the_stages_one_by_one_write_what_run_writes(tmp_path: Path, samples_dir: Path) -> None:
    whole = run("run", str(samples_dir), "--out", str(tmp_path / "whole"))
    assert whole.exit_code == 0, whole.output
    db = str(tmp_path / "staged.db")
    for argv, said in [
        (["ingest", str(samples_dir)], "9 added"),
        (["parse"], "9 articles analysed"),
        (["cluster"], "3 stories"),
        (["reconcile"], "3 dossiers built"),
        (["reconcile"], "0 dossiers built"),  # nothing changed: nothing rebuilt
        (["report", "--out", str(tmp_path / "staged")], "3 stories"),
    ]:
        res = run(*argv, "--db", db)
        assert res.exit_code == 0 and said in res.stdout, (argv, res.output)
    stories = sorted(
        page.relative_to(tmp_path / "whole") for page in (tmp_path / "whole" / "stories").iterdir()
    )
    assert stories == sorted(
        page.relative_to(tmp_path / "staged") for page in (tmp_path / "staged" / "stories").iterdir()
    )
    for name in stories:
        assert (tmp_path / "whole" / name).read_bytes() == (tmp_path / "staged" / name).read_bytes(), name
    index = {
        label: json.loads((tmp_path / folder / "index.json").read_text(encoding="utf-8"))
        for label, folder in [("whole", "whole"), ("staged", "staged")]
    }
    assert index["staged"]["rejected"] == []  # report lists no run's rejections: there was no run
    assert {**index["whole"], "rejected": []} == index["staged"]


def test_reconcile_checks_every_id_before_it_builds(db: Path) -> None:
    res = run("reconcile", "s-talks", "nope", "--db", str(db))
    assert (
        res.exit_code == 1
        and res.stderr == f"error: no story 'nope' in {db}; list them with `storydesk stories`\n"
    )
    with Store(db, readonly=True) as store:
        assert store.load_dossier("s-talks") is None


def test_verbose_logs_each_stages_counts_and_quiet_logs_nothing(db: Path) -> None:
    loud = run("-v", "reconcile", "--db", str(db))
    assert loud.exit_code == 0 and "1 dossiers built" in loud.stdout
    assert loud.stderr == "info: storydesk.api: reconcile: 1 dossiers built, 0 unchanged\n"
    quiet = run("reconcile", "s-talks", "--db", str(db))
    assert quiet.exit_code == 0 and "0 dossiers built" in quiet.stdout and quiet.stderr == ""


# ---- errors: one line, a meaningful exit code, never a traceback ---------------------------------


def _text(path: Path) -> None:
    path.write_text("title,body\nnot,a database\n")


def _foreign(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")


def _newer(path: Path) -> None:
    make_db(path)
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO _migrations (name) VALUES ('9999_future')")


def _older(path: Path) -> None:
    original = store_module.MIGRATIONS
    store_module.MIGRATIONS = original[:4]
    try:
        Store(path).close()
    finally:
        store_module.MIGRATIONS = original


def _fifo(path: Path) -> None:
    os.mkfifo(path)


SETUPS = {
    "missing": None,
    "text": _text,
    "empty": lambda path: path.write_bytes(b""),
    "foreign": _foreign,
    "newer": _newer,
    "older": _older,
    "fifo": _fifo,
    "folder": lambda path: path.mkdir(),
    "ok": make_db,
}
ALL_VERBS = [
    ["articles"],
    ["article", "a-paper"],
    ["stories"],
    ["dossier", "s-talks"],
    ["serve", "--port", "0"],
]
WRITE_VERBS = [
    ["ingest", "{input}"],
    ["analyze", "{input}", "--out", "{out}"],
    ["run", "{input}", "--out", "{out}"],
]
STAGE_VERBS = [
    ["parse"],
    ["cluster"],
    ["reconcile"],
    ["report", "--out", "{out}"],
]  # over a database ingest made

ERRORS = [  # (argv, setup of --db, exit code, fragment of the one line on stderr)
    *[(verb, "missing", 1, "no database at") for verb in ALL_VERBS],
    *[(verb, "missing", 2, "does not exist") for verb in STAGE_VERBS],
    *[(verb, "text", 1, "is not a SQLite database") for verb in ALL_VERBS + WRITE_VERBS + STAGE_VERBS],
    *[(verb, "empty", 1, "is an empty file") for verb in ALL_VERBS],
    *[(verb, "foreign", 1, "not storydesk's") for verb in ALL_VERBS + WRITE_VERBS + STAGE_VERBS],
    *[(verb, "newer", 1, "newer storydesk") for verb in ALL_VERBS + WRITE_VERBS + STAGE_VERBS],
    *[
        (verb, "older", 1, "upgrade it once with `storydesk stories --db")
        for verb in ALL_VERBS
        if verb[0] != "stories"
    ],
    *[(verb, "fifo", 1, "is not a database file") for verb in ALL_VERBS + WRITE_VERBS + STAGE_VERBS],
    *[(verb, "folder", 2, "is a directory") for verb in ALL_VERBS + WRITE_VERBS[:1] + STAGE_VERBS],
    (["article", "nope"], "ok", 1, "no article 'nope'"),
    (["dossier", "nope"], "ok", 1, "no story 'nope'"),
    (["dossier", "s-talks", "--format", "pdf"], "ok", 2, "Invalid value for '--format'"),
    (["ingest", "{input}", "--db", "{tmp}/no/such/folder/x.db"], "ok", 1, "there is no folder"),
    (["compare", "{tmp}/missing.jsonl"], "ok", 2, "no such file"),
    (["no-such-verb"], "ok", 2, "No such command"),
    (["serve", "--port", "0", "--host", "203.0.113.9"], "ok", 1, "cannot listen on 203.0.113.9:0"),
]


def _argv(template: list[str], tmp: Path, db: Path) -> list[str]:
    (tmp / "in.txt").write_text("Officials met on Tuesday in the capital, the ministry said.\n")
    fill = {"{input}": str(tmp / "in.txt"), "{out}": str(tmp / "out")}
    argv = [fill.get(arg, arg.replace("{tmp}", str(tmp))) for arg in template]
    return argv if "--db" in argv or argv[0] in ("compare", "no-such-verb") else [*argv, "--db", str(db)]


@pytest.mark.parametrize(
    "template,setup,code,fragment", ERRORS, ids=[f"{' '.join(case[0])} [{case[1]}]" for case in ERRORS]
)
def test_errors_are_one_line(
    tmp_path: Path, template: list[str], setup: str, code: int, fragment: str
) -> None:
    (tmp_path / "db").mkdir()
    db = tmp_path / "db" / "x.db"
    if SETUPS[setup]:
        SETUPS[setup](db)
    before = fingerprint(db) if db.is_file() else None
    res = run(*_argv(template, tmp_path, db))
    assert res.exit_code == code, (res.stdout, res.stderr, res.exception)
    assert isinstance(res.exception, SystemExit | None)  # nothing escaped the one handler
    assert fragment in res.stderr and "Traceback" not in res.stderr
    if code == 1:
        assert res.stderr.startswith("error: ") and res.stderr.count("\n") == 1, res.stderr
    assert (fingerprint(db) if db.is_file() else None) == before  # a refused database is left as it was
    assert db.exists() == (setup != "missing")  # a read verb never creates one


@pytest.mark.parametrize(
    "argv", [["articles"], ["stories"], ["dossier", "s"], ["serve"], ["ingest", "-"]], ids=" ".join
)
def test_a_non_sqlite_db_is_one_line_in_a_real_process(tmp_path: Path, argv: list[str]) -> None:
    db = tmp_path / "notes.db"
    _text(db)
    out = subprocess.run(
        [sys.executable, "-m", "storydesk", *argv, "--db", str(db)],
        cwd=ROOT,
        input="",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 1
    assert (
        out.stderr
        == f"error: {db} is not a SQLite database; point --db at a database made by `storydesk ingest`\n"
    )


def _raiser(exc: BaseException):
    def open_store(*args, **kwargs):
        raise exc

    return open_store


UNEXPECTED = [  # (what a verb raised, exit code, the one line)
    (StoreError("db is odd; do this"), 1, "error: db is odd; do this"),
    (
        sqlite3.DatabaseError("database disk image is malformed"),
        1,
        "error: database error (database disk image is malformed); check that --db is a database made by",
    ),
    (PermissionError(13, "Permission denied", "/srv/news.db"), 1, "error: /srv/news.db: Permission denied"),
    (KeyboardInterrupt(), 130, "interrupted; re-run to resume"),
    (
        RuntimeError("boom\nsecond line"),
        1,
        "error: internal error (RuntimeError: boom\\nsecond line); please report it",
    ),
]


@pytest.mark.parametrize("exc,code,line", UNEXPECTED, ids=[type(case[0]).__name__ for case in UNEXPECTED])
def test_one_handler_for_every_error(monkeypatch, exc: BaseException, code: int, line: str) -> None:
    monkeypatch.setattr(api, "open_store", _raiser(exc))
    res = run("articles", "--db", "x.db")
    assert res.exit_code == code and res.stderr.startswith(line) and res.stderr.count("\n") == 1, res.stderr


def test_with_vv_the_debug_log_holds_the_traceback(monkeypatch) -> None:
    monkeypatch.setattr(api, "open_store", _raiser(RuntimeError("boom")))
    res = run("-vv", "articles", "--db", "x.db")
    assert res.exit_code == 1 and "Traceback" in res.stderr and "RuntimeError: boom" in res.stderr
    assert res.stderr.splitlines()[-1] == "error: internal error (RuntimeError: boom); please report it"


def test_storydesk_debug_lets_the_traceback_through(monkeypatch) -> None:
    monkeypatch.setattr(api, "open_store", _raiser(RuntimeError("boom")))
    res = run("articles", "--db", "x.db", env={"STORYDESK_DEBUG": "1"})
    assert isinstance(res.exception, RuntimeError)


# ---- a read-only file in a read-only folder -----------------------------------------------------


SETPRIV = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]


def _unprivileged(argv: list[str]) -> list[str]:
    """Run ``argv`` so that file modes bind it (root ignores them unless it drops these capabilities)."""
    if os.geteuid() != 0:
        return argv
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: a 0444 file would still be writable")
    return SETPRIV + argv


@pytest.fixture
def read_only_db(tmp_path: Path, request):
    """(db) in a folder made read-only, file 0444; ``request.param``: the journal mode it was left in."""
    folder = tmp_path / "ro"
    folder.mkdir()
    db = make_db(folder / "news.db", pending=getattr(request, "param", "delete") == "pending")
    if getattr(request, "param", "delete") == "wal":  # what an older storydesk left on disk
        with sqlite3.connect(db) as conn:
            conn.execute("PRAGMA journal_mode = WAL")
    db.chmod(0o444)
    folder.chmod(0o555)
    probe = subprocess.run(
        _unprivileged([sys.executable, "-c", f"open({str(folder / 'probe')!r}, 'w')"]),
        capture_output=True,
        check=False,
    )
    if probe.returncode == 0:
        folder.chmod(0o755)
        pytest.skip("this system lets the test write into a read-only folder")
    yield db
    folder.chmod(0o755)
    db.chmod(0o644)


def _storydesk(*argv: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        _unprivileged([sys.executable, "-m", "storydesk", *argv]),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        **kw,
    )


@pytest.mark.parametrize("read_only_db", ["delete", "wal"], indirect=True)
def test_every_read_verb_works_on_a_read_only_file(read_only_db: Path) -> None:
    before = fingerprint(read_only_db)
    for argv in READ_VERBS:
        out = _storydesk(*argv, "--db", str(read_only_db))
        assert out.returncode == 0, (argv, out.stderr)
        assert MUST[argv[0]] in out.stdout and out.stderr == ""
    assert fingerprint(read_only_db) == before


@pytest.mark.parametrize("read_only_db", ["pending"], indirect=True)
def test_stories_with_waiting_articles_on_a_read_only_file(read_only_db: Path) -> None:
    before = fingerprint(read_only_db)
    out = _storydesk("stories", "--db", str(read_only_db))
    assert out.returncode == 0 and "s-talks" in out.stdout
    assert (
        out.stderr.count("\n") == 1
        and "not analysed or in a story yet" in out.stderr
        and "read-only" in out.stderr
    )
    assert fingerprint(read_only_db) == before


@pytest.mark.parametrize("read_only_db", ["delete", "wal"], indirect=True)
def test_serve_works_on_a_read_only_file(read_only_db: Path) -> None:
    before = fingerprint(read_only_db)
    proc = subprocess.Popen(
        _unprivileged([sys.executable, "-m", "storydesk", "serve", "--db", str(read_only_db), "--port", "0"]),
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stderr.readline()
        base = re.search(r"http://[^/]+", line).group(0)
        for path in ("/", "/api/stories", "/stories/s-talks", "/stories/s-talks.json", "/articles/a-paper"):
            with urllib.request.urlopen(base + path, timeout=300) as response:
                assert response.status == 200, path
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert fingerprint(read_only_db) == before
