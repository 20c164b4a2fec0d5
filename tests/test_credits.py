"""Credit lines: each stage's pattern finds the credits it is for, and not prose."""

from __future__ import annotations

from storydesk.credits import CAPTION_RE, CREDIT_LINE_RE, CREDIT_TAIL_RE, is_credit


def test_ingest_finds_a_slash_credit_at_a_line_end() -> None:
    m = CREDIT_TAIL_RE.search("Officials meet in the capital. Jane Doe/POOL/AFP via Getty Images")
    assert m and m["credit"] == "Jane Doe/POOL/AFP via Getty Images"
    assert not CREDIT_TAIL_RE.search("Officials met on Tuesday.")


def test_analysis_marks_credit_lines_in_a_text() -> None:
    text = "The talks resumed.\nREUTERS/Jane Doe\nThe minister spoke."
    assert [m.group(1) for m in CREDIT_LINE_RE.finditer(text)] == ["REUTERS/Jane Doe"]


def test_reconciliation_knows_credit_wording() -> None:
    assert is_credit("A view of the port. Photo: Jane Doe")
    assert is_credit("Jane Doe/AP")
    assert not is_credit("The apprentice said the pool was closed.")


def test_the_summary_also_leaves_out_page_prompts() -> None:
    assert CAPTION_RE.search("Click here to read more.")
    assert not is_credit("Click here to read more.")
