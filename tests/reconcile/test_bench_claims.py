"""ECB+ dev through the product path (ingest, analyze, cluster, dossier): a floor on cross-document claim
alignment."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from conftest import BENCH, ROOT

pytestmark = pytest.mark.slow

# measured on dev (193 of 197 articles stored, 1,878 gold pairs) on 2026-12-01 at 45cf42d (reconcile-9, the
# learned judge): P 0.940, R 0.134, F1 0.235, 1,088 joins (reconcile-8 before it: P 0.986, R 0.110, F1
# 0.197). Baselines at thresholds tuned on train: MiniLM F1 0.417, TF-IDF 0.420. About a minute (analysis
# is most of it).
FLOOR_P = 0.92
FLOOR_R = 0.12
FLOOR_F1 = 0.21


def _module():
    spec = importlib.util.spec_from_file_location("claims_ecb", ROOT / "bench" / "claims_ecb.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # its dataclasses look their module up while being made
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def mod():
    return _module()


@pytest.fixture(scope="module")
def dev(mod, tmp_path_factory):
    if not (BENCH / "ecbplus" / "gold_events.jsonl").is_file():
        pytest.skip("ECB+ bench data (../shared/bench/ecbplus) is not beside this checkout")
    run = mod.product_run("dev", tmp_path_factory.mktemp("claims") / "ecb-claims-dev.db")
    return run, mod.gold_rows("dev")


def test_dev_claim_alignment_floor(mod, dev):
    run, rows = dev
    precision, recall, f1, n_joins = mod.score_alignment(run.in_record_offsets(), rows)
    assert n_joins > 0
    assert precision >= FLOOR_P
    assert recall >= FLOOR_R
    assert f1 >= FLOOR_F1


def test_product_keeps_record_ids_and_offsets_map_back(mod, dev):
    run, _rows = dev
    ids = {record["id"] for record in run.records}
    assert set(run.stored_text) <= ids
    assert set(run.stored_text) | set(run.not_stored) == ids
    ok, checked = mod.offset_check(
        run.in_record_offsets(), {record["id"]: record["text"] for record in run.records}
    )
    assert checked and ok / checked > 0.99


def test_score_alignment_counts_joins_of_annotated_sentences(mod):
    def row(doc, sent, start, end, chain, topic=1):
        return {
            "doc": doc,
            "sentence": sent,
            "start": start,
            "end": end,
            "text": f"{doc} {sent}",
            "chain": chain,
            "topic": topic,
            "mention": "m",
        }

    gold = [
        row("a", 0, 0, 10, "e1"),
        row("b", 0, 0, 10, "e1"),
        row("c", 0, 0, 10, "e1"),
        row("a", 1, 10, 20, None),
        row("b", 1, 10, 20, "e2"),
    ]

    def claim(*occ):
        return {
            "id": "c",
            "occurrences": [
                {"article": article, "start": start, "end": end, "text": ""} for article, start, end in occ
            ],
        }

    dossiers = [
        {
            "story": {"id": "s"},
            "claims": [
                claim(("a", 0, 9), ("b", 1, 9)),  # b's occurrence overlaps sentence 0 most: right
                claim(("a", 11, 19), ("b", 11, 19)),  # a#1 has no event: wrong
                claim(("a", 30, 40), ("c", 0, 10)),  # a's occurrence is in no annotated sentence: not judged
                claim(("b", 0, 5), ("b", 12, 18)),  # one article: no join
            ],
        }
    ]
    precision, recall, f1, joins = mod.score_alignment(dossiers, gold)
    assert joins == 3
    assert precision == pytest.approx(0.5)
    assert recall == pytest.approx(1 / 3)  # gold pairs: a0-b0, a0-c0, b0-c0
    assert f1 == pytest.approx(2 * 0.5 * (1 / 3) / (0.5 + 1 / 3))
