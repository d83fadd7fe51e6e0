"""Settings are checked when they are read (Settings.load): a bad value from an ASKBRIEF_*
variable, a CLI option or a keyword is one line naming where it came from and what to give,
raised before any model or index loads; the index location is one field, given as
store/index_dir (--store/--index, ASKBRIEF_STORE/ASKBRIEF_INDEX_DIR)."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from askbrief.cli.main import cli
from askbrief.config import Settings
from askbrief.errors import AskbriefError


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("ASKBRIEF_"):
            monkeypatch.delenv(name)


BAD_ENV = [
    ("ASKBRIEF_MAX_QUOTES", "0", "is out of range (quotes in an answer); give 1 to 50"),
    ("ASKBRIEF_TOP_K", "-3", "is out of range (passages retrieved); give 1 to 1000"),
    ("ASKBRIEF_TOP_K", "ten", "is not a whole number (passages retrieved)"),
    ("ASKBRIEF_ANSWER_CHARS", "8.5", "is not a whole number"),
    ("ASKBRIEF_MIN_CONFIDENCE", "high", "is not a number (the answer threshold"),
    ("ASKBRIEF_MIN_CONFIDENCE", "2", "is out of range"),
    ("ASKBRIEF_WORKERS", "0", "is out of range (processes that embed)"),
    ("ASKBRIEF_STORE", "ftp://milvus:19530", ": unsupported scheme 'ftp'; use http://host:19530"),
    ("ASKBRIEF_INDEX_DIR", "http://", ": no host"),
    ("ASKBRIEF_AS_OF", "2026-13-01", "is not a date; use YYYY-MM-DD, e.g. 2026-03-01"),
    ("ASKBRIEF_AS_OF", "yesterday", "is not a date"),
    ("ASKBRIEF_READ_ONLY", "ye", "is neither on nor off"),
    ("ASKBRIEF_QUESTION_LIMIT", "lots", "is not a rate limit; write e.g. 30/minute"),
    ("ASKBRIEF_SIGNIN_DELAY", "-1", "is out of range"),
]


@pytest.mark.parametrize(("var", "value", "said"), BAD_ENV)
def test_a_bad_variable_is_one_line_naming_it_and_the_fix(
    monkeypatch: pytest.MonkeyPatch, var: str, value: str, said: str
) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(AskbriefError) as err:
        Settings.load()
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"{var}={value!r}"), message
    assert said in message and message.endswith(f", or unset {var}"), message


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ({"max_quotes": 0}, "max_quotes=0 is out of range (quotes in an answer); give 1 to 50"),
        ({"top_k": -1}, "top_k=-1 is out of range"),
        ({"top_k": 2.5}, "top_k=2.5 is not a whole number"),
        ({"store": "ftp://x"}, "store='ftp://x': unsupported scheme 'ftp'"),
        ({"as_of": "soon"}, "as_of='soon' is not a date"),
        ({"store": "a.db", "index_dir": "b"}, "give one of store or index_dir, not both"),
    ],
)
def test_a_bad_keyword_names_the_keyword(given: dict[str, object], said: str) -> None:
    with pytest.raises(AskbriefError, match="^" + said.replace("(", r"\(").replace(")", r"\)")):
        Settings.load(**given)  # type: ignore[arg-type]


def test_good_values_are_read_as_their_types(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASKBRIEF_TOP_K", " 7 ")
    monkeypatch.setenv("ASKBRIEF_MIN_CONFIDENCE", "0.25")
    monkeypatch.setenv("ASKBRIEF_READ_ONLY", "off")
    monkeypatch.setenv("ASKBRIEF_AS_OF", "2024-02-09")
    monkeypatch.setenv("ASKBRIEF_QUESTION_LIMIT", "5/hour")
    s = Settings.load()
    assert (s.top_k, s.min_confidence, s.read_only) == (7, 0.25, False)
    assert (s.as_of, s.question_limit) == (date(2024, 2, 9), "5/hour")
    assert Settings.load(min_confidence=-1.0, as_of=date(2024, 1, 1)).min_confidence == -1.0


def test_the_location_is_one_field_given_two_ways(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    names = {f.name for f in dataclasses.fields(Settings)}
    assert "location" in names and not names & {"store", "index_dir", "store_uri"}
    assert Settings.load().location.path == Path("index")
    monkeypatch.setenv("ASKBRIEF_INDEX_DIR", str(tmp_path / "env-folder"))
    assert Settings.load().location.path == tmp_path / "env-folder"
    monkeypatch.setenv("ASKBRIEF_STORE", str(tmp_path / "env.db"))  # beats ASKBRIEF_INDEX_DIR
    assert Settings.load().location.kind == "milvus-lite"
    # an explicit location, under either name, beats both variables
    assert Settings.load(index_dir=tmp_path / "flag").location.path == tmp_path / "flag"
    server = Settings.load(store="http://milvus:19530/news").location
    assert (server.kind, server.prefix) == ("milvus", "news")
    assert Settings.load(index_dir=tmp_path / "x.db").location.kind == "milvus-lite"


def test_the_cli_says_it_in_one_line_before_opening_the_index(tmp_path: Path) -> None:
    """The index named does not exist: the settings' error comes first, not 'no index'."""
    env = {"ASKBRIEF_INDEX_DIR": str(tmp_path / "none"), "ASKBRIEF_MAX_QUOTES": "0"}
    for args in (["query", "Who?"], ["stats"], ["articles"], ["index", "-q"]):
        result = CliRunner().invoke(cli, args, env=env)
        assert result.exit_code == 1, (args, result.output)
        assert result.output == (
            "Error: ASKBRIEF_MAX_QUOTES='0' is out of range (quotes in an answer); give 1 to "
            "50, or unset ASKBRIEF_MAX_QUOTES\n"
        ), args
    assert not (tmp_path / "none").exists()


def test_cli_options_are_named_as_typed(tmp_path: Path) -> None:
    env = {"ASKBRIEF_INDEX_DIR": str(tmp_path / "none")}
    bad_store = CliRunner().invoke(cli, ["query", "--store", "ftp://x", "Who?"], env=env)
    assert bad_store.exit_code == 1
    assert bad_store.output.startswith("Error: --store 'ftp://x': unsupported scheme 'ftp'")
    bad_day = CliRunner().invoke(cli, ["query", "--as-of", "2024-2-9", "Who?"], env=env)
    assert bad_day.output == (
        "Error: --as-of '2024-2-9' is not a date; use YYYY-MM-DD, e.g. 2026-03-01\n"
    )
    # click checks the numbers, with Settings' own ranges
    too_many = CliRunner().invoke(cli, ["query", "--max-quotes", "51", "Who?"], env=env)
    assert too_many.exit_code == 2 and "1<=x<=50" in too_many.output


def test_eval_checks_as_of_before_reading_the_dataset(tmp_path: Path) -> None:
    """An empty dataset folder would fail for want of articles.jsonl: --as-of fails first."""
    result = CliRunner().invoke(cli, ["eval", str(tmp_path), "--as-of", "2024-02-30"])
    assert result.exit_code == 1
    assert result.output == (
        "Error: --as-of '2024-02-30' is not a date; use YYYY-MM-DD, e.g. 2026-03-01\n"
    )


def test_eval_takes_the_shared_store_options_with_its_own_default() -> None:
    """One declaration of --store/--index for every command; eval's index is the dataset's
    own, so its help names that default and no ASKBRIEF_STORE."""

    def shown(*args: str) -> str:  # the help as words, however click wraps its lines
        return " ".join(CliRunner().invoke(cli, [*args, "--help"]).output.split())

    out = shown("eval")
    assert "--store URI" in out and "--index PATH" in out and "--as-of DATE" in out
    assert "[default: .cache/eval/<dataset>/index]" in out and "env ASKBRIEF_STORE" not in out
    assert "[env ASKBRIEF_STORE; default: index]" in shown("query")
