"""`storydesk spark` (``run_spark``): the same reports as `run`, bad inputs rejected and never fatal, a task
killed mid-run retried without saving anything twice, a re-run into the same --out changing nothing, and the
command line's one-line answers."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT, SAMPLES
from storydesk import api
from storydesk.api import RunResult
from storydesk.cli import cli
from storydesk.spark import SparkRun, run_spark, tasks


def parquet_rows(folder: Path) -> list[dict]:
    """The rows of one table the run wrote as Parquet (a folder of part files)."""
    pq = pytest.importorskip(
        "pyarrow.parquet", reason="pyarrow is not installed (pip install 'storydesk[spark]')"
    )
    return pq.read_table(folder).to_pylist()


def report_files(out: Path) -> list[str]:
    """What a run writes for readers: index.json, index.html, stories/* (not the database, not Parquet)."""
    found = [path.relative_to(out) for path in out.rglob("*") if path.is_file()]
    return sorted(
        path.as_posix()
        for path in found
        if path.parts[0] != "parquet" and not path.name.startswith("storydesk.db")
    )


def stored(out: Path) -> tuple[list[str], dict[str, str]]:
    """The article ids and {article id: story id} of a run's store."""
    with api.open_store(out / "storydesk.db", readonly=True) as store:
        return sorted(store.article_ids()), store.story_of()


@dataclass
class Pair:
    spark: SparkRun
    spark_out: Path
    plain: RunResult
    plain_out: Path


def _assert_same_outputs(pair: Pair) -> None:
    files = report_files(pair.plain_out)
    assert {"index.json", "index.html"} <= set(files) and any(f.startswith("stories/") for f in files)
    assert report_files(pair.spark_out) == files
    for name in files:
        got, expected = (pair.spark_out / name).read_bytes(), (pair.plain_out / name).read_bytes()
        assert got == expected, name
    assert [story.id for story in pair.spark.stories] == [story.id for story in pair.plain.stories]
    assert stored(pair.spark_out) == stored(pair.plain_out)
    assert pair.spark.report.added == pair.plain.report.added
    assert pair.spark.report.rejected == pair.plain.report.rejected


@pytest.fixture(scope="module")
def samples_pair(spark_samples, tmp_path_factory) -> Pair:
    run, out = spark_samples
    plain_out = tmp_path_factory.mktemp("plain-samples")
    return Pair(run, out, api.run([str(SAMPLES)], plain_out, progress=False), plain_out)


BINARY = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4


@pytest.fixture(scope="module")
def mixed_inputs(tmp_path_factory) -> Path:
    """A JSON lines file and a text file of good articles, beside a binary file and an empty one (nested)."""
    folder = tmp_path_factory.mktemp("mixed") / "inputs"
    (folder / "notes").mkdir(parents=True)
    shutil.copy(SAMPLES / "talks" / "records.jsonl", folder / "wire.jsonl")
    shutil.copy(SAMPLES / "talks" / "lumera-ledger.txt", folder / "ledger.txt")
    (folder / "photo.png").write_bytes(BINARY)
    (folder / "notes" / "empty.txt").write_bytes(b"")
    return folder


@pytest.fixture(scope="module")
def mixed_pair(spark_session, mixed_inputs, tmp_path_factory) -> Pair:
    spark_out = tmp_path_factory.mktemp("spark-mixed")
    plain_out = tmp_path_factory.mktemp("plain-mixed")
    return Pair(
        run_spark([str(mixed_inputs)], str(spark_out), session=spark_session, progress=False),
        spark_out,
        api.run([str(mixed_inputs)], plain_out, progress=False),
        plain_out,
    )


# ---- the same outputs as one machine's run --------------------------------------------------------


def test_samples_give_the_same_files_as_run(samples_pair):
    assert samples_pair.spark.report.read > 0 and len(samples_pair.spark.stories) >= 2
    _assert_same_outputs(samples_pair)


def test_jsonl_and_text_give_the_same_files_as_run(mixed_pair):
    assert mixed_pair.spark.report.read > 0 and mixed_pair.spark.stories
    _assert_same_outputs(mixed_pair)


# ---- bad inputs -----------------------------------------------------------------------------------


def test_bad_files_are_rejected_and_the_run_finishes(mixed_pair, mixed_inputs):
    bad = {str(mixed_inputs / "photo.png"): "binary", str(mixed_inputs / "notes" / "empty.txt"): "empty"}
    run, out = mixed_pair.spark, mixed_pair.spark_out
    reasons = {rejection.path: rejection.reason for rejection in run.report.rejected}
    assert set(reasons) == set(bad)
    for path, word in bad.items():
        assert word in reasons[path]
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert {item["path"]: item["reason"] for item in index["rejected"]} == reasons
    table = parquet_rows(out / "parquet" / "rejections")
    assert {row["path"]: row["reason"] for row in table} == reasons
    assert run.tables["rejections"] == len(bad)
    # the good articles of both files are there
    paths = {article["path"].rsplit(":", 1)[0] for article in index["articles"]}
    assert paths == {str(mixed_inputs / "wire.jsonl"), str(mixed_inputs / "ledger.txt")}


def test_the_samples_bad_folder_is_rejected_as_by_run(samples_pair):
    rejected = {rejection.path for rejection in samples_pair.spark.report.rejected}
    bad = SAMPLES / "bad"
    assert {str(bad / "empty.txt"), str(bad / "scan.txt"), f"{bad / 'mixed.jsonl'}:2"} <= rejected


# ---- a task killed mid-run ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def faulted(spark_session, tmp_path_factory) -> tuple[SparkRun, Path, Path]:
    """The samples run with the first task to start killed (its worker dies; Spark retries the task)."""
    base = tmp_path_factory.mktemp("spark-faulted")
    marker, out = base / "marker", base / "out"
    environment = spark_session.sparkContext.environment
    environment[tasks.FAULT_ENV] = str(marker)
    try:
        run = run_spark([str(SAMPLES)], str(out), session=spark_session, progress=False)
    finally:
        del environment[tasks.FAULT_ENV]
    return run, out, marker


def test_a_killed_task_is_retried_and_the_run_finishes(faulted, spark_samples):
    run, out, marker = faulted
    clean, _ = spark_samples
    assert marker.exists()  # the fault happened
    assert run.report.read == clean.report.read
    assert len(run.report.rejected) == len(clean.report.rejected)
    assert [story.id for story in run.stories] == [story.id for story in clean.stories]
    assert run.tables == clean.tables


@pytest.mark.parametrize(
    "table, key",
    [
        ("articles", ("id",)),
        ("analyses", ("article_id",)),
        ("embeddings", ("article_id",)),
        ("dossiers", ("story_id",)),
        ("stories", ("id",)),
        ("story_articles", ("story_id", "article_id")),
        ("rejections", ("path",)),
    ],
)
def test_a_retried_task_saves_nothing_twice(faulted, table, key):
    _, out, _ = faulted
    rows = parquet_rows(out / "parquet" / table)
    keys = [tuple(row[name] for name in key) for row in rows]
    assert rows and len(keys) == len(set(keys))


# ---- a re-run into the same --out -----------------------------------------------------------------


def test_a_rerun_into_the_same_out_changes_nothing(spark_session, spark_samples, tmp_path):
    first, first_out = spark_samples
    out = tmp_path / "out"
    shutil.copytree(first_out, out)  # the first run's folder, database and Parquet included
    again = run_spark([str(SAMPLES)], str(out), session=spark_session, progress=False)
    assert again.report.added == [] and sorted(again.report.unchanged) == sorted(first.report.added)
    assert again.tables == first.tables
    assert [story.id for story in again.stories] == [story.id for story in first.stories]
    assert (out / "index.json").read_bytes() == (first_out / "index.json").read_bytes()
    for name in report_files(first_out):
        assert (out / name).read_bytes() == (first_out / name).read_bytes(), name
    for table, count in first.tables.items():
        assert len(parquet_rows(out / "parquet" / table)) == count, table


# ---- the command line -----------------------------------------------------------------------------


def test_cli_spark_prints_its_counts(spark_session, spark_samples, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["spark", "samples", "--out", str(out)])
    assert res.exit_code == 0, (res.output, res.exception)
    clean, _ = spark_samples
    counts = f"{clean.report.read} articles, {len(clean.report.rejected)} rejected"
    assert res.stdout == f"{counts}, {len(clean.stories)} stories -> {out}\n"
    assert res.stderr.count("rejected: ") == len(clean.report.rejected)
    assert (out / "index.json").is_file() and (out / "parquet" / "articles").is_dir()


def test_cli_import_prints_the_tables_line(spark_samples, tmp_path):
    run, out = spark_samples
    db = tmp_path / "imported.db"
    res = CliRunner().invoke(cli, ["import", str(out), "--db", str(db)])
    assert res.exit_code == 0, (res.output, res.exception)
    assert res.stdout == f"{len(run.tables)} tables, {sum(run.tables.values())} rows -> {db}\n"


def test_cli_spark_without_java_says_so_in_one_line(tmp_path, monkeypatch):
    pytest.importorskip("pyspark", reason="pyspark is not installed: the error names pyspark instead")
    from storydesk.spark import session

    reason = "storydesk spark needs Java 17 or later: install it or set JAVA_HOME"
    monkeypatch.setattr(session, "java_missing", lambda: reason)
    res = CliRunner().invoke(cli, ["spark", str(SAMPLES), "--out", str(tmp_path / "out")])
    assert res.exit_code == 1, (res.output, res.exception)
    assert res.stderr == f"error: {reason}\n" and "Java" in res.stderr and "Traceback" not in res.stderr
    assert res.stdout == ""
    assert not (tmp_path / "out").exists()  # nothing written before Spark could start


def test_a_hadoop_uri_gives_the_same_articles_and_stories(spark_session, spark_samples, tmp_path):
    """The samples read through Hadoop's filesystem (a file:// URI, as hdfs:// or s3a:// would be): the
    same ids and stories as the local path, README passed over, the bad files named by their URI."""
    run = run_spark(
        [SAMPLES.resolve().as_uri()], str(tmp_path / "out"), session=spark_session, progress=False
    )
    local, _ = spark_samples
    assert sorted(run.report.added) == sorted(local.report.added)
    assert sorted(story.id for story in run.stories) == sorted(story.id for story in local.stories)
    assert sorted(r.path.rsplit("/", 1)[-1] for r in run.report.rejected) == sorted(
        r.path.rsplit("/", 1)[-1] for r in local.report.rejected
    )
    assert all(r.path.startswith("file:") for r in run.report.rejected)


def test_spark_submit_runs_the_submit_file(spark_samples, tmp_path):
    """The cluster form the README gives, here on a local master: spark-submit starts the driver, which
    keeps the submitted master, and writes what `storydesk spark` writes."""
    import subprocess
    import sys

    submit = Path(sys.executable).with_name("spark-submit")
    if not submit.exists():
        pytest.skip("spark-submit is not beside this interpreter (pyspark installs it)")
    from storydesk.spark import submit as submit_file

    out = tmp_path / "out"
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable}
    done = subprocess.run(
        [str(submit), "--master", "local[1]", submit_file.__file__, str(SAMPLES), "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    local, local_out = spark_samples
    assert f"{local.report.read} articles" in done.stdout
    assert (out / "index.json").read_bytes() == (local_out / "index.json").read_bytes()
