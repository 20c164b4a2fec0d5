"""Behaviour pinned: the whole run on the samples and the seeds writes exactly the files it wrote when
these hashes were taken (index.json and every dossier as JSON, Markdown and HTML).

A change that means to alter what storydesk writes updates the hashes on purpose:
``STORYDESK_REGOLD=1 .venv/bin/python -m pytest tests/test_golden.py`` and commit
``tests/data/golden_outputs.json`` with the change. Hashes, not copies: the seeds are real articles.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from conftest import ROOT, SEEDS
from storydesk import api

GOLDEN = Path(__file__).parent / "data" / "golden_outputs.json"
# as the README's command names them, from the repo root: articles' paths are part of the output
CORPORA = {"samples": "samples/", "seeds": "../shared/corpus/seeds"}

pytestmark = pytest.mark.slow


def _hashes(out: Path) -> dict[str, str]:
    files = [
        path for path in sorted(out.rglob("*")) if path.is_file() and path.suffix in {".json", ".md", ".html"}
    ]
    return {str(path.relative_to(out)): hashlib.sha256(path.read_bytes()).hexdigest()[:16] for path in files}


@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_the_run_writes_what_it_wrote(corpus: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if corpus == "seeds" and not SEEDS.is_dir():
        pytest.skip("../shared/corpus/seeds is not beside this checkout")
    monkeypatch.chdir(ROOT)
    api.run([CORPORA[corpus]], tmp_path / "out", progress=False)
    found = _hashes(tmp_path / "out")
    golden = json.loads(GOLDEN.read_text(encoding="utf-8")) if GOLDEN.exists() else {}
    if os.environ.get("STORYDESK_REGOLD"):
        golden[corpus] = found
        GOLDEN.write_text(json.dumps(golden, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    assert found == golden.get(corpus), (
        f"the {corpus} run wrote other files than before; if that is meant, regenerate: "
        "STORYDESK_REGOLD=1 .venv/bin/python -m pytest tests/test_golden.py"
    )
