"""A refusal says what is true (issue 27, item 11): it used to say "Nothing in the articles
is close to the question" and then offer a "Closest passage". Every reason must stay true
beside the closest passage an answer carries. Through the CLI, plain and --json, on a real
index. (The UI's refusal, in a browser: tests/browser/test_ui_input.py.)

Here, what needs a server, a child process or a slow build; the rest:
tests/unit/test_refusal_words.py."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from support.common import CountingEmbedder
from support.web import seeded_settings
from support.words import DENIES_CLOSENESS

from askbrief.cli.main import cli
from askbrief.config import Settings


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, embedder: CountingEmbedder) -> dict[str, str]:
    settings: Settings = seeded_settings(tmp_path_factory.mktemp("refusal"), embedder)
    return {"ASKBRIEF_INDEX_DIR": str(settings.location.path), "HF_HUB_OFFLINE": "1"}


@pytest.mark.parametrize(
    "question", ["What is the price of tungsten?", "Who won the football world cup in 1966?"]
)
def test_a_refusal_with_a_closest_passage_does_not_deny_it(
    env: dict[str, str], question: str
) -> None:
    run = CliRunner().invoke
    data = json.loads(run(cli, ["query", "--json", question], env=env).output)
    assert data["answered"] is False and data["closest"], data
    assert data["why"] and not DENIES_CLOSENESS.search(data["why"]), data["why"]
    plain = run(cli, ["query", question], env=env)
    assert plain.exit_code == 0
    assert plain.output.startswith("The articles don't answer this.")
    assert not DENIES_CLOSENESS.search(plain.output), plain.output
