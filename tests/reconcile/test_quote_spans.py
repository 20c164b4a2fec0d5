"""Quote spans inside one article: the speaker's own words win over the outlet's paraphrase around them."""

from storydesk.reconcile.quotes import QuoteOcc, _innermost, _written_speaker


def _occ(start: int, end: int, kind: str, speaker: str | None, written: str | None = None) -> QuoteOcc:
    return QuoteOcc("a1", start, end, "x" * (end - start), speaker, kind, "k", False, written)


def test_direct_words_inside_reported_speech_keep_the_outer_speaker():
    outer = _occ(0, 80, "indirect", "e-marek", "Marek")
    inner = _occ(40, 78, "partial", None)
    kept = _innermost([outer, inner])
    assert kept == [inner] and inner.speaker == "e-marek"


def test_separate_quotes_are_kept():
    first, second = _occ(0, 30, "direct", "e-1"), _occ(40, 70, "indirect", None, "the grid operator")
    assert _innermost([first, second]) == [first, second]


def test_unnamed_source_is_named_as_written():
    occs = [_occ(0, 10, "indirect", None, "independent monitors"), _occ(20, 30, "indirect", None, None)]
    assert _written_speaker(occs, [0, 1]) == "independent monitors"
    assert _written_speaker(occs, [1]) is None
