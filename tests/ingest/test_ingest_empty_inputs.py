"""An input that holds nothing (an empty array, an empty stream, undecodable stdin) is named, not lost."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from storydesk.cli import cli

GOOD = (
    '{"id": "g1", "source": "Harbour Post", "text": "The ferry between Velmora and Ostrel resumed on Monday '
    'after a week of storms, the port authority said. Crews had repaired the damaged ramp overnight."}\n'
)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty-array.json", b"[]", "holds no records"),
        ("empty-array-spaced.json", b"  [ \n ]  ", "holds no records"),
        ("blank-lines.jsonl", b"\n\n\n", "nothing to read"),
    ],
)
def test_a_file_with_no_records_is_named(tmp_path, name: str, content: bytes, reason: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / name).write_bytes(content)
    (folder / "good.jsonl").write_text(GOOD, encoding="utf-8")
    result = CliRunner().invoke(cli, ["ingest", str(folder), "--db", str(tmp_path / "x.db")])
    assert result.exit_code == 0
    assert "1 added" in result.output
    assert any(name in line and reason in line for line in result.stderr.splitlines())


@pytest.mark.parametrize(
    ("stdin", "reason"),
    [
        (b"", "holds no records"),
        (b"\x00\x01\x02\xff\xfe\x00\x9c" * 40, "-"),
    ],
)
def test_stdin_with_nothing_readable_is_named(tmp_path, stdin: bytes, reason: str) -> None:
    result = CliRunner().invoke(cli, ["ingest", "-", "--db", str(tmp_path / "x.db")], input=stdin)
    assert result.exit_code == 1
    assert "internal error" not in result.stderr
    assert any(line.startswith("rejected: -") and reason in line for line in result.stderr.splitlines())
