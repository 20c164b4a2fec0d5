"""Command line: a thin click layer over storydesk.api, one verb per pipeline entry point.

The pipeline's verbs, in order: ingest, parse (the analyze stage), cluster, reconcile, report over
``--db``; ``run`` does all five at once, and ``analyze`` is its name in the contract (an alias).

Errors are turned into one line on stderr in one place, ``Cli.invoke``: no traceback reaches a user
unless STORYDESK_DEBUG=1 is set (or, in the debug log, with ``-vv``). Logging is configured in one
place, ``configure_logging``.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from . import api
from .errors import StorydeskError
from .store import DEFAULT_DB

if TYPE_CHECKING:
    from .ingest.watch import WatchRound
    from .models import IngestReport

db_option = click.option(
    "--db",
    "db",
    default=DEFAULT_DB,
    show_default=True,
    type=click.Path(dir_okay=False),
    help="SQLite database file.",
)
# The stages after ingest work on a database that ingest made: a missing one is a usage error, never
# made empty.
stage_db_option = click.option(
    "--db",
    "db",
    default=DEFAULT_DB,
    show_default=True,
    type=click.Path(exists=True, dir_okay=False),
    help="SQLite database file (made by `storydesk ingest`).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")

INTERRUPTED = 130  # the shell's code for a run stopped by Ctrl-C
LOG_LEVELS = (logging.WARNING, logging.INFO, logging.DEBUG)  # by the count of -v

log = logging.getLogger(__name__)


def one_line(text: str) -> str:
    """A message on one line: a newline in a file name or an error text cannot forge a second one."""
    return text.replace("\n", "\\n").replace("\r", "\\r")


def error_message(exc: BaseException) -> str:
    """The one line a user sees for an error (without ``error: ``)."""
    if isinstance(exc, StorydeskError):
        return str(exc)
    if isinstance(exc, sqlite3.DatabaseError):
        return f"database error ({exc}); check that --db is a database made by `storydesk ingest`"
    if isinstance(exc, OSError):
        return f"{exc.filename}: {exc.strerror or exc}" if exc.filename is not None else str(exc)
    return f"internal error ({type(exc).__name__}: {exc}); please report it"


def _exit(message: str, code: int) -> NoReturn:
    click.echo(f"error: {one_line(message)}", err=True)
    sys.exit(code)


def _drop_stdout() -> None:
    """Point stdout at /dev/null so that the exit flush does not fail a second time."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # not a real file (a test runner's buffer)
        pass


class _Lines(logging.Formatter):
    """``level: logger: message`` on one line; a record's traceback (the debug log's) follows it."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{record.levelname.lower()}: {record.name}: {one_line(record.getMessage())}"
        return line + "\n" + self.formatException(record.exc_info) if record.exc_info else line


class _Stderr(logging.Handler):
    """Writes to the stderr of the moment (click's, so that a test runner's capture sees it too)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            click.echo(self.format(record), err=True)
        except Exception:
            self.handleError(record)


def configure_logging(verbose: int) -> None:
    """storydesk's loggers to stderr: warnings, -v INFO (each stage's counts), -vv DEBUG (each skipped
    item, with its traceback). Other libraries' loggers are left as they are."""
    root = logging.getLogger("storydesk")
    for old in [existing for existing in root.handlers if isinstance(existing, _Stderr)]:
        root.removeHandler(old)
    handler = _Stderr()
    handler.setFormatter(_Lines())
    root.addHandler(handler)
    root.setLevel(LOG_LEVELS[min(verbose, len(LOG_LEVELS) - 1)])


class Cli(click.Group):
    """The group whose ``invoke`` is the one place errors are reported: one line, a meaningful exit code.

    ``storydesk --help`` lists the commands in the order they are defined: the pipeline's first.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise  # click's own: usage errors exit 2
        except BrokenPipeError:  # `storydesk articles | head`: the reader left, nothing to say
            _drop_stdout()
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted; re-run to resume", err=True)
            sys.exit(INTERRUPTED)
        except Exception as exc:
            if os.environ.get("STORYDESK_DEBUG") == "1":
                raise
            log.debug("the command failed", exc_info=True)
            _exit(error_message(exc), 1)


def _print_rejections(report) -> None:
    for rejection in report.rejected:
        click.echo(f"rejected: {rejection.path}: {rejection.reason}", err=True)


@click.group(cls=Cli)
@click.version_option(package_name="storydesk")
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="Log each stage's counts to stderr; -vv: also each skipped item, with its traceback.",
)
def cli(verbose: int) -> None:
    """storydesk: read many outlets' reports of the same events and reconcile them, story by story.

    The pipeline, one verb a stage over a database (--db): ingest, parse, cluster, reconcile, report.
    `run` does them all into a folder; `analyze` is the same command under the name the contract gives it.

    Example: storydesk -v run samples/ --out out/
    """
    configure_logging(verbose)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@db_option
@json_option
def ingest(paths: tuple[str, ...], db: str, as_json: bool) -> None:
    """Add articles from files, folders or - (JSON lines on stdin) to the database.

    Reads plain text, HTML, JSON lines / JSON arrays, RSS/Atom feeds and WARC files.
    Bad inputs are skipped with a one-line reason; everything else is kept.

    Example: storydesk ingest news/ feed.xml --db news.db
    """
    with api.open_store(db) as store:
        report = api.ingest(list(paths), store)
    _print_rejections(report)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "added": report.added,
                    "unchanged": report.unchanged,
                    "rejected": [asdict(rejection) for rejection in report.rejected],
                    "duplicates": report.duplicates,
                },
                indent=2,
            )
        )
    else:
        click.echo(
            f"{len(report.added)} added, {len(report.unchanged)} unchanged, "
            f"{len(report.rejected)} rejected -> {db}"
        )
    sys.exit(0 if report.read else 1)


@cli.command()
@stage_db_option
def parse(db: str) -> None:
    """The analyze stage alone, over a database.

    Finds the sentences, entities, quotes, numbers and dates of each article not analysed yet (or changed
    since); prints how many. (`storydesk analyze PATH... --out DIR` is the one-shot `run`, not this.)

    Example: storydesk parse --db news.db
    """
    with api.open_store(db) as store:
        done = api.analyze(store)
    click.echo(f"{done} articles analysed -> {db}")


@cli.command()
@stage_db_option
def cluster(db: str) -> None:
    """Group the stored articles into stories.

    Finds copies and places every article not in a story yet; prints how many stories there are. Run
    `storydesk parse` first: an article without its analysis is placed on its words alone.

    Example: storydesk cluster --db news.db
    """
    with api.open_store(db) as store:
        found = api.cluster(store)
    click.echo(f"{len(found)} stories -> {db}")


@cli.command()
@click.argument("story_ids", nargs=-1, metavar="[STORY_ID]...")
@stage_db_option
def reconcile(story_ids: tuple[str, ...], db: str) -> None:
    """Build the dossiers whose inputs changed.

    Builds and stores the dossier of each story (or of each STORY_ID), skipping those whose articles and
    analyses did not change since their dossier was built; prints how many were built.

    Example: storydesk reconcile --db news.db s-1a2b3c4d
    """
    with api.open_store(db) as store:
        built = api.reconcile(store, list(story_ids) or None)
    click.echo(f"{len(built)} dossiers built -> {db}")


@cli.command()
@stage_db_option
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help="Folder for the reports.")
def report(db: str, out: str) -> None:
    """Write the reports from the stored dossiers.

    Writes OUT/index.json, OUT/index.html and OUT/stories/<id>.{json,md,html} for every stored story; a
    story whose dossier is missing or out of date is reconciled first.

    Example: storydesk report --db news.db --out out/
    """
    with api.open_store(db) as store:
        found = api.report(store, out)
    click.echo(f"{len(found)} stories -> {Path(out) / 'index.html'}")


def one_shot_options(command: Callable[..., None]) -> Callable[..., None]:
    """The arguments of `run` and of its alias `analyze`: PATH..., --out, --db."""
    command = click.option(
        "--db",
        "db",
        default=None,
        type=click.Path(dir_okay=False),
        help="Database file (default: OUT/storydesk.db).",
    )(command)
    command = click.option(
        "--out", "out", required=True, type=click.Path(file_okay=False), help="Folder for the reports."
    )(command)
    return click.argument("paths", nargs=-1, required=True)(command)


def one_shot(paths: tuple[str, ...], out: str, db: str | None) -> None:
    """`run` and `analyze`: exit 0 when an article was read, 1 when none could be (click: 2 on usage)."""
    result = api.run(list(paths), out, db=db)
    _print_run(result.report, len(result.stories), str(Path(out) / "index.html"))


def _print_run(report: IngestReport, stories: int, where: str) -> None:
    """A one-shot run's rejections and its line; exit 1 when no article could be read."""
    _print_rejections(report)
    if not report.read:
        click.echo("error: no article could be read; check the paths and the reasons above", err=True)
        sys.exit(1)
    click.echo(f"{report.read} articles, {len(report.rejected)} rejected, {stories} stories -> {where}")


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--out", "out", required=True, help="Folder (or Hadoop URI) for the reports and Parquet tables."
)
@click.option("--master", default=None, help="Spark master URL  [default: local[2], or spark-submit's]")
@click.option(
    "--db",
    "db",
    default=None,
    type=click.Path(dir_okay=False),
    help="Database file (default: OUT/storydesk.db).",
)
def spark(paths: tuple[str, ...], out: str, master: str | None, db: str | None) -> None:
    """The analyze job on Apache Spark: the same outputs as `analyze`, plus OUT/parquet/<table>/.

    Reading, cleaning, analysis, embedding, clustering (in blocks of publication days, merged across
    their borders) and dossiers run on the executors; ids, copies and stories are kept in the database.
    PATH and OUT may be local or Hadoop URIs (hdfs://, s3a://). Needs `pip install 'storydesk[spark]'`
    and Java 17 or later.

    Example: storydesk spark samples/ --out out-spark/ --master 'local[2]'
    """
    result = api.spark(list(paths), out, master=master, db=db)
    _print_run(result.report, len(result.stories), out)


@cli.command(name="import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@db_option
def import_(folder: str, db: str) -> None:
    """Read the Parquet tables of a `storydesk spark` run (its OUT folder) into a database, replacing
    the tables it holds, so that `serve` and Datasette open the run.

    Example: storydesk import out-spark/ --db news.db
    """
    with api.open_store(db) as store:
        imported = api.import_parquet(folder, store)
    click.echo(f"{len(imported)} tables, {sum(imported.values())} rows -> {db}")


@cli.command()
@one_shot_options
def run(paths: tuple[str, ...], out: str, db: str | None) -> None:
    """One shot: every stage, into OUT.

    Ingests PATH..., then parses, clusters, reconciles and reports. Writes OUT/index.json, OUT/index.html
    and OUT/stories/<id>.{json,md,html}.

    Example: storydesk run samples/ --out out/
    """
    one_shot(paths, out, db)


@cli.command()
@one_shot_options
def analyze(paths: tuple[str, ...], out: str, db: str | None) -> None:
    """One shot, as `run` (the contract's name for it).

    Reads, analyzes, clusters, reconciles and writes reports to OUT: OUT/index.json, OUT/index.html and
    OUT/stories/<id>.{json,md,html}. The analyze stage alone, over a database, is `storydesk parse`.

    Example: storydesk analyze samples/ --out out/
    """
    one_shot(paths, out, db)


@cli.command()
@db_option
@json_option
def stories(db: str, as_json: bool) -> None:
    """List stories. New articles are analysed and clustered first: only then is the database written.

    On a read-only database with new articles, lists the stories stored so far and says why.

    Example: storydesk stories --db news.db
    """
    listed = api.stories(db)
    if listed.note:
        click.echo(f"note: {one_line(listed.note)}", err=True)
    found = listed.stories
    if as_json:
        click.echo(json.dumps([asdict(story) for story in found], indent=2, ensure_ascii=False))
        return
    for story in found:
        click.echo(
            f"{story.id}\t{story.first_published or '-'}\t{len(story.article_ids)} articles\t"
            f"{len(story.sources)} sources\t{story.title}"
        )


@cli.command()
@click.argument("story_id")
@db_option
@click.option("--format", "fmt", type=click.Choice(["json", "md", "html"]), default="json", show_default=True)
def dossier(story_id: str, db: str, fmt: str) -> None:
    """Print the reconciled dossier of one story as JSON, Markdown or HTML (reads only: a dossier not
    built yet is built in memory).

    Example: storydesk dossier s-1a2b3c4d --format md
    """
    from .report import render

    with api.open_store(db, readonly=True) as store:
        doc = api.dossier(store, story_id)
    click.echo(render(doc, fmt))


@cli.command()
@db_option
@json_option
def articles(db: str, as_json: bool) -> None:
    """List the stored articles (reads only: the database must exist).

    Example: storydesk articles --db news.db --json
    """
    with api.open_store(db, readonly=True) as store:
        rows = [
            {
                "id": article.id,
                "source": article.source,
                "title": article.title,
                "published": article.published,
                "words": article.words,
                "copy_of": article.copy_of,
                "brief": article.brief,
            }
            for article in store.iter_articles()
        ]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        tag = "[brief] " if row["brief"] else ""
        click.echo(f"{row['id']}\t{row['published'] or '-'}\t{row['source']}\t{tag}{row['title'] or ''}")


@cli.command()
@click.argument("article_id")
@db_option
@json_option
@click.option("--analysis", is_flag=True, help="Show the stored analysis (entities, quotes, numbers, ...).")
def article(article_id: str, db: str, as_json: bool, analysis: bool) -> None:
    """Show one article: metadata, clean text, and what cleaning removed (reads only).

    Example: storydesk article 000_e1b6c507393c21c7 --analysis
    """
    from .report.article import article_as_text, article_payload

    with api.open_store(db, readonly=True) as store:
        payload = article_payload(store, article_id, analysis)
    click.echo(json.dumps(payload, indent=2, ensure_ascii=False) if as_json else article_as_text(payload))


@cli.command()
@click.argument(
    "ratings_file", required=False, metavar="[FILE.csv]", type=click.Path(exists=True, dir_okay=False)
)
@stage_db_option
@click.option("--clear", is_flag=True, help="Remove the stored ratings instead of loading a file.")
def leanings(ratings_file: str | None, db: str, clear: bool) -> None:
    """Load your outlet ratings (a CSV with the header outlet,leaning); none ship with storydesk.

    Leanings are your own labels (left, center, right, or others), kept as written. Outlets are matched
    to the articles' sources exactly, else ignoring case and spacing; those no article names are listed
    in a note. Loading again replaces the ratings; --clear removes them. With ratings, `storydesk serve`
    shows each story's split by leaning and lists blindspots; without, nothing about leaning is shown.

    Example: storydesk leanings ratings.csv --db news.db
    """
    if clear == bool(ratings_file):
        raise click.UsageError("give FILE.csv to load ratings, or --clear to remove them (not both)")
    with api.open_store(db) as store:
        if ratings_file is None:
            removed = api.clear_leanings(store)
            click.echo(f"{_count(removed, 'rating', 'ratings')} removed -> {db}")
            return
        loaded = api.set_leanings(ratings_file, store)
    if loaded.unmatched:
        unmatched = _count(len(loaded.unmatched), "rated outlet", "rated outlets")
        names = one_line(", ".join(loaded.unmatched))
        click.echo(f"note: {unmatched} not the source of any stored article: {names}", err=True)
    labels = one_line(", ".join(loaded.leanings))
    click.echo(f"{_count(loaded.outlets, 'outlet', 'outlets')} rated ({labels}) -> {db}")


@cli.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(db: str, host: str, port: int) -> None:
    """Browse stories and dossiers in a local web app; it opens the database read-only.

    It answers only requests addressed to this machine's loopback names (localhost, 127.0.0.1, [::1])
    or to --host when that is another address (with --host 0.0.0.0: any address, and this machine's
    name), so that a web page cannot read the archive through DNS rebinding.

    Example: storydesk serve --db news.db --port 8000
    """
    from .web import serve as run_server

    run_server(db, host, port)


def _read_pairs(path: str) -> list[dict]:
    """The valid lines of a pairs file; each malformed line is named on stderr with its number."""
    pairs = []
    stream = sys.stdin if path == "-" else open(path, encoding="utf-8", errors="replace")  # noqa: SIM115
    with stream:
        for number, line in enumerate(stream, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                click.echo(f"skipped: {path}:{number}: not JSON ({exc.msg})", err=True)
                continue
            missing = [
                field
                for field in ("id", "a", "b")
                if not isinstance(row, dict) or not isinstance(row.get(field), str | int)
            ]
            if missing or not str(row["a"]).strip() or not str(row["b"]).strip():
                click.echo(f'skipped: {path}:{number}: needs "id", "a" and "b" (non-empty)', err=True)
                continue
            pairs.append(row)
    return pairs


@cli.command()
@click.argument("pairs_file", metavar="PAIRS.jsonl", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--out", "out", type=click.Path(dir_okay=False), help="Write the results here instead of stdout."
)
def compare(pairs_file: str, out: str | None) -> None:
    """Say how statement b bears on statement a, for each line {"id", "a", "b"} of PAIRS.jsonl.

    Prints one line {"id", "relation", "score"} per pair: relation is corroborates, disputes, related
    or unrelated; score (0-1) is the confidence. b may be a whole article. Optional fields a_title and
    b_title help. This is the judgement the dossier aligns claims and marks disputes with.

    Example: storydesk compare pairs.jsonl --out relations.jsonl
    """
    if pairs_file != "-" and not Path(pairs_file).is_file():
        _exit(f"{pairs_file}: no such file", 2)
    results = api.compare(_read_pairs(pairs_file))
    lines = [json.dumps(asdict(result)) for result in results]
    if out:
        Path(out).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        click.echo(f"{len(lines)} pairs -> {out}", err=True)
    else:
        for line in lines:
            click.echo(line)
    sys.exit(0 if lines else 1)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _round_line(found: WatchRound, db: str) -> str:
    """One round of `watch` on one line: feeds ok and failed, articles new and edited, stories touched."""
    feeds = [fetch for fetch in found.fetches if fetch.kind == "feed"]
    ok = [fetch for fetch in feeds if fetch.outcome != "error"]
    unchanged = sum(fetch.outcome == "not_modified" for fetch in ok)
    failed = sum(fetch.kind != "page" for fetch in found.failures)
    pages = len(found.failures) - failed
    sources = _count(len(ok), "feed", "feeds") + " ok" + (f" ({unchanged} not modified)" if unchanged else "")
    sources += f", {failed} failed" + (f", {_count(pages, 'page', 'pages')} failed" if pages else "")
    articles = f"{len(found.new_articles)} new, {len(found.edited_articles)} edited"
    stories = (
        _count(len(found.touched_stories), "story", "stories") + f" touched ({len(found.new_stories)} new)"
    )
    return f"round {found.id}: {sources}; {articles}; {stories} -> {db}"


def _print_round(found: WatchRound, db: str) -> None:
    for rejection in found.rejected:
        click.echo(f"rejected: {one_line(rejection.path)}: {one_line(rejection.reason)}", err=True)
    for failure in found.failures:
        click.echo(f"failed: {one_line(failure.url)}: {one_line(failure.reason or '')}", err=True)
    click.echo(_round_line(found, db), err=True)


@cli.command()
@click.argument("sources", nargs=-1, required=True, metavar="URL|FILE...")
@db_option
@click.option(
    "--every",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="MINUTES",
    help="Minutes from one round's start to the next, until Ctrl-C.  [default: 30]",
)
@click.option("--once", is_flag=True, help="Run one round and exit (for cron and for tests).")
@click.option(
    "--delay",
    type=click.FloatRange(min=0),
    default=1.0,
    show_default=True,
    metavar="SECONDS",
    help="Pause between two requests to the same host.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=15.0,
    show_default=True,
    metavar="SECONDS",
    help="How long a server may stay silent before the request is given up.",
)
def watch(
    sources: tuple[str, ...], db: str, every: float | None, once: bool, delay: float, timeout: float
) -> None:
    """Poll RSS/Atom feeds (a URL, a file, or an OPML list of them) and add what is new.

    Each round asks every feed whether it changed (conditional GET), fetches the page of each new item
    that carries only a summary, stores the new articles and the edited ones (an edited article keeps
    its earlier versions), then analyses, clusters and reconciles the stories it touched. One line per
    round on stderr. A feed or page that cannot be fetched is named with its reason and tried again next
    round. Exit status: 0 when the round ran, 1 when every feed failed; Ctrl-C stops --every with 0.

    Example: storydesk watch https://news.example/feed.xml feeds.opml --db news.db --every 15
    """
    from .ingest.watch import DEFAULT_EVERY

    if once:
        with api.open_store(db) as store:
            rounds = api.watch(
                list(sources), store, delay=delay, timeout=timeout, on_round=_round_printer(db)
            )
        sys.exit(1 if rounds[-1].all_failed else 0)
    interrupts = _Interrupts()
    previous = signal.signal(signal.SIGINT, interrupts)
    try:
        with api.open_store(db) as store:
            api.watch(
                list(sources),
                store,
                every=every or DEFAULT_EVERY,
                delay=delay,
                timeout=timeout,
                on_round=_round_printer(db),
                stop=interrupts.asked,
            )
    except KeyboardInterrupt:
        pass  # the second Ctrl-C: the round is marked interrupted, what it committed stays
    finally:
        signal.signal(signal.SIGINT, previous)
    click.echo("stopped; every round's committed data is kept", err=True)


def _round_printer(db: str) -> Callable[[WatchRound], None]:
    return lambda found: _print_round(found, db)


class _Interrupts:
    """Ctrl-C under `watch --every`: the first lets the round running finish, then the rounds stop; the
    second stops the round at once. (A KeyboardInterrupt that lands in a ``__del__`` is lost, so the
    first one only sets a flag.)"""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, signum: int, frame: object) -> None:
        self.count += 1
        if self.count > 1:
            raise KeyboardInterrupt
        os.write(2, b"stopping after this round (Ctrl-C again to stop at once)\n")

    def asked(self) -> bool:
        return self.count > 0


if __name__ == "__main__":  # pragma: no cover
    cli()
