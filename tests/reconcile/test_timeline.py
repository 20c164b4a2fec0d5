"""Timeline: dated sentences by day; the same event told by two outlets is one entry."""

from __future__ import annotations

import pytest
from reconcile_kit import article, date

from storydesk.models import to_json
from storydesk.reconcile.common import Context
from storydesk.reconcile.timeline import build_timeline

A1 = "Kremlin spokesman Dmitry Peskov confirmed that Putin would meet Witkoff on Tuesday afternoon."
A2 = "Witkoff and other top U.S. officials met on Sunday in Florida with a Ukrainian delegation."
B1 = (
    "As reported in Reuters, Kremlin spokesman Dmitry Peskov confirmed the Moscow meeting would take place "
    "on Tuesday afternoon."
)
B2 = "Zelenskyy landed on Tuesday in Dublin, where he's expected to meet with the Irish prime minister."


@pytest.mark.slow
def test_same_day_same_event_merges_and_days_sort():
    art_a, an_a = article("abc", [A1, A2], published="2025-12-02")
    date(art_a, an_a, "on Tuesday", "2025-12-02")
    date(art_a, an_a, "on Sunday", "2025-11-30")
    art_b, an_b = article("reuters", [B1, B2], published="2025-12-02")
    date(art_b, an_b, "on Tuesday", "2025-12-02")
    date(art_b, an_b, "on Tuesday in Dublin", "2025-12-02")
    tl = to_json(build_timeline(Context([art_a, art_b], {"abc": an_a, "reuters": an_b})))
    assert [entry["date"] for entry in tl] == sorted(entry["date"] for entry in tl)
    assert tl[0] == {"date": "2025-11-30", "event": A2, "articles": ["abc"]}
    peskov = [entry for entry in tl if "Peskov" in entry["event"]]
    assert len(peskov) == 1 and peskov[0]["articles"] == ["abc", "reuters"]
    assert any(entry["event"] == B2 and entry["articles"] == ["reuters"] for entry in tl)
