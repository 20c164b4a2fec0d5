"""Benchmark/probe of issue 13 (hardening): `.venv/bin/python bench/probe.py` (`--quick`, `--only FAMILY`).

Reruns the whole probe of issue 13 against the installed CLI, through subprocesses, in temp folders:

    bad-input    each bad kind beside 25 good articles (ingest; analyze for a subset); "bad first"
    fuzz         random mutations of good inputs of every format, batched per format
    kills        kill -9 of analyze and ingest at random times; integrity, orphans, re-run = clean run
    concurrency  two ingests at once on a new database; the same texts under two ids at once
    serve        every route GET and HEAD, hostile requests; the database file must stay byte-identical
    cli          error cases of every verb: one line, a meaningful exit code, no traceback
    xss          static scan of analyze's HTML for article text left unescaped

It prints one row per family (`cases tried | failures | goal`, the goal being 0 failures in every row),
then one line per failure naming the case and what went wrong. Exit status 1 if anything failed.

    .venv/bin/python bench/probe.py                       # everything (under ~10 minutes on 2 cores)
    .venv/bin/python bench/probe.py --quick               # a small subset (under ~2 minutes)
    .venv/bin/python bench/probe.py --only serve          # one family (repeatable)
    .venv/bin/python bench/probe.py --fuzz 1000 --kills 17 --seed 7 --keep

All articles are generated here from templates: fictional outlets, places, people and events.
"""

from __future__ import annotations

import argparse
import codecs
import gzip
import hashlib
import http.client
import io
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import zipfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SECRET = "probe-secret-7f3a91c2"  # in the children's environment: must never reach a database
PASSWD_MARK = "root:x:0:0"
TRACEBACK = b"Traceback (most recent call last)"


def find_cli() -> str:
    local = REPO / ".venv" / "bin" / "storydesk"
    if local.exists():
        return str(local)
    found = shutil.which("storydesk")
    if not found:
        sys.exit("probe: no storydesk CLI (neither .venv/bin/storydesk nor one on PATH)")
    return found


CLI = find_cli()
ENV = {**os.environ, "PROBE_SECRET": SECRET, "PYTHONUNBUFFERED": "1"}


# ---- running the CLI -----------------------------------------------------------------------------


@dataclass
class Run:
    args: list[str]
    rc: int | None
    out: bytes
    err: bytes
    secs: float
    timed_out: bool = False
    peak_mb: float = 0.0

    @property
    def stderr(self) -> str:
        return self.err.decode("utf-8", "replace")

    @property
    def stdout(self) -> str:
        return self.out.decode("utf-8", "replace")

    @property
    def traceback(self) -> bool:
        return TRACEBACK in self.err or TRACEBACK in self.out

    @property
    def internal_error(self) -> str:
        """The CLI's line for an unexpected exception ("internal error (...); please report it"), or ""."""
        m = re.search(r"internal error \(.*", self.stderr)
        return m.group(0)[:200] if m else ""

    def last_error_line(self) -> str:
        lines = [ln.strip() for ln in self.stderr.splitlines() if ln.strip()]
        return lines[-1][:160] if lines else ""


def peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


def start_cli(args: list[str], cwd: Path | None = None, stdin: int | None = None) -> subprocess.Popen:
    """The CLI in a session of its own, so that a hang can be killed with everything it started."""
    return subprocess.Popen(
        [CLI, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=stdin if stdin is not None else subprocess.DEVNULL,
        cwd=cwd,
        env=ENV,
        start_new_session=True,
    )


def kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_cli(
    args: list[str],
    timeout: float = 60,
    cwd: Path | None = None,
    stdin_bytes: bytes | None = None,
    watch_memory: bool = False,
) -> Run:
    t0 = time.monotonic()
    proc = start_cli(args, cwd, subprocess.PIPE if stdin_bytes is not None else None)
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            peak[0] = max(peak[0], peak_rss_mb(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    if watch_memory:
        sampler.start()
    timed_out = False
    try:
        out, err = proc.communicate(stdin_bytes, timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        kill_group(proc.pid)
        out, err = proc.communicate()
    finally:
        done.set()
    kill_group(proc.pid)  # whatever it left behind in its session
    return Run(
        args, None if timed_out else proc.returncode, out, err, time.monotonic() - t0, timed_out, peak[0]
    )


def run_problems(run: Run, what: str = "", expect_ok: bool = True) -> list[str]:
    """What is wrong with a run at the process level: a hang, a traceback, an unexpected exit."""
    problems = []
    if run.timed_out:
        problems.append(f"{what}hang: no exit within {run.secs:.0f} s")
        return problems
    if run.traceback:
        problems.append(f"{what}traceback: {traceback_summary(run.stderr)}")
    elif run.internal_error:
        problems.append(f"{what}crash behind a one-liner: {run.internal_error}")
    if expect_ok and run.rc != 0:
        problems.append(f"{what}exit {run.rc} although good articles were given ({run.last_error_line()!r})")
    return problems


def traceback_summary(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    for i in range(len(lines) - 1, -1, -1):
        if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit|Warning)\b", lines[i]):
            where = next(
                (lines[j].strip() for j in range(i - 1, -1, -1) if lines[j].strip().startswith("File ")), ""
            )
            return f"{lines[i][:140]} [{where[:120]}]"
    return lines[-1][:160] if lines else "?"


# ---- the database, read-only ---------------------------------------------------------------------


def db_rows(db: Path) -> list[dict]:
    """Every stored article (id, source, title, url, path, content_hash, text); [] without a database."""
    if not db.exists():
        return []
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
        try:
            con.row_factory = sqlite3.Row
            cols = {r[1] for r in con.execute("PRAGMA table_info(articles)")}
            want = [c for c in ("id", "source", "title", "url", "path", "content_hash", "text") if c in cols]
            return [dict(r) for r in con.execute(f"SELECT {', '.join(want)} FROM articles")]
        finally:
            con.close()
    except sqlite3.Error:
        return []


def integrity(db: Path) -> str:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
        try:
            return con.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error as exc:
        return f"cannot check: {exc}"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "missing"


# ---- fictional articles --------------------------------------------------------------------------

CITIES = [
    "Keldmoor",
    "Paxton Reach",
    "Ulvany",
    "Brisk Harbour",
    "Tarrow",
    "Mirelan",
    "Oskvale",
    "Dunmere",
    "Calloway Flats",
    "Venreth",
    "Holloway Cross",
    "Serrin Bay",
    "Amberleigh",
    "Corvath",
    "Lindqvist Point",
]
COUNTRIES = ["Estova", "Marrland", "Quorvia", "Tesselund", "Varkhos", "Pellinor"]
OUTLETS = [
    "The Keldmoor Courier",
    "Estova Daily Signal",
    "Harrowgate Post",
    "The Lantern Wire",
    "Quorvia Morning Star",
    "Riverside Dispatch",
    "Tesselund Tribune",
    "North Fen Gazette",
    "The Amberleigh Observer",
    "Coastline Bulletin",
]
FIRST = [
    "Mara",
    "Tobin",
    "Ilse",
    "Corwin",
    "Anouk",
    "Dariel",
    "Petra",
    "Lucan",
    "Sefa",
    "Oren",
    "Yara",
    "Bastian",
    "Nell",
    "Ivo",
    "Rhea",
    "Caspar",
]
LAST = [
    "Vantorre",
    "Halloway",
    "Brisco",
    "Oyelaran",
    "Strand",
    "Kuvel",
    "Marchetti",
    "Dunsany",
    "Ferrow",
    "Aldane",
    "Quillon",
    "Rask",
    "Tamberly",
    "Vosk",
    "Elling",
    "Pardoe",
]
COMPANIES = [
    "Greyfen Motors",
    "Solvane Chemicals",
    "Ardent Rail",
    "Pellmark Foods",
    "Nortide Energy",
    "Brightwell Textiles",
    "Cobalt Reach Mining",
    "Halvard Shipping",
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

# Each event: title variants and fact sentences, two phrasings each; slots are filled per event.
EVENTS = [
    {
        "titles": [
            "Floods cut power to {n} homes in {city}",
            "{city} counts the cost as river bursts its banks",
        ],
        "facts": [
            [
                "Floodwater cut power to about {n} homes in {city} on {day}, "
                "the regional grid operator said.",
                "About {n} households in {city} lost electricity on {day} after the river broke its banks.",
            ],
            [
                "The Tarn river rose {m} metres above its usual level overnight.",
                "Gauges showed the river {m} metres higher than normal by dawn.",
            ],
            [
                "Emergency crews evacuated {k} residents from the lowest streets.",
                "{k} people were moved out of low-lying streets by emergency crews.",
            ],
            [
                "Schools across the district will stay closed until the water recedes.",
                "District schools remain shut while the water goes down.",
            ],
        ],
        "quote": "We have not seen water like this in a generation",
    },
    {
        "titles": ["{person} wins mayoral race in {city}", "{city} elects {person} as mayor"],
        "facts": [
            [
                "{person} won the mayoral election in {city} on {day} with {pct} percent of the vote.",
                "Voters in {city} chose {person} as mayor on {day}, giving the candidate {pct} percent.",
            ],
            [
                "Turnout reached {pct2} percent, the highest in the city for twenty years.",
                "Officials put turnout at {pct2} percent, a twenty-year high for the city.",
            ],
            [
                "The new mayor promised to rebuild the harbour market within {m} months.",
                "Rebuilding the harbour market within {m} months was the winner's first pledge.",
            ],
            [
                "The outgoing council had governed the city for three terms.",
                "The previous council had been in office for three terms.",
            ],
        ],
        "quote": "This city voted for repair, not for slogans",
    },
    {
        "titles": [
            "{company} to close {city} plant, {n} jobs at risk",
            "{n} jobs go as {company} shuts {city} works",
        ],
        "facts": [
            [
                "{company} said on {day} it would close its plant in {city}, putting {n} jobs at risk.",
                "The closure of the {company} works in {city}, announced on {day}, threatens {n} jobs.",
            ],
            [
                "The company blamed falling orders and energy costs up {pct} percent in a year.",
                "Falling orders and a {pct} percent rise in energy prices were cited by the firm.",
            ],
            [
                "Unions called a meeting of workers for next week.",
                "Worker representatives have called a meeting for next week.",
            ],
            [
                "The plant opened in {city} more than forty years ago.",
                "Production began at the site over four decades ago.",
            ],
        ],
        "quote": "These are skilled people and they deserve better than a letter",
    },
    {
        "titles": ["Dockworkers strike halts {city} port", "Port of {city} idle as {k} dockworkers walk out"],
        "facts": [
            [
                "About {k} dockworkers walked out at the port of {city} on {day} in a dispute over pay.",
                "A pay dispute brought {k} dockworkers out on strike in {city} on {day}.",
            ],
            [
                "At least {m} container ships were waiting offshore by evening.",
                "By nightfall {m} container ships sat at anchor outside the harbour.",
            ],
            [
                "The union is asking for a raise of {pct} percent over two years.",
                "Union negotiators want wages {pct} percent higher across two years.",
            ],
            [
                "The port authority said talks would resume on Thursday.",
                "Talks are due to restart on Thursday, according to the port authority.",
            ],
        ],
        "quote": "Nobody here wanted to stop work, but the offer was an insult",
    },
    {
        "titles": ["Wildfire forces evacuations near {city}", "Fire near {city} burns {n} hectares"],
        "facts": [
            [
                "A wildfire burned about {n} hectares of forest near {city} by {day}, fire officials said.",
                "Fire officials said roughly {n} hectares of woodland near {city} had burned by {day}.",
            ],
            [
                "{k} villagers were told to leave their homes as the wind turned.",
                "When the wind shifted, {k} villagers were ordered to evacuate.",
            ],
            [
                "{m} aircraft dropped water on the eastern edge of the fire.",
                "Water was dropped along the fire's eastern flank by {m} aircraft.",
            ],
            [
                "No injuries had been reported by the evening.",
                "There were no reports of injuries by evening.",
            ],
        ],
        "quote": "The next two days will decide whether we hold the line",
    },
    {
        "titles": ["Rail freight derails outside {city}", "Derailment blocks main line near {city}"],
        "facts": [
            [
                "{m} wagons of a freight train left the tracks outside {city} on {day}, "
                "the rail operator said.",
                "The rail operator said {m} freight wagons derailed outside {city} on {day}.",
            ],
            [
                "The main line to the capital will be closed for at least {k} days.",
                "Services on the main line are suspended for {k} days or more.",
            ],
            [
                "Investigators are examining a section of track replaced last spring.",
                "A stretch of rail laid last spring is now the focus of investigators.",
            ],
            [
                "No passengers were on board and the crew was unhurt.",
                "The crew escaped injury and the train carried no passengers.",
            ],
        ],
        "quote": "Our first concern was the crew, and they are safe",
    },
    {
        "titles": [
            "{country} and {country2} sign fishing accord",
            "Fishing deal agreed by {country} and {country2}",
        ],
        "facts": [
            [
                "{country} and {country2} signed a fishing agreement in {city} on {day}.",
                "A fishing accord between {country} and {country2} was signed in {city} on {day}.",
            ],
            [
                "The deal sets a joint quota of {n} tonnes of cod a year.",
                "Under the accord the two countries share a cod quota of {n} tonnes annually.",
            ],
            [
                "Boats from both countries may fish within {m} nautical miles of either coast.",
                "Fleets of both sides gain access up to {m} nautical miles from shore.",
            ],
            [
                "The agreement runs for {k} years and can be renewed.",
                "It is valid for {k} years with an option to renew.",
            ],
        ],
        "quote": "The fish do not recognise our borders, and now our rules will not either",
    },
    {
        "titles": ["Paintings stolen from {city} museum", "Thieves take {m} works from {city} gallery"],
        "facts": [
            [
                "Thieves stole {m} paintings from the municipal museum in {city} overnight on {day}, "
                "police said.",
                "Police said {m} paintings were taken from the {city} municipal museum overnight on {day}.",
            ],
            [
                "The works are insured for about {n} thousand crowns.",
                "Their insured value is put at roughly {n} thousand crowns.",
            ],
            [
                "A side door had been forced and an alarm was disabled.",
                "The thieves forced a side door and switched off an alarm.",
            ],
            [
                "The museum will remain closed while detectives search the building.",
                "Detectives are searching the building, which stays closed.",
            ],
        ],
        "quote": "These pictures belong to everyone in this city",
    },
    {
        "titles": ["New hospital opens in {city}", "{city} hospital admits first patients"],
        "facts": [
            [
                "A new regional hospital with {k} beds opened in {city} on {day}.",
                "The {k}-bed regional hospital in {city} admitted its first patients on {day}.",
            ],
            [
                "Construction took {m} years and cost {n} million crowns.",
                "Building it took {m} years at a cost of {n} million crowns.",
            ],
            [
                "The emergency department will be staffed around the clock from next month.",
                "Round-the-clock emergency care begins next month.",
            ],
            [
                "Two older clinics in the district will close by the end of the year.",
                "The district's two older clinics are to shut before the year is out.",
            ],
        ],
        "quote": "Nobody in the valley should have to drive two hours to see a doctor",
    },
    {
        "titles": ["Earthquake shakes {city}", "Quake of magnitude {mag} strikes near {city}"],
        "facts": [
            [
                "An earthquake of magnitude {mag} struck near {city} on {day}, the geological survey said.",
                "The geological survey measured a magnitude {mag} quake near {city} on {day}.",
            ],
            [
                "Cracks appeared in {m} buildings in the old town.",
                "{m} buildings in the old town were left cracked.",
            ],
            ["Aftershocks continued for several hours.", "Several hours of aftershocks followed."],
            [
                "Engineers are inspecting bridges on the coast road.",
                "Bridges along the coast road are being checked by engineers.",
            ],
        ],
        "quote": "The floor moved like a boat for ten seconds",
    },
    {
        "titles": ["{city} Rovers win the national cup", "Cup final: {city} Rovers beat {city2} {score}"],
        "facts": [
            [
                "{city} Rovers won the national cup on {day}, beating {city2} {score} in the final.",
                "The national cup went to {city} Rovers on {day} after a {score} final against {city2}.",
            ],
            ["About {n} supporters filled the stadium.", "The crowd numbered roughly {n}."],
            ["It is the club's first trophy in {k} years.", "The club had waited {k} years for a trophy."],
            [
                "The winning goal came in the last minute of extra time.",
                "The decisive goal arrived at the very end of extra time.",
            ],
        ],
        "quote": "This one is for everyone who kept coming through the lean years",
    },
    {
        "titles": ["Drought brings water limits to {city}", "{city} restricts water use as reservoirs fall"],
        "facts": [
            [
                "Authorities in {city} limited household water use on {day} "
                "as reservoirs fell to {pct} percent.",
                "With reservoirs at {pct} percent, {city} imposed household water limits on {day}.",
            ],
            [
                "Watering gardens and washing cars are banned until further notice.",
                "Garden watering and car washing are forbidden until further notice.",
            ],
            [
                "Rainfall this spring was {m} percent below the average.",
                "Spring rain came in {m} percent under the usual amount.",
            ],
            [
                "Farmers have asked for emergency help with feed.",
                "Farmers are seeking emergency support to buy feed.",
            ],
        ],
        "quote": "Every litre we save now is a litre we will have in August",
    },
]


@dataclass
class Article:
    id: str
    source: str
    title: str
    published: str
    text: str
    url: str
    marker: str  # a made-up surname that stands only in this article

    def keys(self) -> set[str]:
        return {self.id, self.url}


def marker_name(i: int) -> str:
    a, b, c = (
        ["Qu", "Zev", "Tor", "Mab", "Vel", "Ox", "Kri", "Sul", "Dra", "Yon"],
        ["ar", "ib", "ost", "un", "el", "ax", "orr", "im", "eth", "ul"],
        ["vane", "drick", "holm", "sby", "wick", "mont", "ridge", "ton", "ley", "grave"],
    )
    return a[i // 100 % 10] + b[i // 10 % 10] + c[i % 10] + ("" if i < 1000 else str(i // 1000))


def event_slots(rnd: random.Random) -> dict[str, str]:
    city, city2 = rnd.sample(CITIES, 2)
    country, country2 = rnd.sample(COUNTRIES, 2)
    return {
        "city": city,
        "city2": city2,
        "country": country,
        "country2": country2,
        "person": f"{rnd.choice(FIRST)} {rnd.choice(LAST)}",
        "company": rnd.choice(COMPANIES),
        "n": f"{rnd.randint(2, 90) * 1000:,}",
        "m": str(rnd.randint(2, 19)),
        "k": str(rnd.randint(3, 900)),
        "pct": str(rnd.randint(12, 71)),
        "pct2": str(rnd.randint(40, 88)),
        "day": rnd.choice(WEEKDAYS),
        "mag": f"{rnd.randint(40, 69) / 10:.1f}",
        "score": f"{rnd.randint(1, 4)}-{rnd.randint(0, 1)}",
    }


def make_articles(n: int, seed: int, prefix: str = "g", per_event: int = 5, start: int = 0) -> list[Article]:
    """n fictional articles, per_event outlets telling each event, 60-120 words each, all different."""
    rnd = random.Random(f"{seed}-{prefix}")
    out: list[Article] = []
    ev_index = 0
    while len(out) < n:
        tpl = EVENTS[(ev_index + seed) % len(EVENTS)]
        slots = event_slots(rnd)
        month, dom = rnd.randint(1, 12), rnd.randint(1, 28)
        outlets = rnd.sample(OUTLETS, min(per_event, len(OUTLETS)))
        for outlet in outlets:
            if len(out) >= n:
                break
            i = start + len(out)
            out.append(write_article(rnd, tpl, slots, outlet, i, prefix, f"2026-{month:02d}-{dom:02d}"))
        ev_index += 1
    return out


def write_article(
    rnd: random.Random, tpl: dict, slots: dict, outlet: str, i: int, prefix: str, date: str
) -> Article:
    marker = marker_name(i)
    spokes = f"{rnd.choice(FIRST)} {marker}"
    facts = [rnd.choice(pair).format(**slots) for pair in tpl["facts"]]
    body = [facts[0]] + rnd.sample(facts[1:], len(facts) - 1)
    said = rnd.choice(["said", "told reporters", "said in a statement"])
    body.insert(rnd.randint(1, len(body)), f'"{tpl["quote"]}," {spokes} {said}.')
    extra = [
        f"Residents in {slots['city']} described a long and uneasy {slots['day']}.",
        f"Officials said more details would be published on {rnd.choice(WEEKDAYS)}.",
        f"The {outlet} could not independently confirm every figure.",
        f"Local businesses in {slots['city']} reported fewer customers than usual.",
    ]
    rnd.shuffle(extra)
    while len(" ".join(body).split()) < 62 and extra:
        body.append(extra.pop())
    while len(" ".join(body).split()) > 118:
        body.pop(-2)
    slug = re.sub(r"[^a-z]+", "-", outlet.lower()).strip("-")
    return Article(
        id=f"{prefix}{i:04d}",
        source=outlet,
        title=rnd.choice(tpl["titles"]).format(**slots),
        published=date,
        text="\n\n".join(body),
        url=f"https://{slug}.example/news/{prefix}{i:04d}",
        marker=marker,
    )


def prose(n_chars: int, seed: int) -> str:
    """Ordinary news prose of at least n_chars characters (articles glued as paragraphs)."""
    parts, size, k = [], 0, 0
    while size < n_chars:
        for a in make_articles(40, seed + k, prefix="p", start=10_000 + k * 40):  # markers no article shares
            parts.append(a.text)
            size += len(a.text) + 2
        k += 1
    return "\n\n".join(parts)


# ---- writing articles in every input form --------------------------------------------------------


def esc_xml(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def as_txt(a: Article) -> str:
    return f" date {a.published} {a.title}\n\n{a.title}\n\n{a.text}\n"


def as_html(a: Article) -> str:
    paras = "".join(f"<p>{esc_xml(p)}</p>\n" for p in a.text.split("\n\n"))
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{esc_xml(a.title)}</title>'
        f'<meta name="author" content="Staff"><meta property="og:site_name" content="{esc_xml(a.source)}">'
        f'<meta property="article:published_time" content="{a.published}">'
        f'<link rel="canonical" href="{a.url}"></head>\n<body><nav><a href="/">Home</a></nav><article>'
        f"<h1>{esc_xml(a.title)}</h1>\n{paras}</article><footer>Copyright {esc_xml(a.source)}</footer>"
        "</body></html>\n"
    )


def as_record(a: Article) -> dict:
    return {
        "id": a.id,
        "url": a.url,
        "source": a.source,
        "title": a.title,
        "published": a.published,
        "authors": ["Staff Reporter"],
        "text": a.text,
    }


def as_jsonl(arts: Iterable[Article]) -> str:
    return "".join(json.dumps(as_record(a), ensure_ascii=False) + "\n" for a in arts)


def as_json_array(arts: Iterable[Article]) -> str:
    return json.dumps([as_record(a) for a in arts], ensure_ascii=False, indent=1)


def rss_item(a: Article, body: str | None = None) -> str:
    body = body if body is not None else "".join(f"<p>{esc_xml(p)}</p>" for p in a.text.split("\n\n"))
    return (
        f"<item><title>{esc_xml(a.title)}</title><link>{a.url}</link><guid>{a.id}</guid>"
        f"<pubDate>{a.published}T09:00:00Z</pubDate><description><![CDATA[{body}]]></description></item>\n"
    )


def as_rss(arts: list[Article], items: str | None = None, prolog: str = "") -> str:
    src = arts[0].source if arts else "Probe Feed"
    items = items if items is not None else "".join(rss_item(a) for a in arts)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}<rss version="2.0"><channel>'
        f"<title>{esc_xml(src)}</title><link>https://feed.example/</link><description>News</description>\n"
        f"{items}</channel></rss>\n"
    )


def as_atom(arts: list[Article]) -> str:
    entries = "".join(
        f'<entry><title>{esc_xml(a.title)}</title><link href="{a.url}"/><id>{a.id}</id>'
        f"<updated>{a.published}T09:00:00Z</updated><author><name>Staff</name></author>"
        f'<content type="html">{esc_xml("".join(f"<p>{p}</p>" for p in a.text.split(chr(10) * 2)))}</content>'
        "</entry>\n"
        for a in arts
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{esc_xml(arts[0].source)}</title><id>urn:probe:feed</id><updated>2026-01-01T00:00:00Z</updated>"
        f"\n{entries}</feed>\n"
    )


def warc_record(kind: str, headers: dict[str, str], payload: bytes) -> bytes:
    head = f"WARC/1.0\r\nWARC-Type: {kind}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    head += f"Content-Length: {len(payload)}\r\n\r\n"
    return head.encode() + payload + b"\r\n\r\n"


def warc_response(a: Article, target: bool = True, ctype: str = "text/html; charset=utf-8") -> bytes:
    body = as_html(a).encode("utf-8")
    http_part = (
        f"HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    headers = {
        "WARC-Record-ID": f"<urn:uuid:{hashlib.md5(a.id.encode()).hexdigest()}>",
        "WARC-Date": f"{a.published}T09:00:00Z",
        "Content-Type": "application/http; msgtype=response",
    }
    if target:
        headers["WARC-Target-URI"] = a.url
    return warc_record("response", headers, http_part)


def as_warc(arts: list[Article], target: bool = True) -> bytes:
    info = warc_record(
        "warcinfo",
        {
            "WARC-Record-ID": "<urn:uuid:0>",
            "WARC-Date": "2026-01-01T00:00:00Z",
            "Content-Type": "application/warc-fields",
        },
        b"software: probe\r\n",
    )
    return info + b"".join(warc_response(a, target) for a in arts)


def as_warc_gz(arts: list[Article]) -> bytes:
    """One gzip member per record, as CC-NEWS ships them."""
    return b"".join(
        gzip.compress(warc_record_bytes, 6)
        for warc_record_bytes in [as_warc([], True)] + [warc_response(a) for a in arts]
    )


def put(folder: Path, name: str | bytes, data: str | bytes) -> Path:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    path = os.path.join(os.fsencode(folder), name if isinstance(name, bytes) else os.fsencode(name))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(raw)
    return Path(os.fsdecode(path))


def write_good(folder: Path, arts: list[Article]) -> None:
    """Good articles in the forms whose ids the contract fixes: .txt, .html, JSON lines, a JSON array."""
    n = len(arts)
    cut = [0, round(n * 0.4), round(n * 0.6), round(n * 0.8), n]
    for a in arts[cut[0] : cut[1]]:
        put(folder, f"{a.id}.txt", as_txt(a))
    for a in arts[cut[1] : cut[2]]:
        put(folder, f"{a.id}.html", as_html(a))
    if cut[3] > cut[2]:
        put(folder, "good-records.jsonl", as_jsonl(arts[cut[2] : cut[3]]))
    if n > cut[3]:
        put(folder, "good-array.json", as_json_array(arts[cut[3] :]))


def present(arts: Iterable[Article], rows: list[dict]) -> list[Article]:
    """The articles that made it into the database: by id, by url, or by their marker in the text."""
    ids = {r.get("id") for r in rows} | {r.get("url") for r in rows}
    texts = "\n".join(r.get("text") or "" for r in rows)
    return [a for a in arts if a.id in ids or a.url in ids or a.marker in texts]


# ---- the probe's bookkeeping ---------------------------------------------------------------------


@dataclass
class Family:
    name: str
    tried: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    secs: float = 0.0

    def case(self, name: str, problems: list[str]) -> None:
        self.tried += 1
        for p in problems:
            self.failures.append((name, p))

    @property
    def failed_cases(self) -> int:
        return len({c for c, _ in self.failures})


@dataclass
class Ctx:
    root: Path
    seed: int
    quick: bool
    fuzz_n: int
    kills: int
    concurrency: int
    verbose: bool
    app_routes: bool = True  # the newsroom app's routes too (issue 12; --no-app-routes leaves them out)
    _analysed: Path | None = None

    @property
    def hang(self) -> float:
        """Seconds after which an ingest of a small folder counts as a hang."""
        return 20 if self.quick else 60

    def folder(self, *parts: str) -> Path:
        path = self.root.joinpath(*parts)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def say(self, msg: str) -> None:
        if self.verbose:
            print(f"  {msg}", file=sys.stderr, flush=True)


# ---- family 1: bad-input kinds -------------------------------------------------------------------


@dataclass
class Bad:
    """What one bad input must lead to.

    expect, about ``extra`` (the articles the bad input carries): "named" (token in stderr), "kept" (all
    of them stored), "either" (named, or all stored), "none" (no naming needed). ``keep`` must always be
    stored; ``check`` adds case-specific problems.
    """

    token: str
    expect: str = "named"
    extra: list[Article] = field(default_factory=list)
    keep: list[Article] = field(default_factory=list)
    check: Callable[[list[dict], Run, Path], list[str]] | None = None


@dataclass
class Kind:
    name: str
    make: Callable[[Path, Callable[[int], list[Article]]], Bad]
    analyze: bool = False
    quick: bool = False
    root_skip: bool = False


def junk(n: int, seed: int = 1) -> bytes:
    return random.Random(seed).randbytes(n)


def with_nuls(s: str) -> bytes:
    return "\x00".join(s[i : i + 40] for i in range(0, len(s), 40)).encode()


def gzip_bomb(path: Path, mb: int = 200) -> None:
    chunk = b"the council met again on tuesday and the talks went on. " * 18725  # ~1 MB
    with gzip.open(path, "wb", compresslevel=9) as f:
        for _ in range(mb):
            f.write(chunk)


def zip_bytes(name: str, data: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
    return buf.getvalue()


def rec_line(a: Article, **override) -> str:
    return json.dumps({**as_record(a), **override}, ensure_ascii=False)


def raw_rec_line(a: Article, field_name: str, raw_value: str) -> str:
    """A JSON line with one field's value given as raw JSON source (a surrogate escape, a huge number)."""
    rec = {k: v for k, v in as_record(a).items() if k != field_name}
    body = json.dumps(rec, ensure_ascii=False)
    return body[:-1] + f', "{field_name}": {raw_value}}}'


def symlink(folder: Path, name: str, target: str) -> None:
    os.symlink(target, folder / name)


def make_socket(path: Path) -> None:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.bind(str(path))
    finally:
        s.close()


def no_text(needle: str, why: str) -> Callable[[list[dict], Run, Path], list[str]]:
    def check(rows: list[dict], run: Run, folder: Path) -> list[str]:
        hits = [r["id"] for r in rows if needle in (r.get("text") or "") or needle in (r.get("title") or "")]
        return [f"{why}: stored in article(s) {hits[:3]}"] if hits else []

    return check


def no_passwd(rows: list[dict], run: Run, folder: Path) -> list[str]:
    problems = no_text(PASSWD_MARK, "/etc/passwd content in the database")(rows, run, folder)
    listed = run_cli(["articles", "--db", str(folder / "probe.db"), "--json"], timeout=60)
    if PASSWD_MARK in listed.stdout:
        problems.append("`storydesk articles --json` lists /etc/passwd")
    return problems


def no_escape_bytes(rows: list[dict], run: Run, folder: Path) -> list[str]:
    return ["raw terminal escape (ESC) written to stderr"] if b"\x1b" in run.err else []


def no_forged_line(prefix: str) -> Callable[[list[dict], Run, Path], list[str]]:
    def check(rows: list[dict], run: Run, folder: Path) -> list[str]:
        forged = [ln for ln in run.stderr.splitlines() if ln.startswith(f"rejected: {prefix}")]
        return [f"a forged rejection line on stderr: {forged[0][:80]!r}"] if forged else []

    return check


def at_most_rows(n: int) -> Callable[[list[dict], Run, Path], list[str]]:
    def check(rows: list[dict], run: Run, folder: Path) -> list[str]:
        return (
            [f"{len(rows)} articles stored, at most {n} expected (a link was followed)"]
            if len(rows) > n
            else []
        )

    return check


def memory_below(mb: int) -> Callable[[list[dict], Run, Path], list[str]]:
    def check(rows: list[dict], run: Run, folder: Path) -> list[str]:
        return [f"peak memory {run.peak_mb:.0f} MB, over {mb} MB"] if run.peak_mb > mb else []

    return check


def checks(
    *fns: Callable[[list[dict], Run, Path], list[str]],
) -> Callable[[list[dict], Run, Path], list[str]]:
    def check(rows: list[dict], run: Run, folder: Path) -> list[str]:
        return [p for fn in fns for p in fn(rows, run, folder)]

    return check


def file_kind(
    name: str,
    fname: str | bytes,
    data: Callable[[list[Article]], bytes | str],
    n_extra: int = 0,
    expect: str = "named",
    token: str = "",
    **kw,
) -> Kind:
    """A kind that is one file: its bytes made from n_extra fresh articles."""
    check = kw.pop("check", None)

    def make(d: Path, xa: Callable[[int], list[Article]]) -> Bad:
        arts = xa(max(1, n_extra))  # the first one is material for the bytes even when none must be kept
        put(d, fname, data(arts))
        tok = token or re.match(rb"[-\w]*", os.fsencode(fname)).group(0).decode()
        return Bad(tok, expect, extra=arts[:n_extra], check=check)

    return Kind(name, make, **kw)


def link_kind(name: str, lname: str, target: str, expect: str = "named", **kw) -> Kind:
    check = kw.pop("check", None)

    def make(d: Path, xa: Callable[[int], list[Article]]) -> Bad:
        symlink(d, lname, target)
        return Bad(lname.split(".")[0], expect, check=check)

    return Kind(name, make, **kw)


def txt_with(f: Callable[[str], str | bytes]) -> Callable[[list[Article]], bytes | str]:
    return lambda arts: f(as_txt(arts[0]))


def html_page(body: str, head: str = "") -> str:
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>"


def paras(a: Article) -> str:
    return "".join(f"<p>{esc_xml(p)}</p>" for p in a.text.split("\n\n"))


LAUGHS = (
    '<!DOCTYPE rss [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    + "]>\n"
)
XXE = '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
XXE_NET = (
    '<!DOCTYPE rss SYSTEM "http://10.255.255.1/probe.dtd" '
    '[<!ENTITY % p SYSTEM "http://10.255.255.1/p.dtd"> %p;]>\n'
)


def feed_with(prolog: str, body: Callable[[Article], str]) -> Callable[[list[Article]], str]:
    return lambda arts: as_rss(
        arts, items=rss_item(arts[0], body(arts[0])) + "".join(rss_item(a) for a in arts[1:]), prolog=prolog
    )


def truncated_warc_gz(frac: float) -> Callable[[list[Article]], bytes]:
    def data(arts: list[Article]) -> bytes:
        full = as_warc_gz(arts)
        return full[: max(1, int(len(full) * frac))] if frac < 1 else full[:-1]

    return data


def record_kinds() -> list[Kind]:
    big = "9" * 5000
    return [
        file_kind(
            "lone surrogate in JSON text",
            "bad-surrogate.jsonl",
            lambda a: raw_rec_line(a[0], "text", json.dumps(a[0].text)[:-1] + '\\ud800 end"') + "\n",
            1,
            "either",
            quick=True,
            analyze=True,
        ),
        file_kind(
            "lone surrogate in JSON title",
            "bad-surrogate-title.jsonl",
            lambda a: raw_rec_line(a[0], "title", '"Title \\udfff here"') + "\n",
            1,
            "either",
        ),
        file_kind(
            "reversed surrogate pair in JSON id",
            "bad-surrogate-id.jsonl",
            lambda a: raw_rec_line(a[0], "id", '"x\\udc00\\ud800"') + "\n",
            1,
            "either",
        ),
        file_kind(
            "JSON nested 100,000 deep (file)",
            "bad-deep.json",
            lambda a: "[" * 100_000 + "]" * 100_000,
            quick=True,
            analyze=True,
        ),
        file_kind(
            "JSON object nested 100,000 deep",
            "bad-deepobj.json",
            lambda a: '{"a":' * 100_000 + "1" + "}" * 100_000,
        ),
        file_kind(
            "JSON nested 100,000 deep inside a record",
            "bad-deeprec.jsonl",
            lambda a: raw_rec_line(a[0], "extra", "[" * 100_000 + "]" * 100_000) + "\n",
            1,
            "either",
        ),
        file_kind(
            "5,000-digit integer as published",
            "bad-bigint.jsonl",
            lambda a: raw_rec_line(a[0], "published", big) + "\n",
            1,
            "either",
            quick=True,
        ),
        file_kind(
            "5,000-digit integer as id",
            "bad-bigid.jsonl",
            lambda a: raw_rec_line(a[0], "id", big) + "\n",
            1,
            "either",
        ),
        file_kind(
            "5,000-digit integer as text",
            "bad-bigtext.jsonl",
            lambda a: raw_rec_line(a[0], "text", big) + "\n",
        ),
        file_kind(
            "float 1e999999 as published",
            "bad-bigfloat.jsonl",
            lambda a: raw_rec_line(a[0], "published", "1e999999") + "\n",
            1,
            "either",
        ),
        file_kind(
            "NaN as published",
            "bad-nan.jsonl",
            lambda a: raw_rec_line(a[0], "published", "NaN") + "\n",
            1,
            "either",
        ),
        Kind("JSON array of mixed garbage", lambda d, xa: mixed_garbage(d, xa(1))),
        Kind("JSON lines with bad lines", lambda d, xa: bad_lines(d, xa(1)), quick=True),
        file_kind(
            "record missing text",
            "bad-notext.jsonl",
            lambda a: (
                json.dumps({"id": "bad-notext-1", "title": "A title", "url": "https://x.example/1"}) + "\n"
            ),
        ),
        file_kind("text that is a number", "bad-textnum.jsonl", lambda a: rec_line(a[0], text=12345) + "\n"),
        file_kind(
            "text that is a list",
            "bad-textlist.jsonl",
            lambda a: rec_line(a[0], text=a[0].text.split("\n\n")) + "\n",
            1,
            "either",
        ),
        file_kind(
            "title-only record", "bad-titleonly.jsonl", lambda a: json.dumps({"title": "Only a title"}) + "\n"
        ),
        file_kind("JSON top-level number", "bad-scalar.json", lambda a: "42"),
        file_kind("JSON top-level null", "bad-null.json", lambda a: "null"),
        file_kind("JSON empty array", "bad-emptyarray.json", lambda a: "[]"),
        file_kind(
            "JSON duplicate keys",
            "bad-dupkeys.jsonl",
            lambda a: rec_line(a[0])[:-1] + f', "text": {json.dumps(a[0].text)}}}\n',
            1,
            "kept",
        ),
        file_kind(
            "JSON line of 5 MB",
            "bad-hugeline.jsonl",
            lambda a: rec_line(a[0], text=a[0].text + " " + prose(600_000, 5).replace("\n", " ") * 8) + "\n",
            1,
            "either",
        ),
        Kind("JSON lines, last line cut", lambda d, xa: cut_last_line(d, xa(2))),
        Kind(
            "duplicate ids in one JSON lines file, different text",
            lambda d, xa: dup_ids(d, xa(2)),
            quick=True,
        ),
        file_kind(
            "id with path traversal",
            "bad-traversal.jsonl",
            lambda a: rec_line(a[0], id="../../../../tmp/probe-evil-id") + "\n",
            1,
            "either",
        ),
        file_kind(
            "id with a newline (forged line)",
            "bad-nlid.jsonl",
            lambda a: rec_line(a[0], id="bad-nlid\nrejected: forged2: x") + "\n",
            1,
            "either",
            check=no_forged_line("forged2"),
        ),
        file_kind(
            "published date 99999-99-99",
            "bad-date.jsonl",
            lambda a: rec_line(a[0], published="99999-99-99") + "\n",
            1,
            "kept",
        ),
        file_kind(
            "authors as an object",
            "bad-authors.jsonl",
            lambda a: rec_line(a[0], authors={"x": 1}) + "\n",
            1,
            "either",
        ),
        file_kind("JSON lines with a BOM", "bad-bom.jsonl", lambda a: "\ufeff" + as_jsonl(a), 2, "kept"),
        file_kind(
            "record whose html is only scripts",
            "bad-htmlscripts.jsonl",
            lambda a: (
                json.dumps({"id": "bad-htmlscripts-1", "html": "<script>var a=1;</script>" * 20}) + "\n"
            ),
        ),
    ]


def mixed_garbage(d: Path, arts: list[Article]) -> Bad:
    items = [1, "s", None, True, [], {}, {"text": 5}, {"id": {"a": 1}, "text": "x"}, as_record(arts[0])]
    put(d, "bad-garbage.json", json.dumps(items)[:-1] + ", 1e999]")
    return Bad("bad-garbage", "named", keep=arts)


def bad_lines(d: Path, arts: list[Article]) -> Bad:
    lines = ["not json at all", "{", '{"id": 1', "[]", '"just a string"', rec_line(arts[0]), "]]]"]
    put(d, "bad-lines.jsonl", "\n".join(lines) + "\n")
    return Bad("bad-lines", "named", keep=arts)


def cut_last_line(d: Path, arts: list[Article]) -> Bad:
    last = rec_line(arts[1])
    put(d, "bad-cutline.jsonl", rec_line(arts[0]) + "\n" + last[: len(last) // 2])
    return Bad("bad-cutline", "named", keep=arts[:1])


def dup_ids(d: Path, arts: list[Article]) -> Bad:
    put(
        d,
        "bad-dupid.jsonl",
        rec_line(arts[0], id="bad-dupid") + "\n" + rec_line(arts[1], id="bad-dupid") + "\n",
    )
    return Bad("bad-dupid", "either", extra=arts)


def file_system_kinds() -> list[Kind]:
    return [
        file_kind("empty file", "bad-empty.txt", lambda a: b"", quick=True),
        file_kind("white space only", "bad-blank.txt", lambda a: " \n\t\n  \r\n"),
        file_kind("a BOM only", "bad-bomonly.txt", lambda a: codecs.BOM_UTF8),
        file_kind("binary junk", "bad-junk.txt", lambda a: junk(4096), quick=True),
        file_kind("NUL bytes in text", "bad-nul.txt", txt_with(with_nuls), 1, "either"),
        file_kind("control bytes (over 5%)", "bad-controls.txt", lambda a: bytes(range(1, 9)) * 300),
        Kind("sparse 2 GB file of zeros", sparse_file),
        file_kind(
            "21 MB of text (over the limit)",
            "bad-oversized.txt",
            lambda a: (prose(210_000, 9) + "\n\n") * 100,
            0,
            "either",
        ),
        file_kind(
            "huge text > 1.1 MB of prose",
            "bad-huge.txt",
            lambda a: f" date 2026-05-01 Long read\n\nLong read\n\n{a[0].text}\n\n{prose(1_150_000, 3)}",
            1,
            "either",
            analyze=True,
            quick=True,
        ),
        file_kind(
            "huge single line (3 MB, no newline)",
            "bad-oneline.txt",
            lambda a: a[0].text.replace("\n", " ") + " " + prose(300_000, 4).replace("\n", " ") * 10,
            1,
            "either",
        ),
        file_kind(
            "a 700,000-character word",
            "bad-longword.txt",
            lambda a: as_txt(a[0]) + "\n\n" + "x" * 700_000 + "\n",
            1,
            "either",
        ),
        file_kind("zip file renamed .txt", "bad-zip.txt", lambda a: zip_bytes("story.txt", as_txt(a[0])), 1),
        file_kind("PDF renamed .html", "bad-pdf.html", lambda a: b"%PDF-1.4\n" + junk(2000, 2)),
        file_kind("PNG renamed .jsonl", "bad-png.jsonl", lambda a: b"\x89PNG\r\n\x1a\n" + junk(2000, 3)),
        Kind("an SQLite database in the folder", sqlite_in_folder),
        Kind("gzip bomb (200 MB of text in ~0.2 MB)", gzip_bomb_kind),
        file_kind(
            "gzip cut in half",
            "bad-gzcut.txt.gz",
            lambda a: gzip.compress(as_txt(a[0]).encode())[:120],
            1,
            "either",
        ),
        file_kind(
            "gzip with trailing garbage",
            "bad-gztail.txt.gz",
            lambda a: gzip.compress(as_txt(a[0]).encode()) + junk(300, 4),
            1,
            "either",
        ),
        file_kind(
            "gzipped JSON lines (good)",
            "bad-gzgood.jsonl.gz",
            lambda a: gzip.compress(as_jsonl(a).encode()),
            2,
            "kept",
        ),
        # encodings
        file_kind(
            "stray invalid byte in UTF-8 text",
            "bad-straybyte.txt",
            txt_with(lambda t: t[: len(t) // 2].encode() + b"\xff" + t[len(t) // 2 :].encode()),
            1,
            "kept",
            quick=True,
        ),
        file_kind(
            "UTF-16 LE with BOM", "bad-utf16bom.txt", txt_with(lambda t: t.encode("utf-16")), 1, "kept"
        ),
        file_kind(
            "UTF-16 BE with BOM",
            "bad-utf16bebom.txt",
            txt_with(lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be")),
            1,
            "kept",
        ),
        file_kind(
            "UTF-16 LE without BOM",
            "bad-utf16le.txt",
            txt_with(lambda t: t.encode("utf-16-le")),
            1,
            "kept",
            quick=True,
        ),
        file_kind(
            "UTF-16 BE without BOM", "bad-utf16be.txt", txt_with(lambda t: t.encode("utf-16-be")), 1, "kept"
        ),
        file_kind("UTF-32 with BOM", "bad-utf32.txt", txt_with(lambda t: t.encode("utf-32")), 1, "kept"),
        file_kind("UTF-8 with BOM", "bad-utf8bom.txt", txt_with(lambda t: t.encode("utf-8-sig")), 1, "kept"),
        file_kind(
            "Latin-1 text",
            "bad-latin1.txt",
            txt_with(
                lambda t: (t + "\n\nJosé Núñez, who runs the café by the façade, said: «ça va».\n").encode(
                    "latin-1"
                )
            ),
            1,
            "kept",
        ),
        file_kind(
            "Windows-1252 smart quotes",
            "bad-cp1252.txt",
            txt_with(
                lambda t: re.sub(r'"([^"]*)"', "\u201c\\1\u201d", t).replace("'", "\u2019").encode("cp1252")
            ),
            1,
            "kept",
        ),
        file_kind("CR-only line ends", "bad-cr.txt", txt_with(lambda t: t.replace("\n", "\r")), 1, "kept"),
        file_kind(
            "terminal escapes in text",
            "bad-ansi.txt",
            txt_with(lambda t: "\x1b[31m\x1b]0;owned\x07" + t),
            1,
            "either",
            check=no_escape_bytes,
        ),
        # names
        file_kind(
            "invalid UTF-8 file name", b"bad-badname-\xff\xfe.txt", txt_with(str), 1, "either", quick=True
        ),
        file_kind(
            "newline in a file name",
            "bad-newline\nrejected: forged.txt: looks fine",
            lambda a: b"",
            check=no_forged_line("forged"),
            quick=True,
        ),
        file_kind(
            "terminal escape in a file name",
            "bad-escname-\x1b[2J\x1b[31m.txt",
            lambda a: b"",
            check=no_escape_bytes,
        ),
        file_kind("a 240-byte file name", "bad-longname-" + "n" * 222 + ".txt", txt_with(str), 1, "kept"),
        file_kind("non-ASCII file name", "bad-ünïcødé-新闻.txt", txt_with(str), 1, "kept"),
        file_kind("file name starting with a dash", "-bad-dash.txt", txt_with(str), 1, "kept"),
        file_kind(
            "a directory named like a file (x.txt/)", "bad-dirlike.txt/inner.txt", txt_with(str), 1, "kept"
        ),
        Kind("same file name in two subfolders", same_name_twice),
        Kind("same stem in two forms (.txt and .html)", same_stem_two_forms),
        # links and special files
        link_kind("symlink loop (to itself)", "bad-loop.txt", "bad-loop.txt", quick=True),
        Kind("symlink loop (a pair)", symlink_pair),
        Kind("directory symlink loop (sub/up -> ..)", dir_loop),
        link_kind("symlink to /etc/passwd", "bad-passwd.txt", "/etc/passwd", check=no_passwd, quick=True),
        link_kind(
            "symlink to the /etc directory",
            "bad-etcdir",
            "/etc",
            "none",
            check=checks(no_passwd, at_most_rows(25)),
        ),
        link_kind(
            "symlink to /proc/self/environ",
            "bad-environ.txt",
            "/proc/self/environ",
            check=no_text(SECRET, "the process environment in the database"),
        ),
        link_kind("symlink to /dev/zero", "bad-zero.txt", "/dev/zero"),
        link_kind("symlink to /dev/urandom", "bad-urandom.txt", "/dev/urandom"),
        link_kind("symlink to /dev/null", "bad-devnull.txt", "/dev/null"),
        link_kind("dangling symlink", "bad-dangling.txt", "/nonexistent/probe/target.txt"),
        Kind(
            "FIFO (named pipe) in the folder",
            lambda d, xa: (os.mkfifo(d / "bad-fifo.txt"), Bad("bad-fifo"))[1],
            quick=True,
        ),
        Kind(
            "Unix socket in the folder",
            lambda d, xa: (make_socket(d / "bad-socket.txt"), Bad("bad-socket"))[1],
        ),
        Kind("unreadable file (chmod 000)", unreadable, root_skip=True),
    ]


def sparse_file(d: Path, xa: Callable[[int], list[Article]]) -> Bad:
    with open(d / "bad-sparse.txt", "wb") as f:
        f.truncate(2**31)
    return Bad("bad-sparse", check=memory_below(1000))


def sqlite_in_folder(d: Path, xa: Callable[[int], list[Article]]) -> Bad:
    con = sqlite3.connect(d / "bad-other.db")
    con.execute("CREATE TABLE t (x TEXT)")
    con.execute("INSERT INTO t VALUES ('hello')")
    con.commit()
    con.close()
    return Bad("bad-other")


def gzip_bomb_kind(d: Path, xa: Callable[[int], list[Article]]) -> Bad:
    gzip_bomb(d / "bad-bomb.txt.gz")
    return Bad("bad-bomb", check=memory_below(1000))


def same_name_twice(d: Path, xa: Callable[[int], list[Article]]) -> Bad:
    a = xa(2)
    put(d, "sub1/bad-same.txt", as_txt(a[0]))
    put(d, "sub2/bad-same.txt", as_txt(a[1]))
    return Bad("bad-same", "kept", extra=a)


def same_stem_two_forms(d: Path, xa: Callable[[int], list[Article]]) -> Bad:
    a = xa(2)
    put(d, "bad-stem.txt", as_txt(a[0]))
    put(d, "bad-stem.html", as_html(a[1]))
    return Bad("bad-stem", "kept", extra=a)


def symlink_pair(d: Path, xa: Callable[[int], list[Article]]) -> Bad:
    symlink(d, "bad-loopa.txt", "bad-loopb.txt")
    symlink(d, "bad-loopb.txt", "bad-loopa.txt")
    return Bad("bad-loopa")


def dir_loop(d: Path, xa: Callable[[int], list[Article]]) -> Bad:
    (d / "sub").mkdir()
    symlink(d / "sub", "bad-up", "..")
    return Bad("bad-up", "none", check=at_most_rows(25))


def unreadable(d: Path, xa: Callable[[int], list[Article]]) -> Bad:
    p = put(d, "bad-unreadable.txt", as_txt(xa(1)[0]))
    p.chmod(0)
    return Bad("bad-unreadable")


def markup_kinds() -> list[Kind]:
    return [
        file_kind(
            "HTML with only scripts",
            "bad-scripts.html",
            lambda a: html_page("<script>document.write('x')</script>" * 30, "<script>var a=1;</script>"),
        ),
        file_kind(
            "HTML with 10,000 nested divs",
            "bad-divs.html",
            lambda a: html_page(
                "<div>" * 10_000 + f"<h1>{esc_xml(a[0].title)}</h1>{paras(a[0])}" + "</div>" * 10_000
            ),
            1,
            "either",
            analyze=True,
        ),
        file_kind(
            "HTML whose meta charset lies (Latin-1 bytes)",
            "bad-liar.html",
            lambda a: (
                as_html(a[0])
                .replace("</article>", "<p>José Núñez said the façade cracked.</p></article>")
                .encode("latin-1")
            ),
            1,
            "kept",
        ),
        file_kind(
            "HTML with an unknown charset",
            "bad-charset.html",
            lambda a: as_html(a[0]).replace('charset="utf-8"', 'charset="x-bogus-charset"'),
            1,
            "kept",
        ),
        file_kind(
            "HTML with an unclosed comment",
            "bad-comment.html",
            lambda a: as_html(a[0]).replace("</body>", "<!-- never closed </body>"),
            1,
            "either",
        ),
        file_kind(
            "HTML with a 5 MB data URI",
            "bad-datauri.html",
            lambda a: as_html(a[0]).replace(
                "</h1>", '</h1><img src="data:image/png;base64,' + "QUFB" * 1_300_000 + '">'
            ),
            1,
            "either",
        ),
        file_kind(
            "HTML with script tags in the article",
            "bad-xsspage.html",
            lambda a: as_html(a[0]).replace(
                "</h1>",
                "</h1><script>alert('probe-xss-h')</script><img src=x onerror=\"alert('probe-xss-i')\">",
            ),
            1,
            "either",
            check=no_text("alert(", "script text stored as article text"),
        ),
        # feeds
        file_kind(
            "lone surrogate in a feed (&#xD800;)",
            "bad-feedsurrogate.rss",
            feed_with("", lambda a: paras(a) + "<p>Bad &#xD800; char</p>"),
            2,
            "either",
            quick=True,
        ),
        file_kind(
            "XML billion laughs",
            "bad-laughs.rss",
            feed_with(LAUGHS, lambda a: paras(a) + "<p>&lol9;</p>"),
            2,
            "either",
            check=checks(no_text("lollollollollol", "entities expanded"), memory_below(1000)),
        ),
        file_kind(
            "XXE entity referencing /etc/passwd",
            "bad-xxe.rss",
            lambda a: as_rss(
                a,
                items=rss_item(a[0], paras(a[0])).replace("<title>", "<title>&xxe;", 1)
                + "".join(rss_item(x) for x in a[1:]),
                prolog=XXE,
            ),
            2,
            "either",
            check=no_passwd,
        ),
        file_kind(
            "external DTD on the network (must not fetch)",
            "bad-xxenet.rss",
            lambda a: as_rss(a, prolog=XXE_NET),
            2,
            "either",
        ),
        file_kind(
            "malformed feed (cut)",
            "bad-cutfeed.rss",
            lambda a: as_rss(a)[: len(as_rss(a)) * 6 // 10],
            2,
            "either",
        ),
        file_kind(
            "feed with script tags",
            "bad-feedscript.rss",
            feed_with(
                "",
                lambda a: (
                    "<script>alert('probe-xss-f')</script>"
                    + paras(a)
                    + "<script src='https://evil.example/x.js'></script>"
                ),
            ),
            2,
            "kept",
            check=no_text("alert(", "script text stored as article text"),
            analyze=True,
        ),
        file_kind("feed with no items", "bad-noitems.rss", lambda a: as_rss([], items="")),
        file_kind(
            "Atom entries with a title only",
            "bad-titles.atom",
            lambda a: re.sub(r"<content.*?</content>", "", as_atom(a), flags=re.S),
            2,
        ),
        file_kind(
            "feed declaring a bogus encoding",
            "bad-feedenc.rss",
            lambda a: as_rss(a).replace('encoding="UTF-8"', 'encoding="x-bogus"'),
            2,
            "either",
        ),
        file_kind(
            "feed in UTF-16",
            "bad-feed16.rss",
            lambda a: as_rss(a).replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"),
            2,
            "kept",
        ),
        file_kind(
            "feed with 10,000 nested elements",
            "bad-feeddeep.rss",
            lambda a: as_rss(
                a,
                items=rss_item(a[0]).replace("<title>", "<x>" * 10_000 + "</x>" * 10_000 + "<title>")
                + "".join(rss_item(x) for x in a[1:]),
            ),
            2,
            "either",
        ),
        # WARC
        file_kind(
            "WARC without WARC-Target-URI",
            "bad-nouri.warc",
            lambda a: as_warc(a, target=False),
            2,
            "either",
            quick=True,
        ),
        file_kind(
            "WARC with an absurd Content-Length",
            "bad-warclen.warc",
            lambda a: as_warc(a[:1]).replace(b"Content-Length: ", b"Content-Length: 99999999999", 1),
            1,
            "either",
        ),
        file_kind("WARC header then junk", "bad-warcjunk.warc", lambda a: b"WARC/1.0\r\n" + junk(3000, 5)),
        file_kind(
            "WARC with no HTML responses",
            "bad-warcimg.warc",
            lambda a: warc_response(a[0], ctype="image/png"),
            1,
        ),
        file_kind(
            "uncompressed WARC cut in the middle",
            "bad-warccut.warc",
            lambda a: as_warc(a)[: len(as_warc(a)) // 2],
            4,
            "either",
        ),
        *[
            file_kind(
                f"truncated .warc.gz, {label}",
                f"bad-warcgz{i}.warc.gz",
                truncated_warc_gz(frac),
                4,
                "either",
                quick=frac == 0.5,
            )
            for i, (frac, label) in enumerate(
                [
                    (0.1, "cut at 10%"),
                    (0.33, "cut at 33%"),
                    (0.5, "cut at 50%"),
                    (0.75, "cut at 75%"),
                    (0.97, "cut at 97%"),
                    (1.0, "one byte short"),
                ]
            )
        ],
    ]


def all_kinds() -> list[Kind]:
    return file_system_kinds() + record_kinds() + markup_kinds()


def extra_articles(seed: int, base: int) -> Callable[[int], list[Article]]:
    """A source of fresh articles for one kind: markers and ids that no other article has."""
    used = [0]

    def take(n: int) -> list[Article]:
        arts = make_articles(n, seed, prefix=f"x{base}-", start=500 + base * 10 + used[0]) if n else []
        used[0] += n
        return arts

    return take


def judge_bad(bad: Bad, run: Run, rows: list[dict], good: list[Article], folder: Path) -> list[str]:
    problems = run_problems(run, expect_ok=True)
    if run.timed_out:
        return problems
    kept_good = present(good, rows)
    if len(kept_good) < len(good):
        problems.append(f"only {len(kept_good)} of {len(good)} good articles stored")
    named = bad.token in run.stderr
    all_kept = len(present(bad.extra, rows)) == len(bad.extra)
    if bad.expect == "named" and not named:
        problems.append(f"bad input ({bad.token}…) not named in stderr")
    elif bad.expect == "kept" and not all_kept:
        problems.append(
            f"{len(bad.extra) - len(present(bad.extra, rows))} of {len(bad.extra)} readable "
            f"article(s) in it not stored{'' if named else ' (and not named)'}"
        )
    elif bad.expect == "either" and not (named or all_kept):
        problems.append("lost without a word: neither stored nor named in stderr")
    if bad.keep and len(present(bad.keep, rows)) < len(bad.keep):
        problems.append(
            f"good record(s) beside the bad one lost ({len(bad.keep) - len(present(bad.keep, rows))})"
        )
    if bad.check:
        problems += bad.check(rows, run, folder)
    return problems


def analyze_problems(in_dir: Path, out: Path, good: list[Article], timeout: float = 400) -> list[str]:
    run = run_cli(["analyze", str(in_dir), "--out", str(out)], timeout=timeout)
    problems = run_problems(run, "analyze: ")
    if run.timed_out:
        return problems
    try:
        index = json.loads((out / "index.json").read_text(encoding="utf-8"))
        ids = {a["id"] for a in index.get("articles", [])}
        lost = [a.id for a in good if a.id not in ids]
        if lost:
            problems.append(f"analyze: {len(lost)} good articles missing from index.json")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        problems.append(f"analyze: no readable index.json ({type(exc).__name__})")
    later = run_cli(["stories", "--db", str(out / "storydesk.db")], timeout=120)
    problems += run_problems(later, "later `stories --db`: ")
    return problems


Outcome = list[tuple[str, list[str] | None]]  # (case, problems); None: skipped, with the reason as case


def probe_bad_inputs(ctx: Ctx, fam: Family) -> None:
    good = make_articles(25, ctx.seed)
    kinds = [(i, k) for i, k in enumerate(all_kinds()) if k.quick or not ctx.quick]
    jobs: list[Callable[[], Outcome]] = [lambda i=i, k=k: bad_kind_outcome(ctx, i, k, good) for i, k in kinds]
    jobs.append(lambda: probe_out_inside_input(ctx, good))
    jobs += [lambda v=v: bad_first_outcome(ctx, v) for v in range(2 if ctx.quick else len(BAD_FIRST))]
    with ThreadPoolExecutor(2) as pool:  # a hang waits without using a core; two cases at a time
        for outcome in pool.map(guarded, jobs):
            for case, problems in outcome:
                if problems is None:
                    fam.skipped.append(case)
                else:
                    fam.case(case, problems)


def guarded(job: Callable[[], Outcome]) -> Outcome:
    """A job's outcome; a bug in the probe's own job is one failed case, not the end of the family."""
    try:
        return job()
    except Exception as exc:
        return [("(the probe itself)", [f"{type(exc).__name__}: {exc}"])]


def bad_kind_outcome(ctx: Ctx, i: int, kind: Kind, good: list[Article]) -> Outcome:
    if kind.root_skip and os.geteuid() == 0:
        return [(f"{kind.name}: running as root, file permissions do not bind", None)]
    folder = ctx.folder("bad", f"k{i:03d}")
    in_dir = folder / "in"
    write_good(in_dir, good)
    try:
        bad = kind.make(in_dir, extra_articles(ctx.seed, i))
    except OSError as exc:
        return [(f"{kind.name}: cannot build it here ({exc})", None)]
    run = run_cli(
        ["ingest", str(in_dir), "--db", str(folder / "probe.db")],
        timeout=ctx.hang,
        watch_memory=bad.check is not None,
    )
    outcome: Outcome = [(kind.name, judge_bad(bad, run, db_rows(folder / "probe.db"), good, folder))]
    ctx.say(f"bad-input {kind.name}: {run.secs:.1f} s")
    if kind.analyze and not ctx.quick:
        outcome.append((f"{kind.name} (analyze)", analyze_problems(in_dir, folder / "out", good)))
    clean_folder(folder)
    return outcome


def clean_folder(folder: Path) -> None:
    """Remove a case's folder (big files, pipes, links) as soon as it is judged."""
    shutil.rmtree(folder, ignore_errors=True)


def probe_out_inside_input(ctx: Ctx, good: list[Article]) -> Outcome:
    if ctx.quick:
        return []
    in_dir = ctx.folder("bad", "outside", "in")
    write_good(in_dir, good)
    out = in_dir / "out"
    problems: list[str] = []
    for n in (1, 2):
        run = run_cli(["analyze", str(in_dir), "--out", str(out)], timeout=400)
        problems += run_problems(run, f"run {n}: ")
    rows = db_rows(out / "storydesk.db")
    inside = [r["path"] for r in rows if r.get("path") and is_under(r["path"], out, in_dir)]
    if inside:
        problems.append(f"{len(inside)} of its own outputs read as articles, e.g. {inside[0]}")
    try:
        index = json.loads((out / "index.json").read_text(encoding="utf-8"))
        cited = [a["path"] for a in index["articles"] if a.get("path") and is_under(a["path"], out, in_dir)]
        if cited and not inside:
            problems.append(f"index.json lists {len(cited)} articles from its own output folder")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        problems.append(f"no readable index.json after the second run ({type(exc).__name__})")
    return [("output folder inside the input (analyze IN --out IN/out, twice)", problems)]


def is_under(path: str, folder: Path, base: Path) -> bool:
    p = Path(path)
    for cand in (p, base / p, Path.cwd() / p):
        try:
            cand.resolve().relative_to(folder.resolve())
            return True
        except (ValueError, OSError):
            continue
    return "/out/" in path.replace("\\", "/") or path.startswith("out/")


BAD_FIRST = [
    ("lone surrogate record first", "jsonl-first", None),
    ("JSON nested 100,000 deep first", "000-bad-deep.json", lambda a: "[" * 100_000 + "]" * 100_000),
    ("invalid UTF-8 file name first", b"000-bad-name-\xff.txt", lambda a: junk(500, 7)),
    ("symlink loop first", "000-bad-loop.txt", "link"),
    ("FIFO first", "000-bad-fifo.txt", "fifo"),
    ("WARC without WARC-Target-URI first", "000-bad-nouri.warc", lambda a: as_warc(a, target=False)),
    (
        "5,000-digit integer first",
        "000-bad-bigint.json",
        lambda a: raw_rec_line(a[0], "published", "9" * 5000),
    ),
    ("1.1 MB article first", "000-bad-huge.txt", lambda a: prose(1_150_000, 8)),
]


def bad_first_outcome(ctx: Ctx, i: int) -> Outcome:
    name, fname, data = BAD_FIRST[i]
    good = make_articles(300, ctx.seed, prefix="bf")
    folder = ctx.folder("badfirst", f"v{i}")
    in_dir = folder / "in"
    for a in good[:150]:
        put(in_dir, f"{a.id}.txt", as_txt(a))
    lines = as_jsonl(good[150:])
    extra = make_articles(1, ctx.seed, prefix="bfx", start=900)
    if data is None:
        lines = raw_rec_line(extra[0], "text", '"bad \\ud800 text"') + "\n" + lines
    elif data == "link":
        os.symlink(fname, in_dir / fname)
    elif data == "fifo":
        os.mkfifo(in_dir / fname)
    else:
        put(in_dir, fname, data(extra))
    put(in_dir, "good-records.jsonl", lines)
    run = run_cli(["ingest", str(in_dir), "--db", str(folder / "probe.db")], timeout=ctx.hang + 30)
    problems = run_problems(run)
    if not run.timed_out:
        kept = present(good, db_rows(folder / "probe.db"))
        if len(kept) < len(good):
            problems.append(f"only {len(kept)} of {len(good)} good articles kept")
    clean_folder(folder)
    return [(f"bad first: {name}, then 300 good", problems)]


# ---- shared fixtures -----------------------------------------------------------------------------


class SetupError(Exception):
    """The probe could not build what a family needs (the product failed on good input)."""


def analysed_out(ctx: Ctx) -> Path:
    """One analyze of 25 good articles, shared by the families that need a database to read."""
    if ctx._analysed is None:
        in_dir = ctx.folder("shared", "in")
        write_good(in_dir, make_articles(25, ctx.seed, prefix="s"))
        write_hostile(in_dir, ctx.seed)
        out = ctx.root / "shared" / "out"
        run = run_cli(["analyze", str(in_dir), "--out", str(out)], timeout=400)
        if run.rc != 0 or run.traceback or not (out / "storydesk.db").exists():
            raise SetupError(f"analyze of 25 good articles failed: {'; '.join(run_problems(run)) or run.rc}")
        ctx._analysed = out
    return ctx._analysed


def copy_db(src: Path, dst: Path) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal"):
        if Path(f"{src}{suffix}").exists():
            shutil.copyfile(f"{src}{suffix}", f"{dst}{suffix}")
    return dst


def side_files(db: Path) -> list[str]:
    return [s for s in ("-wal", "-shm", "-journal") if Path(f"{db}{s}").exists()]


# ---- family 2: fuzz ------------------------------------------------------------------------------

ODD = [
    "\u0000",
    "\ufeff",
    "\u202e",
    "\uffff",
    "\U0010ffff",
    "\u0301" * 60,
    "\U0001f469\u200d\U0001f52c",
    "\u2028",
    "\x1b[2J",
    "\U0001d54f",
    "\u00a0",
    "\r",
    "\u0085",
    "\ud800",
    "\udfff",
    "\ufffd",
    "\u200b" * 30,
    "\x7f",
]
TOKENS = {
    "json": [
        b"\\ud800",
        b'"',
        b"{",
        b"[" * 5000,
        b"1e99999",
        b"9" * 5000,
        b"\\u0000",
        b"null",
        b",,",
        b'"id": {}',
    ],
    "feed": [
        b"&#xD800;",
        b'<!ENTITY x "y">',
        b"]]>",
        b"<![CDATA[",
        b"&bogus;",
        b"<",
        b"</item>",
        b"<item>",
        b"<x>" * 3000,
        b"&#0;",
    ],
    "html": [
        b"<script>",
        b"</p>" * 1000,
        b"<!--",
        b"<div>" * 3000,
        b'<meta charset="utf-16">',
        b"&#xD800;",
        b"<![CDATA[",
        b"<svg onload=x>",
    ],
    "warc": [
        b"Content-Length: 999999999\r\n",
        b"WARC/1.0\r\n",
        b"\r\n\r\n",
        b"WARC-Type: response\r\n",
        b"HTTP/1.1 200 OK\r\n",
        b"Content-Type: text/html; charset=x-bogus\r\n",
    ],
    "txt": [b" date 9999-99-99 ", b"\xff", b"\x00", b"\xed\xa0\x80", b" date 2026-02-30 "],
}
FUZZ_FORMATS = {  # name: (extension, token set, articles per file, writer)
    "txt": (".txt", "txt", 1, lambda arts: as_txt(arts[0]).encode()),
    "html": (".html", "html", 1, lambda arts: as_html(arts[0]).encode()),
    "jsonl": (".jsonl", "json", 3, lambda arts: as_jsonl(arts).encode()),
    "json": (".json", "json", 3, lambda arts: as_json_array(arts).encode()),
    "rss": (".rss", "feed", 3, lambda arts: as_rss(arts).encode()),
    "atom": (".atom", "feed", 3, lambda arts: as_atom(arts).encode()),
    "warc": (".warc", "warc", 3, lambda arts: as_warc(arts)),
    "warc.gz": (".warc.gz", "warc", 3, lambda arts: as_warc_gz(arts)),
}


def odd_bytes(rnd: random.Random) -> bytes:
    return rnd.choice(ODD).encode("utf-8", "surrogatepass")


def mutate_once(data: bytes, rnd: random.Random, pool: list[bytes], tokens: list[bytes]) -> tuple[bytes, str]:
    n = len(data) or 1
    op = rnd.choice(["flip", "truncate", "splice", "unicode", "token", "delete", "duplicate", "run"])
    i = rnd.randrange(n)
    if op == "flip":
        b = bytearray(data or b"\0")
        for _ in range(rnd.randint(1, 16)):
            b[rnd.randrange(len(b))] ^= 1 << rnd.randrange(8)
        return bytes(b), op
    if op == "truncate":
        return data[:i], f"truncate@{i}"
    if op == "splice":
        other = rnd.choice(pool)
        return data[:i] + other[rnd.randrange(len(other) or 1) :], f"splice@{i}"
    if op == "unicode":
        return data[:i] + b"".join(odd_bytes(rnd) for _ in range(rnd.randint(1, 8))) + data[
            i:
        ], f"unicode@{i}"
    if op == "token":
        return data[:i] + rnd.choice(tokens) + data[i:], f"token@{i}"
    if op == "delete":
        return data[:i] + data[i + rnd.randint(1, 400) :], f"delete@{i}"
    if op == "duplicate":
        chunk = data[i : i + rnd.randint(1, 200)]
        return data[:i] + chunk * rnd.randint(2, 2000) + data[i:], f"duplicate@{i}"
    return data[:i] + bytes([rnd.choice([0xFF, 0x00, 0xC0, 0x80, 0xED])]) * rnd.randint(1, 64) + data[
        i:
    ], f"run@{i}"


def fuzz_input(fmt: str, seed_bytes: bytes, rnd: random.Random, pool: list[bytes]) -> tuple[bytes, str]:
    tokens = TOKENS[FUZZ_FORMATS[fmt][1]]
    data, ops = seed_bytes, []
    recompress = fmt == "warc.gz" and rnd.random() < 0.5
    if recompress:
        data = gzip.decompress(data)
    for _ in range(rnd.randint(1, 3)):
        data, op = mutate_once(data, rnd, pool, tokens)
        ops.append(op)
    if recompress:
        data, ops = gzip.compress(data), ["gunzip", *ops, "gzip"]
    return data[:4_000_000], "+".join(ops)


def probe_fuzz(ctx: Ctx, fam: Family) -> None:
    rnd = random.Random(ctx.seed)
    per_format = max(1, ctx.fuzz_n // len(FUZZ_FORMATS))
    crashers = Path(tempfile.gettempdir()) / "storydesk-probe-crashers"
    for f_i, (fmt, (ext, _tok, per_file, writer)) in enumerate(FUZZ_FORMATS.items()):
        folder = ctx.folder("fuzz", fmt.replace(".", "-"))
        in_dir = folder / "in"
        good = make_articles(5 * per_file, ctx.seed, prefix=f"fg{f_i}-", start=2000 + f_i * 20)
        for k in range(5):
            arts = good[k * per_file : (k + 1) * per_file]
            put(in_dir, f"{arts[0].id}{ext}", writer(arts))
        seeds_arts = make_articles(12 * per_file, ctx.seed, prefix=f"fs{f_i}-", start=3000 + f_i * 40)
        pool = [writer(seeds_arts[j * per_file : (j + 1) * per_file]) for j in range(12)]
        cases: dict[str, tuple[Path, str]] = {}
        for n in range(per_format):
            data, how = fuzz_input(fmt, rnd.choice(pool), rnd, pool)
            name = f"fz-{fmt.replace('.', '-')}-{n:03d}{ext}"
            cases[name] = (put(in_dir, name, data), how)
        batch = run_cli(["ingest", str(in_dir), "--db", str(folder / "batch.db")], timeout=120)
        problems = run_problems(batch)
        if not batch.timed_out:
            kept = present(good, db_rows(folder / "batch.db"))
            if len(kept) < len(good):
                problems.append(
                    f"{len(good) - len(kept)} of {len(good)} good articles lost beside fuzzed files"
                )
        ctx.say(f"fuzz {fmt}: batch {batch.secs:.1f} s, {len(problems)} problem(s)")
        culprits = find_culprits(ctx, folder, cases) if problems else {}
        for name in cases:
            fam.case(f"{fmt} {name} ({cases[name][1]})", culprits.get(name, []))
        explained = bool(culprits)
        fam.case(
            f"{fmt} batch of {len(cases)} fuzzed + 5 good files",
            [] if explained else [f"{p} (no single fuzzed file explains it)" for p in problems],
        )
        for name in culprits:
            crashers.mkdir(exist_ok=True)
            shutil.copyfile(cases[name][0], crashers / name)
        clean_folder(folder)
    if any(c for c, _ in fam.failures):
        fam.skipped.append(f"failing fuzzed inputs copied to {crashers}/ (kept after the run)")


def find_culprits(ctx: Ctx, folder: Path, cases: dict[str, tuple[Path, str]]) -> dict[str, list[str]]:
    """The fuzzed files that fail alone (traceback or hang): groups of 8 first, then one by one."""
    names = sorted(cases)
    found: dict[str, list[str]] = {}
    for g in range(0, len(names), 8):
        group = names[g : g + 8]
        if not alone_problems(ctx, folder, [cases[n][0] for n in group]):
            continue
        for n in group:
            probs = alone_problems(ctx, folder, [cases[n][0]])
            if probs:
                found[n] = probs
    return found


def alone_problems(ctx: Ctx, folder: Path, paths: list[Path]) -> list[str]:
    db = folder / "alone.db"
    for s in ("", "-wal", "-shm", "-journal"):
        Path(f"{db}{s}").unlink(missing_ok=True)
    run = run_cli(["ingest", *map(str, paths), "--db", str(db)], timeout=ctx.hang)
    return run_problems(run, expect_ok=False)


# ---- family 3: kills -----------------------------------------------------------------------------


def proc_stat(pid: int) -> tuple[str, int, int, int] | None:
    """(state, ppid, pgrp, starttime) of a process, or None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return fields[0], int(fields[1]), int(fields[2]), int(fields[19])


def all_pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def descendants(pid: int) -> dict[int, int]:
    """pid -> starttime of every living descendant of pid (children, grandchildren, ...)."""
    parent = {}
    for p in all_pids():
        st = proc_stat(p)
        if st:
            parent[p] = (st[1], st[3])
    found, frontier = {}, [pid]
    while frontier:
        cur = frontier.pop()
        for p, (pp, start) in parent.items():
            if pp == cur and p not in found:
                found[p] = start
                frontier.append(p)
    return found


def alive_orphans(watched: dict[int, int], group: int) -> list[int]:
    """Watched processes still running (same start time, not zombies), plus any left in the group."""
    out = []
    for p in all_pids():
        st = proc_stat(p)
        if not st or st[0] == "Z":
            continue
        if (p in watched and watched[p] == st[3]) or st[2] == group:
            out.append(p)
    return out


def describe_proc(pid: int) -> str:
    try:
        cmd = (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace").strip()
        )
        rss = next(
            (
                int(ln.split()[1]) // 1024
                for ln in Path(f"/proc/{pid}/status").read_text().splitlines()
                if ln.startswith("VmRSS:")
            ),
            0,
        )
    except (OSError, ValueError):
        return f"pid {pid}"
    return f"pid {pid} ({rss} MB): {cmd[:90]}"


def index_signature(out: Path) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]] | None:
    try:
        index = json.loads((out / "index.json").read_text(encoding="utf-8"))
        arts = tuple(sorted(a["id"] for a in index["articles"]))
        stories = tuple(sorted(tuple(sorted(s["articles"])) for s in index["stories"]))
        return arts, stories
    except (OSError, ValueError, KeyError, TypeError):
        return None


def compare_signatures(clean: tuple, got: tuple | None) -> list[str]:
    if got is None:
        return ["re-run wrote no readable index.json"]
    problems = []
    if got[0] != clean[0]:
        missing, extra = set(clean[0]) - set(got[0]), set(got[0]) - set(clean[0])
        problems.append(
            f"re-run article ids differ from a clean run: {len(missing)} missing, {len(extra)} extra"
        )
    if got[1] != clean[1]:
        changed = len(set(clean[1]) ^ set(got[1]))
        problems.append(
            f"re-run stories differ from a clean run ({len(clean[1])} vs {len(got[1])} stories, "
            f"{changed} memberships not shared)"
        )
    return problems


def kill_at(args: list[str], delay: float, log: Path) -> tuple[bool, dict[int, int], int]:
    """Start the CLI, kill -9 its main process after delay seconds; (killed, descendants seen, pgid)."""
    with open(log, "wb") as f:
        proc = subprocess.Popen(
            [CLI, *args], stdout=f, stderr=f, stdin=subprocess.DEVNULL, env=ENV, start_new_session=True
        )
    seen: dict[int, int] = {}
    end = time.monotonic() + delay
    while time.monotonic() < end and proc.poll() is None:
        seen.update(descendants(proc.pid))
        time.sleep(0.1)
    if proc.poll() is not None:
        return False, seen, proc.pid
    seen.update(descendants(proc.pid))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return True, seen, proc.pid


def probe_kills(ctx: Ctx, fam: Family) -> None:
    """Analyze kills on ~150 articles (re-run = clean index.json); ingest kills on 1,500 (re-run = clean
    store)."""
    rnd = random.Random(ctx.seed + 3)
    base = ctx.root / "kills"
    in_dir, big_dir = base / "in", base / "in-ingest"
    write_good(in_dir, make_articles(60 if ctx.quick else 150, ctx.seed, prefix="kl"))
    write_good(big_dir, make_articles(1500, ctx.seed, prefix="ki"))
    t0 = time.monotonic()
    clean = run_cli(["analyze", str(in_dir), "--out", str(base / "clean")], timeout=600)
    t_analyze = time.monotonic() - t0
    clean_sig = index_signature(base / "clean")
    if run_problems(clean) or clean_sig is None:
        fam.case("clean analyze", run_problems(clean) or ["no index.json"])
        return
    t0 = time.monotonic()
    clean_ingest = run_cli(["ingest", str(big_dir), "--db", str(base / "clean-ingest.db")], timeout=300)
    t_ingest = time.monotonic() - t0
    clean_store = store_signature(base / "clean-ingest.db")
    if run_problems(clean_ingest) or not clean_store:
        fam.case("clean ingest", run_problems(clean_ingest) or ["nothing stored"])
        return
    ctx.say(f"kills: clean analyze {t_analyze:.1f} s, clean ingest of 1,500 {t_ingest:.1f} s")
    for t in range(ctx.kills):
        verb = "analyze" if t % 2 == 1 else "ingest"
        out = base / f"t{t}"
        out.mkdir(parents=True, exist_ok=True)
        db = out / "storydesk.db"
        span = t_analyze if verb == "analyze" else t_ingest
        delay = rnd.uniform(0.3, max(0.4, 0.9 * span))
        args = (
            ["analyze", str(in_dir), "--out", str(out)]
            if verb == "analyze"
            else ["ingest", str(big_dir), "--db", str(db)]
        )
        killed, seen, group = kill_at(args, delay, out / "killed.log")
        problems = []
        if db.exists() and (check := integrity(db)) != "ok":
            problems.append(f"integrity_check after the kill: {check[:120]}")
        rerun_args = args if verb == "analyze" else ["ingest", str(big_dir), "--db", str(db)]
        with ThreadPoolExecutor(1) as pool:  # orphans are watched meanwhile: the re-run has its own session
            rerun = pool.submit(run_cli, rerun_args, 600)
            problems += orphan_problems(seen, group)
            problems += run_problems(rerun.result(), "re-run: ")
        if not problems or all(p.startswith("integrity") or "alive" in p for p in problems):
            problems += (
                compare_signatures(clean_sig, index_signature(out))
                if verb == "analyze"
                else compare_stores(clean_store, store_signature(db))
            )
        note = f", {len(seen)} child process(es) seen" if seen else ""
        note += "" if killed else ", finished before the kill"
        fam.case(f"kill -9 {verb} at {delay:.1f} s{note}", problems)
        ctx.say(f"kills: trial {t} {verb} at {delay:.1f} s{note}: {len(problems)} problem(s)")
        clean_folder(out)


def store_signature(db: Path) -> dict[str, str]:
    return {r["id"]: r.get("content_hash", "") for r in db_rows(db)}


def compare_stores(clean: dict[str, str], got: dict[str, str]) -> list[str]:
    if got == clean:
        return []
    missing, extra = set(clean) - set(got), set(got) - set(clean)
    changed = sum(1 for k in set(clean) & set(got) if clean[k] != got[k])
    return [
        f"re-run store differs from a clean ingest: {len(missing)} missing, {len(extra)} extra, "
        f"{changed} changed"
    ]


def orphan_problems(seen: dict[int, int], group: int) -> list[str]:
    time.sleep(5)
    orphans = alive_orphans(seen, group)
    described = "; ".join(describe_proc(p) for p in orphans[:3])
    for p in orphans:  # the probe started them (through the killed CLI): stop them, by pid
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if not orphans:
        return []
    return [f"{len(orphans)} process(es) still alive 5 s after the kill: {described}"]


# ---- family 4: concurrency -----------------------------------------------------------------------


def run_together(argss: list[list[str]], timeout: float = 180) -> list[Run]:
    """Several CLI runs started at the same moment."""
    with ThreadPoolExecutor(len(argss)) as pool:
        return list(pool.map(lambda a: run_cli(a, timeout=timeout), argss))


def duplicate_groups(db: Path) -> int:
    """Rows beyond the first among articles with the same content_hash and source."""
    seen: dict[tuple[str, str], int] = {}
    for r in db_rows(db):
        key = (r.get("content_hash", ""), r.get("source", ""))
        seen[key] = seen.get(key, 0) + 1
    return sum(n - 1 for n in seen.values() if n > 1)


def probe_concurrency(ctx: Ctx, fam: Family) -> None:
    base = ctx.root / "concurrency"
    arts = make_articles(300, ctx.seed, prefix="cc")
    write_good(base / "all", arts)
    write_good(base / "half1", arts[:150])
    write_good(base / "half2", arts[150:])
    same = make_articles(300, ctx.seed, prefix="cd")
    put(
        base / "copies-a",
        "a.jsonl",
        "".join(rec_line(a, id=f"a-{a.id}", url=f"{a.url}-a") + "\n" for a in same),
    )
    put(
        base / "copies-b",
        "b.jsonl",
        "".join(rec_line(a, id=f"b-{a.id}", url=f"{a.url}-b") + "\n" for a in same),
    )
    for r in range(ctx.concurrency):
        db = base / f"r{r}.db"
        folders = ("all", "all") if r % 2 == 0 else ("half1", "half2")
        runs = run_together([["ingest", str(base / f), "--db", str(db)] for f in folders])
        problems = [p for i, run in enumerate(runs) for p in run_problems(run, f"ingest {i + 1}: ")]
        rows = db_rows(db)
        kept = present(arts, rows)
        if len(kept) < len(arts):
            problems.append(f"only {len(kept)} of {len(arts)} articles stored")
        if len(rows) > len(arts):
            problems.append(f"{len(rows)} rows for {len(arts)} articles (stored more than once)")
        fam.case(
            f"two ingests of {'the same folder' if r % 2 == 0 else 'two halves'} "
            f"on a new database (#{r + 1})",
            problems,
        )
        db2 = base / f"d{r}.db"
        runs = run_together([["ingest", str(base / f), "--db", str(db2)] for f in ("copies-a", "copies-b")])
        problems = [p for i, run in enumerate(runs) for p in run_problems(run, f"ingest {i + 1}: ")]
        dups = duplicate_groups(db2)
        if dups:
            problems.append(f"{dups} duplicates stored (same content_hash and source under two ids)")
        fam.case(f"the same 300 texts under two ids, ingested at once (#{r + 1})", problems)
        ctx.say(f"concurrency: repeat {r + 1} done")


# ---- family 5: serve -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str]


def request(
    port: int,
    method: str,
    path: str,
    host: str | None = None,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 60,
) -> Reply:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host or f"127.0.0.1:{port}")
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        data = resp.read()
        return Reply(resp.status, data, {k.lower(): v for k, v in resp.getheaders()})
    except (OSError, http.client.HTTPException) as exc:
        return Reply(0, f"{type(exc).__name__}: {exc}".encode(), {})
    finally:
        conn.close()


class Server:
    """`storydesk serve` in a session of its own, stopped by pid."""

    def __init__(self, db: Path, log: Path, extra: list[str] | None = None) -> None:
        self.port = free_port()
        self.log = log
        with open(log, "wb") as f:
            self.proc = subprocess.Popen(
                [CLI, "serve", "--db", str(db), "--port", str(self.port), *(extra or [])],
                stdout=f,
                stderr=f,
                stdin=subprocess.DEVNULL,
                env=ENV,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 60) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end and self.proc.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return True
            except OSError:
                time.sleep(0.2)
        return False

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        kill_group(self.proc.pid)
        self.proc.wait()

    def output(self) -> str:
        return self.log.read_bytes().decode("utf-8", "replace")


def dossier_ids(out: Path) -> dict[str, str]:
    """A story id, an article id, an entity id, an outlet and a word from the analysed fixture."""
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    story = max(index["stories"], key=lambda s: len(s["articles"]))
    with sqlite3.connect(out / "storydesk.db") as conn:  # the app's entity pages are cross-story ones
        linked = conn.execute(
            "SELECT entity_id FROM story_entities WHERE story_id = ? AND entity_id IS NOT NULL LIMIT 1",
            (story["id"],),
        ).fetchone()
    word = next((w for w in story["title"].split() if len(w) > 4), story["title"].split()[0])
    return {
        "story": story["id"],
        "article": story["articles"][0],
        "entity": linked[0] if linked else "g-none",
        "outlet": story["sources"][0],
        "word": word,
    }


def serve_routes(ids: dict[str, str], app_routes: bool = True) -> list[str]:
    """The routes every GET/HEAD case runs over, the app's search, entity, outlet, new and paging pages
    among them unless ``app_routes`` is False."""
    q = urllib.parse.quote
    routes = [
        "/",
        "/index.html",
        "/api/stories",
        f"/stories/{q(ids['story'])}",
        f"/stories/{q(ids['story'])}.json",
        f"/stories/{q(ids['story'])}.md",
        f"/articles/{q(ids['article'])}",
        f"/articles/{q(ids['article'])}?start=0&end=20",
    ]
    if app_routes:
        routes += [
            f"/search?q={q(ids['word'])}",
            f"/search.json?q={q(ids['word'])}",
            f"/entities/{q(ids['entity'])}",
            f"/entities/{q(ids['entity'])}.json",
            f"/outlets/{q(ids['outlet'], safe='')}",
            f"/outlets/{q(ids['outlet'], safe='')}.json",
            "/outlets",
            "/outlets.json",
            "/new",
            "/new.json",
            f"/?outlet={q(ids['outlet'])}&page=2",
        ]
    return routes


def expect_status(
    want: Callable[[int], bool], what: str, body_must_not: tuple[bytes, ...] = ()
) -> Callable[[Reply], list[str]]:
    def check(r: Reply) -> list[str]:
        problems = [] if want(r.status) else [f"status {r.status or 'none: ' + r.body.decode()[:80]}, {what}"]
        problems += [f"answer contains {b.decode()!r}" for b in body_must_not if b in r.body]
        return problems

    return check


NOT_5XX = expect_status(lambda s: 0 < s < 500, "not a 5xx expected")
IS_404 = expect_status(lambda s: s == 404, "404 expected")
IS_4XX = expect_status(lambda s: 400 <= s < 500, "4xx expected")
IS_405 = expect_status(lambda s: s == 405, "405 expected")
IS_200 = expect_status(lambda s: s == 200, "200 expected")


def hostile_requests(
    ids: dict[str, str], port: int
) -> list[tuple[str, str, str, str | None, Callable[[Reply], list[str]]]]:
    """(case, method, path, Host header, check) for every hostile request."""
    sid, aid = urllib.parse.quote(ids["story"]), urllib.parse.quote(ids["article"])
    no_passwd = expect_status(lambda s: 400 <= s < 500, "4xx expected", (PASSWD_MARK.encode(),))
    xss = b"<script>alert('probe-xss-q')"
    cases = [
        ("unknown path", "GET", "/no/such/page", None, IS_404),
        ("bad story id", "GET", "/stories/s-doesnotexist", None, IS_404),
        ("bad story id (.json)", "GET", "/stories/s-doesnotexist.json", None, IS_404),
        ("bad story id (.md)", "GET", "/stories/s-doesnotexist.md", None, IS_404),
        ("bad article id", "GET", "/articles/no-such-article", None, IS_404),
        ("NUL in a story id", "GET", "/stories/%00", None, IS_4XX),
        ("path traversal in /articles", "GET", "/articles/..%2f..%2fetc%2fpasswd", None, no_passwd),
        ("path traversal in /stories", "GET", "/stories/..%2f..%2f..%2fetc%2fpasswd", None, no_passwd),
        ("raw ../ path", "GET", "/../../../etc/passwd", None, no_passwd),
        ("path traversal in /entities", "GET", "/entities/..%2f..%2fetc%2fpasswd.json", None, no_passwd),
        ("path traversal in /outlets", "GET", "/outlets/..%2f..%2fetc%2fpasswd", None, no_passwd),
        ("huge query string (60 KB)", "GET", "/search?q=" + "a" * 60_000, None, NOT_5XX),
        ("20,000 query parameters", "GET", "/api/stories?" + "x=1&" * 12_000, None, NOT_5XX),
        ("huge path (100 KB)", "GET", "/stories/" + "s" * 100_000, None, NOT_5XX),
        ("bad percent escapes", "GET", "/stories/%zz%", None, NOT_5XX),
        (
            "script in a search query",
            "GET",
            "/search?q=%3Cscript%3Ealert('probe-xss-q')%3C/script%3E",
            None,
            expect_status(lambda s: 0 < s < 500, "not a 5xx expected", (xss,)),
        ),
        ("empty search query", "GET", "/search?q=", None, NOT_5XX),
        ("Host: evil.example", "GET", "/", "evil.example", IS_4XX),
        ("Host: evil.example on /api/stories", "GET", "/api/stories", "evil.example", IS_4XX),
        (
            "Host: evil.example:port on a dossier",
            "GET",
            f"/stories/{sid}.json",
            f"evil.example:{port}",
            IS_4XX,
        ),
        ("Host: localhost.evil.example", "GET", "/", "localhost.evil.example", IS_4XX),
        ("Host: 127.0.0.1.nip.io", "GET", "/", f"127.0.0.1.nip.io:{port}", IS_4XX),
        ("Host: localhost:port", "GET", "/", f"localhost:{port}", IS_200),
        ("Host: [::1]:port", "GET", "/", f"[::1]:{port}", IS_200),
    ]
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        for path in ("/", "/api/stories", f"/stories/{sid}"):
            cases.append((f"{method} {path}", method, path, None, IS_405))
    cases.append(("TRACE /", "TRACE", "/", None, IS_405))
    for q in (
        "start=-5&end=10",
        "start=999999&end=1000000",
        "start=abc&end=def",
        "start=10&end=5",
        "start=1e309&end=2",
        "start=99999999999999999999999&end=1",
        "start=&end=",
        "start=5",
    ):
        cases.append((f"highlight {q}", "GET", f"/articles/{aid}?{q}", None, NOT_5XX))
    return cases


def probe_serve(ctx: Ctx, fam: Family) -> None:
    out = analysed_out(ctx)
    base = ctx.folder("serve")
    db = copy_db(out / "storydesk.db", base / "serve.db")
    before, side_before = sha256(db), side_files(db)
    ids = dossier_ids(out)
    server = Server(db, base / "serve.log")
    try:
        if not server.wait_ready():
            fam.case(
                "serve starts on an analysed database",
                [f"not listening after 60 s: {server.output().strip()[-200:]!r}"],
            )
            return
        probe_routes(fam, server, ids, ctx.app_routes)
        for case, method, path, host, check in hostile_requests(ids, server.port):
            if ctx.quick and method in ("PUT", "PATCH") or not server.alive:
                continue
            problems = check(request(server.port, method, path, host=host))
            fam.case(f"{case}", problems + ([] if server.alive else ["the server died"]))
    finally:
        server.stop()
    log = server.output()
    problems = [f"traceback in the server log: {traceback_summary(log)}"] if TRACEBACK.decode() in log else []
    if sha256(db) != before:
        problems.append("the database file changed (sha256) while serving")
    if side_files(db) and not side_before:
        problems.append(f"left {', '.join(side_files(db))} beside the database")
    fam.case("database byte-identical after all serve cases, no -wal/-shm", problems)
    probe_serve_refusals(ctx, fam, base, out)


def probe_routes(fam: Family, server: Server, ids: dict[str, str], app_routes: bool) -> None:
    for path in serve_routes(ids, app_routes):
        got = request(server.port, "GET", path)
        fam.case(f"GET {path}", [] if got.status == 200 else [f"status {got.status}, 200 expected"])
        head = request(server.port, "HEAD", path)
        problems = (
            []
            if head.status == got.status and head.status != 501
            else [f"HEAD status {head.status}, GET gave {got.status}"]
        )
        if head.body:
            problems.append(f"HEAD answered with a {len(head.body)}-byte body")
        fam.case(f"HEAD {path}", problems)


def serve_exit_problems(db: Path, log: Path, what: str) -> list[str]:
    """serve on something that is not storydesk's database: a non-zero exit, one line, no traceback."""
    server = Server(db, log)
    try:
        server.proc.wait(20)
    except subprocess.TimeoutExpired:
        server.stop()
        return [f"serve started (still running after 20 s) on {what}"]
    text = server.output()
    lines = [ln for ln in text.splitlines() if ln.strip()]
    problems = []
    if server.proc.returncode == 0:
        problems.append(f"exit 0 on {what}")
    if TRACEBACK.decode() in text:
        problems.append(f"traceback: {traceback_summary(text)}")
    elif len(lines) != 1:
        problems.append(f"{len(lines)} lines on stderr, one expected")
    return problems


def probe_serve_refusals(ctx: Ctx, fam: Family, base: Path, out: Path) -> None:
    notdb = put(base, "notadb.db", "this is not a database\n" * 20)
    h = sha256(notdb)
    problems = serve_exit_problems(notdb, base / "notdb.log", "a text file")
    fam.case(
        "serve on a non-SQLite file", problems + ([] if sha256(notdb) == h else ["the file was changed"])
    )
    foreign = base / "foreign.db"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE notes (x TEXT)")
    con.commit()
    con.close()
    h = sha256(foreign)
    problems = serve_exit_problems(foreign, base / "foreign.log", "an SQLite file that is not storydesk's")
    fam.case(
        "serve on another program's SQLite file",
        problems + ([] if sha256(foreign) == h else ["the file was changed (tables added?)"]),
    )
    missing = base / "missing.db"
    problems = serve_exit_problems(missing, base / "missing.log", "a missing file")
    fam.case("serve on a missing database", problems + (["the file was created"] if missing.exists() else []))
    ro = copy_db(out / "storydesk.db", base / "ro" / "readonly.db")
    ro.chmod(0o444)
    h = sha256(ro)
    server = Server(ro, base / "ro.log")
    try:
        problems = [] if server.wait_ready() else [f"not listening: {server.output().strip()[-200:]!r}"]
        if not problems:
            ids = dossier_ids(out)
            for path in ("/", f"/stories/{urllib.parse.quote(ids['story'])}"):
                got = request(server.port, "GET", path)
                if got.status != 200:
                    problems.append(f"GET {path} gave {got.status}")
    finally:
        server.stop()
    if sha256(ro) != h:
        problems.append("the read-only file changed")
    note = " (as root: the mode does not stop writes; the hash does)" if os.geteuid() == 0 else ""
    fam.case(f"serve on a read-only (chmod 444) database{note}", problems)
    probe_default_bind(fam, base, out)


def lan_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            addr = s.getsockname()[0]
        except OSError:
            return None
    return None if addr.startswith("127.") else addr


def probe_default_bind(fam: Family, base: Path, out: Path) -> None:
    addr = lan_address()
    if not addr:
        fam.skipped.append("default bind: this machine has no non-loopback address to try")
        return
    db = copy_db(out / "storydesk.db", base / "bind" / "bind.db")
    server = Server(db, base / "bind.log")
    try:
        problems = [] if server.wait_ready() else ["not listening on 127.0.0.1"]
        try:
            with socket.create_connection((addr, server.port), timeout=2):
                problems.append(f"reachable on {addr} without --host")
        except OSError:
            pass
    finally:
        server.stop()
    fam.case("binds 127.0.0.1 by default (not the LAN address)", problems)


# ---- family 6: CLI errors ------------------------------------------------------------------------


@dataclass
class CliCase:
    name: str
    args: list[str]
    codes: tuple[int, ...] = (1,)  # the exit codes that are right
    untouched: Path | None = None  # a file that must stay byte-identical (or stay missing)
    stdin: bytes | None = None
    max_lines: int = 2  # non-empty stderr lines allowed (click's usage errors take 3)
    must_say: str = ""  # text that must stand in stderr


def cli_cases(ctx: Ctx, base: Path, out: Path) -> list[CliCase]:
    good = out / "storydesk.db"
    ids = dossier_ids(out)
    notdb = put(base, "notadb.db", "hello, this is not a database\n" * 10)
    empty = put(base, "empty.db", b"")
    foreign = base / "foreign.db"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE notes (x TEXT)")
    con.commit()
    con.close()
    cut = put(base, "truncated.db", good.read_bytes()[: good.stat().st_size // 2])
    missing = base / "nowhere" / "missing.db"
    missing2 = base / "missing2.db"
    in_dir = ctx.root / "shared" / "in"
    pairs_bad = put(base, "pairs-bad.jsonl", 'not json\n{"id": 1}\n[1, 2]\n{"a": "x"\n')
    pairs_bin = put(base, "pairs-bin.jsonl", junk(2000, 11))
    a_file = put(base, "a-file.txt", "I am a file\n")
    empty_dir = ctx.folder("cli", "empty-folder")
    sid, aid = ids["story"], ids["article"]
    read_verbs = [("stories", []), ("articles", []), ("article", [aid]), ("dossier", [sid])]
    cases = []
    for verb, extra in read_verbs:
        cases.append(
            CliCase(f"{verb} on a non-SQLite --db", [verb, *extra, "--db", str(notdb)], untouched=notdb)
        )
        cases.append(
            CliCase(
                f"{verb} on a missing --db (must not create it)",
                [verb, *extra, "--db", str(missing2)],
                untouched=missing2,
            )
        )
    cases += [
        CliCase(
            "ingest into a non-SQLite --db", ["ingest", str(in_dir), "--db", str(notdb)], untouched=notdb
        ),
        CliCase(
            "analyze with a non-SQLite --db",
            ["analyze", str(in_dir), "--out", str(base / "o1"), "--db", str(notdb)],
            untouched=notdb,
        ),
        CliCase("stories on a 0-byte --db", ["stories", "--db", str(empty)], untouched=empty),
        CliCase(
            "articles on another program's SQLite file", ["articles", "--db", str(foreign)], untouched=foreign
        ),
        CliCase(
            "stories on another program's SQLite file", ["stories", "--db", str(foreign)], untouched=foreign
        ),
        CliCase("stories on a truncated database", ["stories", "--db", str(cut)], untouched=cut),
        CliCase(
            "articles with --db in a missing folder", ["articles", "--db", str(missing)], untouched=missing
        ),
        CliCase("unknown story id (json)", ["dossier", "s-doesnotexist", "--db", str(good)]),
        CliCase("unknown story id (md)", ["dossier", "s-doesnotexist", "--db", str(good), "--format", "md"]),
        CliCase(
            "unknown story id (html)", ["dossier", "s-doesnotexist", "--db", str(good), "--format", "html"]
        ),
        CliCase("unknown article id", ["article", "no-such-article", "--db", str(good)]),
        CliCase("unknown article id (--json)", ["article", "no-such-article", "--db", str(good), "--json"]),
        CliCase("bad --format", ["dossier", sid, "--db", str(good), "--format", "pdf"], (2,), max_lines=3),
        CliCase("ingest without paths", ["ingest"], (2,), max_lines=3),
        CliCase("analyze without --out", ["analyze", str(in_dir)], (2,), max_lines=3),
        CliCase("dossier without a story id", ["dossier"], (2,), max_lines=3),
        CliCase("article without an id", ["article"], (2,), max_lines=3),
        CliCase("compare without a file", ["compare"], (2,), max_lines=3),
        CliCase("unknown verb", ["frobnicate"], (2,), max_lines=3),
        CliCase("unknown option", ["stories", "--bogus"], (2,), max_lines=3),
        CliCase("serve --port not a number", ["serve", "--port", "http"], (2,), max_lines=3),
        CliCase("compare on a missing file", ["compare", str(base / "no-pairs.jsonl")], (1, 2), max_lines=3),
        CliCase(
            "compare on bad JSON lines only",
            ["compare", str(pairs_bad)],
            (0, 1),
            max_lines=6,
            must_say=f"{pairs_bad}:1",
        ),
        CliCase("compare on a binary file", ["compare", str(pairs_bin)], (0, 1), max_lines=100),
        CliCase(
            "analyze --out pointing at a file",
            ["analyze", str(in_dir), "--out", str(a_file)],
            (1, 2),
            untouched=a_file,
            max_lines=3,
        ),
        CliCase(
            "ingest --db pointing at a folder",
            ["ingest", str(in_dir), "--db", str(empty_dir)],
            (1, 2),
            max_lines=3,
        ),
        CliCase("analyze on an empty folder", ["analyze", str(empty_dir), "--out", str(base / "o2")]),
        CliCase(
            "analyze on a missing path",
            ["analyze", str(base / "no-such-input"), "--out", str(base / "o3")],
            must_say="no-such-input",
        ),
        CliCase(
            "ingest a missing path",
            ["ingest", str(base / "no-such-input"), "--db", str(base / "x.db")],
            must_say="no-such-input",
        ),
        CliCase(
            "ingest - with binary stdin",
            ["ingest", "-", "--db", str(base / "stdin.db")],
            stdin=junk(3000, 12),
            max_lines=4,
        ),
    ]
    ro = copy_db(good, base / "ro" / "readonly.db")
    ro.chmod(0o444)
    cases.append(
        CliCase(
            "stories on a read-only (chmod 444) database",
            ["stories", "--db", str(ro)],
            (0,),
            untouched=ro,
            max_lines=0,
        )
    )
    for verb, extra in [
        ("stories", []),
        ("articles", []),
        ("article", [aid]),
        ("dossier", [sid]),
        ("dossier", [sid, "--format", "md"]),
        ("dossier", [sid, "--format", "html"]),
    ]:
        copy = copy_db(good, base / f"read-{verb}-{len(cases)}.db")
        cases.append(
            CliCase(
                f"{' '.join([verb, *extra[1:]])} leaves the database byte-identical",
                [verb, *extra, "--db", str(copy)],
                (0,),
                untouched=copy,
                max_lines=0,
            )
        )
    return cases


def cli_case_problems(case: CliCase) -> list[str]:
    existed = case.untouched.exists() if case.untouched else False
    before = sha256(case.untouched) if case.untouched else ""
    run = run_cli(case.args, timeout=120, stdin_bytes=case.stdin)
    problems = run_problems(run, expect_ok=False)
    if run.timed_out:
        return problems
    if run.rc not in case.codes:
        problems.append(
            f"exit {run.rc}, {' or '.join(map(str, case.codes))} expected"
            + (f" ({run.last_error_line()!r})" if run.rc else "")
        )
    lines = [ln for ln in run.stderr.splitlines() if ln.strip()]
    if not run.traceback and len(lines) > case.max_lines:
        problems.append(f"{len(lines)} lines on stderr, at most {case.max_lines} expected")
    if case.must_say and case.must_say not in run.stderr:
        problems.append(f"stderr does not name {case.must_say!r}")
    if case.untouched:
        if not existed and case.untouched.exists():
            problems.append(f"created {case.untouched.name}")
        elif existed and sha256(case.untouched) != before:
            problems.append(f"changed {case.untouched.name} (sha256)")
        if existed and side_files(case.untouched):
            problems.append(f"left {', '.join(side_files(case.untouched))} beside {case.untouched.name}")
    return problems


def probe_cli(ctx: Ctx, fam: Family) -> None:
    out = analysed_out(ctx)
    base = ctx.folder("cli")
    cases = cli_cases(ctx, base, out)
    if ctx.quick:
        cases = cases[::3]
    with ThreadPoolExecutor(2) as pool:
        for case, problems in zip(cases, pool.map(cli_case_problems, cases), strict=True):
            fam.case(case.name, problems)


# ---- family 7: XSS, a static scan of analyze's HTML ----------------------------------------------

XSS_PAYLOADS = [
    "<script>alert('probe-xss-1')</script>",
    "<img src=x onerror=alert('probe-xss-2')>",
    "<svg onload=alert('probe-xss-3')>",
    "\"><script>alert('probe-xss-4')</script>",
    "</title><script>alert('probe-xss-5')</script>",
    "<a href=\"javascript:alert('probe-xss-6')\">look</a>",
    "<iframe src=\"javascript:alert('probe-xss-7')\"></iframe>",
    "</textarea><script>alert('probe-xss-8')</script>",
]


def write_hostile(folder: Path, seed: int) -> None:
    """Articles that carry XSS payloads in every field a page shows: text, title, source, authors, url."""
    arts = make_articles(len(XSS_PAYLOADS), seed, prefix="xss", start=700)
    recs = []
    for i, (a, p) in enumerate(zip(arts, XSS_PAYLOADS, strict=True)):
        paras_ = a.text.split("\n\n")
        paras_.insert(1, f"A reader wrote {p} in the comments.")
        rec = {
            **as_record(a),
            "text": "\n\n".join(paras_),
            "title": f"{a.title} {p}",
            "authors": [f"Staff {XSS_PAYLOADS[(i + 1) % len(XSS_PAYLOADS)]}"],
        }
        if i % 2:
            rec["source"] = f"{a.source} {XSS_PAYLOADS[(i + 2) % len(XSS_PAYLOADS)]}"
        if i == 5:
            rec["url"] = "javascript:alert('probe-xss-9')"
        recs.append(rec)
    put(folder, "hostile.jsonl", "".join(json.dumps(r) + "\n" for r in recs))


def raw_payloads(html_text: str) -> list[str]:
    """The payloads (or a javascript: link) standing unescaped in a page."""
    found = [p for p in XSS_PAYLOADS if p in html_text]
    found += [
        m.group(0) for m in re.finditer(r"""(?:href|src)\s*=\s*["']?\s*javascript:[^"'>]*""", html_text, re.I)
    ]
    found += [m.group(0) for m in re.finditer(r"<script[^>]*>\s*alert\('probe-xss", html_text)]
    return sorted(set(found))


def probe_xss(ctx: Ctx, fam: Family) -> None:
    out = analysed_out(ctx)
    pages = sorted(out.glob("*.html")) + sorted((out / "stories").glob("*.html"))
    hits: dict[str, list[str]] = {}
    for page_path in pages:
        for p in raw_payloads(page_path.read_text(encoding="utf-8", errors="replace")):
            hits.setdefault(p, []).append(str(page_path.relative_to(out)))
    if not any("probe-xss" in p.read_text(encoding="utf-8", errors="replace") for p in pages):
        fam.case(
            "hostile articles reach the HTML at all", ["no probe payload in any page: the scan saw nothing"]
        )
    for p in XSS_PAYLOADS + ["javascript: link"]:
        key_hits = [
            h
            for k, v in hits.items()
            for h in v
            if (k == p or (p == "javascript: link" and "javascript:" in k and k not in XSS_PAYLOADS))
        ]
        fam.case(
            f"payload {p[:40]} left unescaped in {len(pages)} pages",
            [f"unescaped in {len(set(key_hits))} page(s), e.g. {sorted(set(key_hits))[0]}"]
            if key_hits
            else [],
        )


# ---- main ----------------------------------------------------------------------------------------

FAMILIES: dict[str, Callable[[Ctx, Family], None]] = {
    "bad-input": probe_bad_inputs,
    "fuzz": probe_fuzz,
    "kills": probe_kills,
    "concurrency": probe_concurrency,
    "serve": probe_serve,
    "cli": probe_cli,
    "xss": probe_xss,
}


def print_table(fams: list[Family]) -> None:
    w = max([len(f.name) for f in fams] + [len("family")]) + 2
    print(f"{'family':<{w}}| cases tried | failures | goal | seconds")
    print(f"{'-' * w}|-------------|----------|------|--------")
    for f in fams:
        print(f"{f.name:<{w}}| {f.tried:>11} | {f.failed_cases:>8} | {0:>4} | {f.secs:>7.0f}")
    total = sum(f.failed_cases for f in fams)
    print(f"{'total':<{w}}| {sum(f.tried for f in fams):>11} | {total:>8} | {0:>4} |")


def print_failures(fams: list[Family]) -> None:
    for f in fams:
        for case, what in f.failures:
            print(f"FAIL [{f.name}] {case}: {what}")
        for s in f.skipped:
            print(f"skip [{f.name}] {s}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="a small subset of every family (under ~2 minutes)")
    ap.add_argument(
        "--only",
        action="append",
        choices=list(FAMILIES),
        metavar="FAMILY",
        help=f"run only this family (repeatable): {', '.join(FAMILIES)}",
    )
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--fuzz", type=int, default=None, help="fuzzed files (default 400, --quick 60)")
    ap.add_argument("--kills", type=int, default=None, help="kill -9 trials (default 8, --quick 3)")
    ap.add_argument(
        "--concurrency", type=int, default=None, help="concurrent-ingest repeats (default 10, --quick 3)"
    )
    ap.add_argument("--keep", action="store_true", help="keep the temp folder (its path is printed)")
    ap.add_argument(
        "--no-app-routes",
        dest="app_routes",
        action="store_false",
        help="leave out the app's /search, /entities, /outlets and /new pages",
    )
    ap.add_argument("-v", "--verbose", action="store_true", help="progress on stderr")
    args = ap.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="storydesk-probe-"))
    ctx = Ctx(
        root,
        args.seed,
        args.quick,
        args.fuzz or (60 if args.quick else 400),
        args.kills or (3 if args.quick else 8),
        args.concurrency or (3 if args.quick else 10),
        args.verbose,
        args.app_routes,
    )
    print(f"probe of issue 13 against {CLI} (seed {args.seed}{', quick' if args.quick else ''})", flush=True)
    fams = []
    try:
        for name, fn in FAMILIES.items():
            if args.only and name not in args.only:
                continue
            fam = Family(name)
            t0 = time.monotonic()
            try:
                fn(ctx, fam)
            except Exception as exc:  # a bug in the probe itself is reported, not hidden
                fam.failures.append(("(the probe itself)", f"{type(exc).__name__}: {exc}"))
                if args.verbose:
                    import traceback

                    traceback.print_exc()
            fam.secs = time.monotonic() - t0
            fams.append(fam)
            print(
                f"  {name}: {fam.tried} cases, {fam.failed_cases} failed, {fam.secs:.0f} s",
                file=sys.stderr,
                flush=True,
            )
    finally:
        if args.keep:
            print(f"temp folder kept: {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    print()
    print_table(fams)
    print()
    print_failures(fams)
    return 1 if any(f.failures for f in fams) else 0


if __name__ == "__main__":
    sys.exit(main())
