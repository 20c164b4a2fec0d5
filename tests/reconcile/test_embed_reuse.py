"""embed.reuse: inside the block a text is encoded once and read back from the shared cache."""

from __future__ import annotations

import numpy as np
import pytest

from storydesk.embed import DIM, encode, reuse


@pytest.mark.slow
def test_reuse_reads_and_fills_the_cache():
    planted = np.full(DIM, 0.5, dtype=np.float32)
    cache = {"already known": planted}
    with reuse(cache):
        out = encode(["already known", "Peskov said the meeting had no time limit.", "already known"])
    assert np.array_equal(out[0], planted) and np.array_equal(out[2], planted)
    assert "Peskov said the meeting had no time limit." in cache
    # outside the block nothing is read from the cache
    assert not np.array_equal(encode(["already known"])[0], planted)
    assert np.allclose(out[1], encode(["Peskov said the meeting had no time limit."])[0], atol=1e-5)
