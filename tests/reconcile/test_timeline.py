"""Timeline: dated sentences by day; the same event told by two outlets is one entry."""

from __future__ import annotations

import pytest
from reconcile_kit import article, date

from storydesk.models import to_json
from storydesk.reconcile.common import Context
from storydesk.reconcile.timeline import build_timeline

A1 = "Kremlin spokesman Dmitry Peskov confirmed that Putin would meet Witkoff on Tuesday afternoon."
A2 = "Witkoff and other top U.S. officials met on Sunday in Florida with a Ukrainian delegation."
B1 = "As reported in Reuters, Kremlin spokesman Dmitry Peskov confirmed the Moscow meeting would take place on Tuesday afternoon."
B2 = "Zelenskyy landed on Tuesday in Dublin, where he's expected to meet with the Irish prime minister."


@pytest.mark.slow
def test_same_day_same_event_merges_and_days_sort():
    a, an_a = article("abc", [A1, A2], published="2025-12-02")
    date(a, an_a, "on Tuesday", "2025-12-02")
    date(a, an_a, "on Sunday", "2025-11-30")
    b, an_b = article("reuters", [B1, B2], published="2025-12-02")
    date(b, an_b, "on Tuesday", "2025-12-02")
    date(b, an_b, "on Tuesday in Dublin", "2025-12-02")
    tl = to_json(build_timeline(Context([a, b], {"abc": an_a, "reuters": an_b})))
    assert [t["date"] for t in tl] == sorted(t["date"] for t in tl)
    assert tl[0] == {"date": "2025-11-30", "event": A2, "articles": ["abc"]}
    peskov = [t for t in tl if "Peskov" in t["event"]]
    assert len(peskov) == 1 and peskov[0]["articles"] == ["abc", "reuters"]
    assert any(t["event"] == B2 and t["articles"] == ["reuters"] for t in tl)
