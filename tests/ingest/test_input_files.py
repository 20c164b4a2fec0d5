"""The files behind the inputs, listed without reading them (``input_files``, what `storydesk spark` sends
to its executors) and one file read from its bytes (``read_bytes``): the same files, order, names and
records as ``read_paths`` and ``read_file``."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from conftest import SAMPLES
from storydesk.ingest.folders import shown_path
from storydesk.ingest.readers import input_files, read_bytes, read_file, read_paths
from storydesk.models import RawRecord, Rejection

TEXT = "Rescue teams reached the flooded villages of the valley on Wednesday, the governor said.\n"


def read_listed(paths: list[str], skip: frozenset[Path] = frozenset()) -> list[RawRecord | Rejection]:
    """What reading every listed file gives (``read_file(*entry)``), rejections kept in their place."""
    out: list[RawRecord | Rejection] = []
    for entry in input_files(paths, skip):
        out += [entry] if isinstance(entry, Rejection) else list(read_file(*entry))
    return out


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A folder of nested files in several forms, with a hidden file, an empty file and an odd name."""
    root = tmp_path / "inputs"
    (root / "b" / "deep").mkdir(parents=True)
    (root / "a").mkdir()
    (root / "empty-folder").mkdir()
    shutil.copy(SAMPLES / "talks" / "lumera-ledger.txt", root / "z-ledger.txt")
    shutil.copy(SAMPLES / "talks" / "records.jsonl", root / "b" / "records.jsonl")
    shutil.copy(SAMPLES / "talks" / "northwind-wire.html", root / "b" / "deep" / "wire.html")
    shutil.copy(SAMPLES / "talks" / "ostrel-courier.rss", root / "a" / "courier.rss")
    (root / "a" / "brief.txt").write_text(TEXT, encoding="utf-8")
    (root / "a" / "empty.txt").write_bytes(b"")
    (root / "a" / ".hidden.txt").write_text(TEXT, encoding="utf-8")
    (root / "odd\nname.txt").write_text(TEXT, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    "given",
    [
        ["{tree}"],
        ["{tree}/b", "{tree}/a/brief.txt"],
        ["{tree}/missing.txt", "{tree}"],
        ["{tree}/a", "{tree}/nowhere", "{tree}/a"],  # a path given twice is read twice
        ["{tree}/empty-folder"],
    ],
)
def test_input_files_are_what_read_paths_reads(tree, given):
    paths = [path.format(tree=tree) for path in given]
    expected = list(read_paths(paths))
    assert expected and read_listed(paths) == expected


def test_input_files_names_and_order(tree):
    listed = list(input_files([str(tree), str(tree / "missing.txt")]))
    files = [entry for entry in listed if not isinstance(entry, Rejection)]
    assert all(name == shown_path(path) for path, name in files)
    assert not any("\n" in name for _, name in files)  # an odd name is shown on one line
    relative = [path.relative_to(tree).as_posix() for path, _ in files]
    assert ".hidden.txt" not in " ".join(relative)
    assert {"a/brief.txt", "a/courier.rss", "a/empty.txt", "b/records.jsonl", "b/deep/wire.html"} <= set(
        relative
    )
    names = [name for _, name in files]

    def file_of(origin: str) -> int:
        return next(
            k for k, name in enumerate(names) if origin == name or origin.startswith((name + ":", name + "#"))
        )

    records = [item for item in read_paths([str(tree)]) if isinstance(item, RawRecord)]
    order = [file_of(record.origin) for record in records]
    assert order == sorted(order)  # records come file by file, in the listed order
    rejected = [entry for entry in listed if isinstance(entry, Rejection)]
    # an empty folder inside a given one is passed over; a missing given path is named
    assert rejected == [Rejection(str(tree / "missing.txt"), "no such file or folder")]


def test_input_files_skip_what_read_paths_skips(tree):
    skip = frozenset({(tree / "b" / "records.jsonl").resolve()})
    listed = [entry for entry in input_files([str(tree)], skip) if not isinstance(entry, Rejection)]
    assert tree / "b" / "records.jsonl" not in [path for path, _ in listed]
    assert read_listed([str(tree)], skip) == list(read_paths([str(tree)], skip))


def test_standard_input_is_refused_in_its_place(tree):
    listed = list(input_files([str(tree / "a" / "brief.txt"), "-", str(tree / "z-ledger.txt")]))
    assert [entry if isinstance(entry, Rejection) else entry[1] for entry in listed] == [
        str(tree / "a" / "brief.txt"),
        Rejection("-", "standard input cannot be read here; give files or folders"),
        str(tree / "z-ledger.txt"),
    ]


# ---- one file's bytes ------------------------------------------------------------------------------

SAMPLE_FILES = sorted(path.relative_to(SAMPLES).as_posix() for path in SAMPLES.rglob("*") if path.is_file())


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_read_bytes_is_read_file(name):
    path = SAMPLES / name
    expected = list(read_file(path, str(path)))
    assert expected and list(read_bytes(path.read_bytes(), str(path))) == expected


@pytest.mark.parametrize(
    "name", ["talks/lumera-ledger.txt", "talks/records.jsonl", "talks/northwind-wire.html"]
)
def test_read_bytes_of_a_compressed_file_is_read_file(tmp_path, name):
    path = tmp_path / (Path(name).name + ".gz")
    path.write_bytes(gzip.compress((SAMPLES / name).read_bytes()))
    expected = list(read_file(path, str(path)))
    assert any(isinstance(item, RawRecord) for item in expected)
    assert list(read_bytes(path.read_bytes(), str(path))) == expected


@pytest.mark.parametrize("form", ["txt", "html"])
def test_read_bytes_takes_the_id_and_form_from_a_uris_last_part(form):
    path = next(SAMPLES.glob(f"talks/*.{form}"))
    uri = f"hdfs://namenode:8020/news/{path.name}"
    [record] = read_bytes(path.read_bytes(), uri)
    [local] = read_file(path, str(path))
    assert isinstance(record, RawRecord) and isinstance(local, RawRecord)
    assert record.origin == uri and (record.stem, record.fmt) == (local.stem, local.fmt) == (path.stem, form)
    assert (record.text, record.html) == (local.text, local.html)


def test_read_bytes_of_nothing_is_an_empty_file():
    assert list(read_bytes(b"", "s3a://bucket/empty.txt")) == [
        Rejection("s3a://bucket/empty.txt", "empty file, nothing to read")
    ]
