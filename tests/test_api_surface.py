"""The public surface: storydesk.api's names and signatures, and an example in every command's --help."""

from __future__ import annotations

import inspect
import re

import pytest
from click.testing import CliRunner

from storydesk import api
from storydesk.cli import cli

# Each public function with the parameters it takes by position; every other parameter is keyword-only.
POSITIONAL = {
    "open_store": ["path"],
    "pending": ["store"],
    "stories": ["db"],
    "ingest": ["paths", "store"],
    "analyze": ["store", "ids"],
    "cluster": ["store"],
    "reconcile": ["store", "ids"],
    "dossier": ["store", "story_id"],
    "report": ["store", "out_dir"],
    "compare": ["pairs"],
    "run": ["paths", "out_dir"],
    "watch": ["sources", "store"],
    "latest_round": ["store"],
    "article_versions": ["store", "article_id"],
    "set_leanings": ["path", "store"],
    "clear_leanings": ["store"],
    "spark": ["paths", "out_dir"],
    "import_parquet": ["folder", "store"],
}
CLASSES = ["Comparison", "RunResult", "StoryList"]


def test_the_public_names_are_pinned() -> None:
    assert sorted(api.__all__) == sorted([*POSITIONAL, *CLASSES])
    defined = {
        name
        for name, value in vars(api).items()
        if not name.startswith("_") and getattr(value, "__module__", None) == api.__name__
    }
    assert defined == set(api.__all__)  # nothing public that __all__ does not name


@pytest.mark.parametrize("name", sorted(POSITIONAL))
def test_options_are_keyword_only(name: str) -> None:
    params = inspect.signature(getattr(api, name)).parameters.values()
    assert [param.name for param in params if param.kind is param.POSITIONAL_OR_KEYWORD] == POSITIONAL[name]
    assert all(
        param.kind in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY) for param in params
    )  # no *args, **kwargs


@pytest.mark.parametrize("verb", [*cli.commands, None], ids=lambda verb: verb or "storydesk")
def test_every_help_shows_an_example(verb: str | None) -> None:
    res = CliRunner().invoke(cli, [verb, "--help"] if verb else ["--help"])
    assert res.exit_code == 0, res.output
    prefix = rf"storydesk {verb}\b" if verb else r"storydesk \S"
    assert re.search(rf"^\s*Example: {prefix}", res.stdout, re.M), res.stdout


def test_analyze_is_run_under_the_contracts_name() -> None:
    run, analyze = cli.commands["run"], cli.commands["analyze"]
    assert [param.to_info_dict() for param in analyze.params] == [
        param.to_info_dict() for param in run.params
    ]
    assert "storydesk parse" in analyze.help  # where the analyze stage alone went
