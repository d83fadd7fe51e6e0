"""What only the Milvus store has to prove: the same keyword statistics and answers as the
FAISS store, builds invisible until they publish, clean-up after failed and killed builds,
and one-line errors for bad stores. Runs on Milvus Lite (embedded, same code as a server).

Here, what needs no model and no index; the rest: tests/system/test_milvus.py."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.milvus import cli_error

from askbrief import Settings
from askbrief.cli.main import cli
from askbrief.location import parse_store


@pytest.mark.parametrize(
    ("store", "message"),
    [
        ("ftp://milvus:19530", "unsupported scheme 'ftp'"),
        ("http://", "no host"),
        ("http://milvus:port", "the port is not a number"),
        ("http://milvus:19530/bad-prefix", "cannot prefix collection names"),
        ("http://127.0.0.1:1", "cannot reach the Milvus server at http://127.0.0.1:1"),
        ("/nonexistent/idx.db", "run `askbrief index --store /nonexistent/idx.db` first"),
    ],
)
def test_bad_stores_are_one_line_errors(store: str, message: str) -> None:
    for command in (["stats"], ["query", "anything"], ["show", "x"]):
        assert message in cli_error([*command, "--store", store])


def test_a_file_named_db_is_not_a_store(tmp_path: Path) -> None:
    (tmp_path / "x.db").write_text("not milvus")
    assert "is a file, not a Milvus Lite store" in cli_error(
        ["stats", "--store", str(tmp_path / "x.db")]
    )


def test_store_settings_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ASKBRIEF_STORE", str(tmp_path / "env.db"))
    assert Settings.load().location.uri == str(tmp_path / "env.db")
    assert Settings.load(index_dir=tmp_path / "flag").location.uri == str(tmp_path / "flag")
    assert Settings.load(store="http://milvus:19530").location.uri == "http://milvus:19530"
    folder = Settings.load(store=str(tmp_path / "folder")).location
    assert folder.kind == "faiss" and folder.path == tmp_path / "folder"
    lite = Settings.load(index_dir=tmp_path / "x.db").location  # --index x.db: the same
    assert lite.kind == "milvus-lite" and lite.path == tmp_path / "x.db"
    loc = parse_store("https://user:secret@milvus.example:19531/news")
    assert (loc.server, loc.token, loc.prefix) == (
        "https://milvus.example:19531",
        "user:secret",
        "news",
    )
    assert loc.shown == "https://user:***@milvus.example:19531/news"  # messages hide it
    assert json.dumps(parse_store("idx.db").kind) == '"milvus-lite"'


def test_ray_without_ray_is_a_one_line_error(
    articles_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--ray hands the workers to a Ray cluster; without Ray installed it says what to do.
    (Run by hand with Ray 2.60 and a local Ray instance: same answers as without it.)"""
    # as if Ray were not installed, whether or not it is on this machine
    monkeypatch.setitem(sys.modules, "ray", None)
    monkeypatch.setitem(sys.modules, "ray.util", None)
    monkeypatch.setitem(sys.modules, "ray.util.multiprocessing", None)
    env = {"ASKBRIEF_ARTICLES_DIR": str(articles_dir), "HF_HUB_OFFLINE": "1"}
    result = CliRunner().invoke(
        cli, ["index", "-q", "--workers", "2", "--ray", "--index", str(tmp_path / "i")], env=env
    )
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "--ray needs Ray" in result.output and len(result.output.strip().splitlines()) == 1
