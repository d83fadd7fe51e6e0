"""The CLI as a user runs it: output, JSON, batch, and one-line errors with a non-zero exit.

Here, what needs a server, a child process or a slow build; the rest: tests/unit/test_cli.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.common import SEED_FILE, STORES, store_at

from askbrief.cli.main import cli
from askbrief.records import REASONS


@pytest.fixture(scope="module", params=STORES)
def env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("cli")
    shutil.copytree(SEED_FILE.parent, root / "articles")
    where = (
        {"ASKBRIEF_STORE": store_at(root, "milvus")}
        if request.param == "milvus"
        else {"ASKBRIEF_INDEX_DIR": store_at(root, "faiss")}
    )
    return {"ASKBRIEF_ARTICLES_DIR": str(root / "articles"), "HF_HUB_OFFLINE": "1", **where}


def missing_store(env: dict[str, str]) -> tuple[list[str], str]:
    """Options naming a store that does not exist, and what the error says to do."""
    if "ASKBRIEF_STORE" in env:
        db = "/nonexistent/idx.db"
        return ["--store", db], f"run `askbrief index --store {db}` first"
    return ["--index", "/nonexistent/idx"], "run `askbrief index` first"


def run(args: list[str], env: dict[str, str], input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, args, env=env, input=input, catch_exceptions=False)


def test_index_query_show_stats(env: dict[str, str]) -> None:
    first = run(["index", "--quiet"], env)
    assert first.exit_code == 0, first.output
    assert "added 1, updated 0, removed 0, unchanged 0;" in first.output
    again = run(["index"], env)
    assert "added 0, updated 0, removed 0, unchanged 1; 0 passages embedded" in again.output

    out = run(["query", "What did Lavrov call a ceasefire?"], env)
    assert out.exit_code == 0
    assert "[1] \u201c" in out.output and "Sources:" in out.output
    assert f"{SEED_FILE.name} [" in out.output
    # Every line of the quotes block is a quote's first line, indented, or blank: a quote
    # that runs into the next paragraph keeps its second line under its first.
    block = out.output.split("Sources:")[0].splitlines()
    assert all(x == "" or x.startswith(("[", "    ")) for x in block)

    data = json.loads(run(["query", "--json", "What did Lavrov say about France?"], env).output)
    assert data["answered"] is True
    text = SEED_FILE.read_bytes().decode("utf-8")
    for q in data["quotes"]:
        assert text[q["start"] : q["end"]] == q["text"]

    # Quote windows: by default some quote carries on into the next sentence; with
    # --answer-chars 0 no quote is carried on, and the longer answer holds the shorter.
    ask = "What did Lavrov call a ceasefire?"
    wide = json.loads(run(["query", "--json", ask], env).output)["quotes"]
    plain = json.loads(run(["query", "--json", "--answer-chars", "0", ask], env).output)["quotes"]
    assert [(x["start"], x["end"]) for x in wide] != [(x["start"], x["end"]) for x in plain]
    # every plain quote lies inside a wide one (which may join two that now touch)
    assert all(any(w["start"] <= x["start"] and x["end"] <= w["end"] for w in wide) for x in plain)
    assert sum(len(x["text"]) for x in wide) <= 850

    none = run(["query", "What is the boiling point of tungsten?"], env)
    refused = json.loads(
        run(["query", "--json", "What is the boiling point of tungsten?"], env).output
    )
    why = REASONS[refused["reason"]]  # the message and why on one line; never the closest
    assert none.exit_code == 0 and none.output.strip() == f"The articles don't answer this. {why}"
    assert not refused["closest"] or refused["closest"]["text"] not in none.output

    shown = run(["show", SEED_FILE.name], env)
    assert shown.output == text
    stats = run(["stats"], env)
    assert "articles:  1" in stats.output and "all-MiniLM-L6-v2" in stats.output
    assert "newest:    no dated articles" in stats.output  # the seed has no date


def test_batch_answers_one_json_per_line(env: dict[str, str], tmp_path: Path) -> None:
    run(["index", "-q"], env)
    batch = tmp_path / "qs.jsonl"
    batch.write_text(
        json.dumps({"id": "a", "question": "What did Lavrov say about France?"})
        + "\n"
        + "not json\n"
        + json.dumps({"id": "b", "question": "What is the boiling point of tungsten?"})
        + "\n"
        + json.dumps({"id": "c", "question": "   "})
        + "\n"
    )
    result = CliRunner().invoke(cli, ["query", "--batch", str(batch), "--json"], env=env)
    assert result.exit_code == 0
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert [x["id"] for x in lines] == ["a", "b", "c"]
    assert lines[0]["answered"] and not lines[1]["answered"]
    assert "question is empty" in lines[2]["error"]
    assert "qs.jsonl:2:" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["query", "anything", "MISSING"], "HINT"),
        (["stats", "MISSING"], "HINT"),
        (["index", "--articles", "/nonexistent/articles"], "no such folder"),
        (["query", "  "], "question is empty"),
        (["show", "no-such-article"], "no article 'no-such-article'"),
    ],
)
def test_errors_are_one_line_without_traceback(
    env: dict[str, str], args: list[str], message: str
) -> None:
    run(["index", "-q"], env)
    missing, hint = missing_store(env)
    args = [a for arg in args for a in (missing if arg == "MISSING" else [arg])]
    message = hint if message == "HINT" else message
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_console_script_end_to_end(env: dict[str, str], tmp_path: Path) -> None:
    """The installed `askbrief` command in a real process, as a user types it."""
    exe = Path(sys.executable).with_name("askbrief")
    full_env = {**os.environ, **env}
    empty = tmp_path / "empty"
    empty.mkdir()
    bad = subprocess.run(
        [str(exe), "index", "--articles", str(empty)], env=full_env, capture_output=True, text=True
    )
    assert bad.returncode == 1
    assert bad.stderr.strip() == (
        f"Error: {empty}: no readable articles (.txt .md .html .jsonl); add some and re-run"
    )
    ok = subprocess.run(
        [str(exe), "query", "--json", "Who does Lavrov say France excluded?"],
        env=full_env,
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["answered"] is True


def test_list_articles_and_show_the_path_an_answer_prints(
    env: dict[str, str], tmp_path: Path
) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "one.txt").write_text("Short item\n", encoding="utf-8")
    kind = "milvus" if "ASKBRIEF_STORE" in env else "faiss"
    where = store_at(tmp_path, kind)
    e = {**env, "ASKBRIEF_ARTICLES_DIR": str(folder)}
    e |= {"ASKBRIEF_STORE": where} if kind == "milvus" else {"ASKBRIEF_INDEX_DIR": where}
    first = run(["index", "-q"], e)
    # counts and words agree: one article, one passage
    assert "; 1 passage embedded (1 article, 1 passage in " in first.output, first.output

    shutil.copytree(SEED_FILE.parent.parent / "corpus", folder, dirs_exist_ok=True)
    shutil.copy(SEED_FILE, folder)
    assert run(["index", "-q"], e).exit_code == 0
    listed = CliRunner().invoke(cli, ["articles"], env=e)
    rows = [line.split("\t") for line in listed.stdout.splitlines()]
    assert [r[0] for r in rows] == sorted(
        ["one.txt", SEED_FILE.name, "chess.html", "harbor.md", "wire-001", "wire-002"]
    )
    assert all(len(r) == 4 for r in rows)
    assert listed.stderr.strip() == "6 articles"
    by_id = {r[0]: r for r in rows}
    assert by_id["one.txt"][2] == "1 passage" and by_id["one.txt"][3] == "Short item"
    assert by_id["wire-001"][1] == "2024-02-01" and by_id["one.txt"][1] == "undated"
    entries = [json.loads(x) for x in run(["articles", "--json"], e).stdout.splitlines()]
    assert {x["id"]: x["passages"] for x in entries}["one.txt"] == 1
    assert sum(x["passages"] for x in entries) == sum(int(r[2].split()[0]) for r in rows)
    # the filter: id, title or path, any case
    assert [r.split("\t")[0] for r in run(["articles", "RAIL"], e).stdout.splitlines()] == [
        "wire-001"
    ]
    assert run(["articles", "no such words"], e).stdout == ""

    # `show` takes the path an answer's sources line prints, as well as the id
    out = run(["query", "What did Lavrov call a ceasefire?"], e).output
    printed = out.split("Sources:")[1].splitlines()[1].split(" \u2014 ")[1].split(" (")[0]
    assert printed == str(folder / SEED_FILE.name)
    text = SEED_FILE.read_text(encoding="utf-8")
    assert run(["show", printed], e).output == text
    assert run(["show", str((folder / SEED_FILE.name).resolve())], e).output == text
    several = CliRunner().invoke(cli, ["show", str(folder / "wire.jsonl")], env=e)
    assert several.exit_code != 0 and "holds 2 articles; give one of their ids" in several.output
    assert run(["show", "wire-002"], e).output.startswith("The bakery chain")
    gone = CliRunner().invoke(cli, ["show", "nope.txt"], env=e)
    assert gone.exit_code != 0
    assert (
        gone.output.strip()
        == "Error: no article 'nope.txt' in the index; `askbrief articles` lists them"
    )
