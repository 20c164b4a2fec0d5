"""Reconcile stage: the story's dated events, day by day, with the articles that date them.

Events come from date expressions resolved to a day (the sentence holding one is the event) and
from publication dates (an article's lead). Sentences of one day that state the same thing merge.
"""

from __future__ import annotations

import re
from collections import defaultdict

from ..models import TimelineEntry
from .claims import usable
from .common import Context, trim_span

SAME_EVENT = 0.68  # cosine at which two sentences of one day are the same event (the day already agrees)
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _events(ctx: Context) -> list[tuple[str, str, int, str]]:
    """(day, article, start, sentence) for every dated sentence and every lead."""
    out: set[tuple[str, str, int, str]] = set()
    for a in ctx.articles:
        for d in ctx.analyses[a.id].dates:
            if d.granularity != "day" or not d.resolved or not _DAY.match(d.resolved):
                continue
            sent = ctx.sentence_at(a.id, d.start)
            if sent is None:
                continue
            s, e = trim_span(a.text, sent.start, sent.end)
            if usable(a.text[s:e]):
                out.add((d.resolved[:10], a.id, s, a.text[s:e]))
        if a.published and _DAY.match(a.published):
            lead = next(
                (s for s in ctx.sentences(a.id) if usable(a.text[slice(*trim_span(a.text, s.start, s.end))])),
                None,
            )
            if lead is not None:
                s, e = trim_span(a.text, lead.start, lead.end)
                out.add((a.published[:10], a.id, s, a.text[s:e]))
    return sorted(out, key=lambda x: (x[0], ctx.order(x[1]), x[2]))


def build_timeline(ctx: Context) -> list[TimelineEntry]:
    events = _events(ctx)
    if not events:
        return []
    vecs = ctx.vectors([e[3] for e in events])
    by_day: dict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(events):
        by_day[e[0]].append(i)
    out = []
    for day in sorted(by_day):
        groups: list[list[int]] = []
        for i in by_day[day]:
            for g in groups:
                if events[i][1] not in {events[k][1] for k in g} and all(
                    float(vecs[i] @ vecs[k]) >= SAME_EVENT for k in g
                ):
                    g.append(i)
                    break
            else:
                groups.append([i])
        for g in groups:
            first = events[g[0]]
            out.append(TimelineEntry(day, first[3], list(dict.fromkeys(events[k][1] for k in g))))
    return out
