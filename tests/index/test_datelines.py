""".txt and .md articles are dated by what their top says (front matter, a dateline), so
time questions and "latest" count them; a year in the body never dates an article.

Here, what runs on the real model and an index on disk, in this process; the rest:
tests/unit/test_datelines.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.common import ROOT, CountingEmbedder

from askbrief import Index, Settings, build_index
from askbrief.cli.main import cli

# The festival article without its dateline: "the 2027 festival" alone is no date.
_DATELINE = "GLIMMERPORT, December 3, 2026 \u2014 "
_FESTIVAL_TEXT = (ROOT / "tests" / "data" / "towns" / "glimmerport-festival.txt").read_text("utf-8")
assert _DATELINE in _FESTIVAL_TEXT
UNDATED_FESTIVAL = _FESTIVAL_TEXT.replace(_DATELINE, "")

FILES = {
    # a dateline after the title: place, date, dash
    "flood-1.txt": "River floods village\nKELLIN, February 5, 2024 \u2014 The river Ammer burst "
    "its banks on Monday and flooded the village of Kellin, where 12 people were killed "
    "according to the mayor.\nRescue teams searched the houses by boat.\n",
    # front matter, with Windows line endings
    "flood-2.md": "---\r\ntitle: Flood toll rises\r\ndate: 2024-02-16\r\n---\r\n# Flood toll "
    "rises\r\n\r\nThe number of people killed in the Kellin flood rose to 15, the regional "
    "governor said on Friday.\r\nThe river Ammer has fallen back below its banks.\r\n",
    # front matter without a heading: the title is the first line below it
    "ferry.md": "---\npublished: 10 February 2024\n---\nNew ferry links Kestrel Bay\n\nThe "
    "electric ferry Aurelia made its first crossing to Marrow Island on Saturday.\n",
    # a day-month-year line of its own
    "solar.txt": "Porto Vell opens a floating solar farm\n6 February 2024\nThe floating solar "
    "farm in the old harbour of Porto Vell has 12,400 panels, the city said.\n",
}


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory, embedder: CountingEmbedder) -> Settings:
    root = tmp_path_factory.mktemp("datelines")
    folder = root / "articles"
    folder.mkdir()
    for name, text in FILES.items():
        (folder / name).write_bytes(text.encode("utf-8"))
    (folder / "glimmerport-festival.txt").write_text(UNDATED_FESTIVAL, encoding="utf-8")
    settings = Settings.load(articles_dir=folder, index_dir=root / "index")
    build_index(settings, embedder)
    return settings


def _env(settings: Settings) -> dict[str, str]:
    return {
        "ASKBRIEF_ARTICLES_DIR": str(settings.articles_dir),
        "ASKBRIEF_INDEX_DIR": str(settings.location.path),
        "HF_HUB_OFFLINE": "1",
    }


def _dates(settings: Settings) -> dict[str, str | None]:
    out = CliRunner().invoke(cli, ["articles", "--json"], env=_env(settings))
    assert out.exit_code == 0, out.output
    return {e["id"]: e["date"] for e in map(json.loads, out.stdout.splitlines())}


def test_articles_lists_the_dates_of_txt_and_md(settings: Settings) -> None:
    assert _dates(settings) == {
        "flood-1.txt": "2024-02-05",
        "flood-2.md": "2024-02-16",
        "solar.txt": "2024-02-06",
        "ferry.md": "2024-02-10",
        "glimmerport-festival.txt": None,  # "the 2027 festival" is no date
    }
    out = CliRunner().invoke(cli, ["articles", "flood-1"], env=_env(settings))
    assert out.stdout.split("\t")[:2] == ["flood-1.txt", "2024-02-05"]


def test_the_text_and_offsets_stay_the_whole_file(settings: Settings, embedder) -> None:
    index = Index(settings, embedder)
    for name in FILES:
        assert index.article(name).text == (settings.articles_dir / name).read_bytes().decode()
    assert index.article("flood-2.md").title == "Flood toll rises"
    assert index.article("ferry.md").title == "New ferry links Kestrel Bay"  # not "---"
    answer = index.ask("How many people were killed in the Kellin flood?", max_quotes=5)
    assert answer.answered
    for q in answer.quotes:
        assert index.article(q.article_id).text[q.start : q.end] == q.text


def test_time_questions_use_the_dates(settings: Settings, embedder) -> None:
    index = Index(settings, embedder)
    # the newest article is flood-2.md, Friday 2024-02-16: "this week" is 12-16 February
    this_week = index.ask("How many people were killed in the Kellin flood this week?")
    assert this_week.answered and this_week.window is not None
    assert (this_week.window.note()["from"], this_week.window.note()["to"]) == (
        "2024-02-12",
        "2024-02-16",
    )
    assert this_week.quotes[0].article_id == "flood-2.md"
    assert this_week.quotes[0].date == "2024-02-16"
    last_week = index.ask("How many people were killed in the Kellin flood last week?")
    assert last_week.answered and last_week.quotes[0].article_id == "flood-1.txt"
    assert "flood-2.md" not in {q.article_id for q in last_week.quotes}
    out = CliRunner().invoke(
        cli, ["query", "What is the latest death toll of the Kellin flood?"], env=_env(settings)
    )
    assert out.exit_code == 0, out.output
    assert out.output.startswith('Searched articles from 2024-01-18 to 2024-02-16 ("latest")')
    assert "(flood-2.md [" in out.output.split("\n[2]")[0]  # quote [1]


def test_a_changed_dateline_is_reindexed(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    story = folder / "flood-1.txt"
    story.write_text(FILES["flood-1.txt"], encoding="utf-8")
    (folder / "glimmerport-festival.txt").write_text(UNDATED_FESTIVAL, encoding="utf-8")
    env = {"ASKBRIEF_ARTICLES_DIR": str(folder), "ASKBRIEF_INDEX_DIR": str(tmp_path / "idx")}
    env["HF_HUB_OFFLINE"] = "1"
    assert CliRunner().invoke(cli, ["index", "-q"], env=env).exit_code == 0
    story.write_text(FILES["flood-1.txt"].replace("February 5", "February 14"), encoding="utf-8")
    again = CliRunner().invoke(cli, ["index"], env=env)
    assert again.exit_code == 0, again.output
    assert "added 0, updated 1, removed 0, unchanged 1" in again.output
    listed = CliRunner().invoke(cli, ["articles", "flood"], env=env)
    assert listed.stdout.split("\t")[:2] == ["flood-1.txt", "2024-02-14"]
