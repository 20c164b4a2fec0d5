import numpy as np
import pytest

from storydesk.embed import DIM, encode


@pytest.mark.slow
def test_paraphrases_are_closer_than_other_topics():
    v = encode(
        [
            "The president met the foreign envoy in the capital on Tuesday.",
            "On Tuesday the envoy held talks with the president in the capital.",
            "A magnitude 6 earthquake struck the coast overnight.",
        ]
    )
    assert v.shape == (3, DIM)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > 0.8 > v[0] @ v[2]


def test_empty_input():
    assert encode([]).shape == (0, DIM)
