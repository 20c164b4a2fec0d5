"""Scale-out, the stored tables as Parquet: every table of the store written under ``DIR/parquet/<table>/``
(a folder of part files, as Spark writes and reads them), and read back into a SQLite store so that
`serve` and Datasette open a run made elsewhere.

The tables are the store's own (its migrations define them); full-text indexes are not written, since the
store's triggers rebuild them as rows are imported. The migrations log is the importing store's own.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError
from ..store import Store

ROWS_PER_FILE = 50_000
SKIPPED = {"_migrations"}


def stored_tables(conn: sqlite3.Connection) -> list[str]:
    """The store's tables, without the full-text indexes (virtual tables and their shadow tables)."""
    rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall()
    virtual = [name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL")]
    return [
        name
        for name, _ in rows
        if name not in SKIPPED
        and not name.startswith("sqlite_")
        and name not in virtual
        and not any(name.startswith(table + "_") for table in virtual)
    ]


def _arrow_type(declared: str):
    import pyarrow as pa

    kind = declared.upper()
    if "INT" in kind:
        return pa.int64()
    if any(word in kind for word in ("REAL", "FLOA", "DOUB")):
        return pa.float64()
    if "BLOB" in kind:
        return pa.binary()
    return pa.string()


def _columns(conn: sqlite3.Connection, table: str) -> list[tuple[str, str]]:
    return [(row[1], row[2]) for row in conn.execute(f'PRAGMA table_info("{table}")')]


def _batches(conn: sqlite3.Connection, table: str, names: list[str]) -> Iterator[list[tuple]]:
    cursor = conn.execute(f'SELECT {", ".join(f"{chr(34)}{name}{chr(34)}" for name in names)} FROM "{table}"')
    while True:
        rows = cursor.fetchmany(ROWS_PER_FILE)
        if not rows:
            return
        yield rows


def _arrow_table(columns: list[tuple[str, str]], rows: list[tuple]):
    import pyarrow as pa

    arrays = []
    for index, (_, declared) in enumerate(columns):
        values = [row[index] for row in rows]
        try:
            arrays.append(pa.array(values, type=_arrow_type(declared)))
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
            # SQLite keeps any value in any column: one that does not fit the declared type is kept as text
            arrays.append(pa.array([None if v is None else str(v) for v in values], type=pa.string()))
    return pa.Table.from_arrays(arrays, names=[name for name, _ in columns])


def write_parquet(store: Store, folder: Path) -> dict[str, int]:
    """Write every stored table under ``folder``/<table>/part-NNNNN.parquet (replacing what a previous run
    wrote there); return the rows written per table."""
    import pyarrow.parquet as pq

    written: dict[str, int] = {}
    for table in stored_tables(store.conn):
        target = folder / table
        target.mkdir(parents=True, exist_ok=True)
        for old in target.glob("part-*.parquet"):
            old.unlink()
        columns = _columns(store.conn, table)
        names = [name for name, _ in columns]
        count = part = 0
        for rows in _batches(store.conn, table, names):
            pq.write_table(_arrow_table(columns, rows), target / f"part-{part:05d}.parquet")
            part += 1
            count += len(rows)
        if part == 0:  # an empty table is still written, with its columns
            pq.write_table(_arrow_table(columns, []), target / "part-00000.parquet")
        written[table] = count
    return written


def import_parquet(folder: str | Path, store: Store) -> dict[str, int]:
    """Make ``store``'s tables hold what a run wrote under ``folder`` (``DIR/parquet``, or ``DIR``): each
    table found there is replaced, in one transaction; return the rows imported per table."""
    import pyarrow.parquet as pq

    root = Path(folder)
    if (root / "parquet").is_dir():
        root = root / "parquet"
    found = (
        sorted(path for path in root.iterdir() if path.is_dir() and any(path.glob("*.parquet")))
        if root.is_dir()
        else []
    )
    if not found:
        raise InputError(
            str(folder), "holds no Parquet tables; give the --out folder of a `storydesk spark` run"
        )
    known = set(stored_tables(store.conn))
    imported: dict[str, int] = {}
    conn = store.conn
    if conn.in_transaction:
        conn.commit()
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("BEGIN IMMEDIATE")
    try:
        for path in found:
            if path.name in known:
                imported[path.name] = _import_table(conn, path.name, pq.read_table(path).to_pylist())
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.execute("PRAGMA foreign_keys = ON")
    return imported


def _import_table(conn: sqlite3.Connection, table: str, rows: list[dict]) -> int:
    names = [name for name, _ in _columns(conn, table)]
    conn.execute(f'DELETE FROM "{table}"')
    if not rows:
        return 0
    usable = [name for name in names if name in rows[0]]
    sql = (
        f'INSERT INTO "{table}" ({", ".join(f"{chr(34)}{n}{chr(34)}" for n in usable)}) '
        f"VALUES ({', '.join('?' for _ in usable)})"
    )
    conn.executemany(sql, [[row[name] for name in usable] for row in rows])
    return len(rows)
