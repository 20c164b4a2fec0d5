"""Reconcile stage: the story's dated events, day by day, with the articles that date them.

Events come from date expressions resolved to a day (the sentence holding one is the event) and
from publication dates (an article's lead). Sentences of one day that state the same thing merge.
"""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np

from ..models import TimelineEntry
from .claims import usable
from .common import Context, trim_span

SAME_EVENT = 0.68  # cosine at which two sentences of one day are the same event (the day already agrees)
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _events(ctx: Context) -> list[tuple[str, str, int, str]]:
    """(day, article, start, sentence) for every dated sentence and every lead."""
    out: set[tuple[str, str, int, str]] = set()
    for article in ctx.articles:
        for date in ctx.analyses[article.id].dates:
            if date.granularity != "day" or not date.resolved or not _DAY.match(date.resolved):
                continue
            sent = ctx.sentence_at(article.id, date.start)
            if sent is None:
                continue
            start, end = trim_span(article.text, sent.start, sent.end)
            if usable(article.text[start:end]):
                out.add((date.resolved[:10], article.id, start, article.text[start:end]))
        if article.published and _DAY.match(article.published):
            lead = next(
                (
                    sentence
                    for sentence in ctx.sentences(article.id)
                    if usable(article.text[slice(*trim_span(article.text, sentence.start, sentence.end))])
                ),
                None,
            )
            if lead is not None:
                start, end = trim_span(article.text, lead.start, lead.end)
                out.add((article.published[:10], article.id, start, article.text[start:end]))
    return sorted(out, key=lambda event: (event[0], ctx.order(event[1]), event[2]))


def build_timeline(ctx: Context) -> list[TimelineEntry]:
    events = _events(ctx)
    if not events:
        return []
    # only events of different articles merge: one article's events need no embedding
    one_article = len({event[1] for event in events}) == 1
    vecs = np.zeros((len(events), 0)) if one_article else ctx.vectors([event[3] for event in events])
    by_day: dict[str, list[int]] = defaultdict(list)
    for i, event in enumerate(events):
        by_day[event[0]].append(i)
    out = []
    for day in sorted(by_day):
        groups: list[list[int]] = []
        for i in by_day[day]:
            for group in groups:
                if events[i][1] not in {events[k][1] for k in group} and all(
                    float(vecs[i] @ vecs[k]) >= SAME_EVENT for k in group
                ):
                    group.append(i)
                    break
            else:
                groups.append([i])
        for group in groups:
            first = events[group[0]]
            out.append(TimelineEntry(day, first[3], list(dict.fromkeys(events[k][1] for k in group))))
    return out
