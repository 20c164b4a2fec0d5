"""Quality floors on fixed small subsets of labelled news (the full figures come from bench/)."""

from __future__ import annotations

import sys

import pytest

from conftest import BENCH, ROOT

sys.path.insert(0, str(ROOT / "bench"))

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def polnear() -> dict:
    if not (BENCH / "polnear" / "dev").is_dir():
        pytest.skip("PolNeAR is not beside this checkout")
    import analyze_quotes_polnear

    return analyze_quotes_polnear.evaluate("dev", limit=25)


def test_polnear_direct_quotes(polnear: dict) -> None:
    # measured 0.854 F1 / 0.848 speaker on these 25 dev articles (0.927 / 0.923 on all of dev)
    assert polnear["direct"]["f1"] >= 0.82
    assert polnear["direct"]["precision"] >= 0.95
    assert polnear["direct"]["speaker_acc"] >= 0.83


def test_polnear_indirect_quotes(polnear: dict) -> None:
    # measured precision 0.968, recall 0.336, speaker 0.932 (all of dev: 0.961, 0.333, 0.948)
    assert polnear["indirect"]["precision"] >= 0.92
    assert polnear["indirect"]["recall"] >= 0.30
    assert polnear["indirect"]["speaker_acc"] >= 0.90


def test_ecb_named_mention_recall() -> None:
    if not (BENCH / "ecbplus").is_dir():
        pytest.skip("ECB+ is not beside this checkout")
    import analyze_mentions_ecb

    res = analyze_mentions_ecb.evaluate(analyze_mentions_ecb.TEST_TOPICS, limit=40)
    # measured 0.90 overlap / 0.41 exact on these 40 test articles (all test topics: 0.881 / 0.558)
    assert res["recall_overlap"] >= 0.87
    assert res["recall_exact"] >= 0.38
