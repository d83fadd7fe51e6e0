"""`askbrief show` and corrections: a quote's permalink prints exactly the quoted words, and
says on stderr whether they still stand once the article is corrected (unchanged, changed
with the new wording, removed); --versions, --version and --diff read the kept versions.
On both stores."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.common import SEED_FILE, STORES, CountingEmbedder, store_at

from askbrief import Index, Settings, build_index
from askbrief.ask.citation import parse_permalink
from askbrief.cli.main import cli

FERRY = (
    "Harbour ferry gets a new timetable\n"
    "The harbour ferry will leave at noon from Monday, the operator said.\n\n"
    "The crossing takes 22 minutes and a ticket costs four euros.\n"
)
QUESTION = "How long does the harbour ferry crossing take?"


def _show(settings: Settings, *args: str) -> tuple[int, str, str]:
    env = {
        "ASKBRIEF_STORE": settings.location.uri,
        "ASKBRIEF_ARTICLES_DIR": str(settings.articles_dir),
    }
    out = CliRunner().invoke(cli, ["show", *args], env=env, catch_exceptions=False)
    return out.exit_code, out.stdout, out.stderr


@pytest.mark.parametrize("kind", STORES)
def test_a_permalink_keeps_its_words_through_corrections(
    tmp_path: Path, embedder: CountingEmbedder, kind: str
) -> None:
    articles = tmp_path / "articles"
    shutil.copytree(SEED_FILE.parent, articles)
    (articles / "ferry.txt").write_text(FERRY, encoding="utf-8")
    s = Settings.load(articles_dir=articles, store=store_at(tmp_path, kind))
    build_index(s, embedder)
    idx = Index(s, embedder)
    quote = next(q for q in idx.ask(QUESTION).quotes if q.article_id == "ferry.txt")
    assert "22 minutes" in quote.text
    idx.store.close()

    code, out, err = _show(s, quote.permalink)
    assert (code, out, err) == (0, quote.text, "")  # the current version: nothing on stderr

    # corrected elsewhere: the quoted words are unchanged
    (articles / "ferry.txt").write_text(FERRY.replace("new timetable", "summer timetable"))
    build_index(s, embedder)
    code, out, err = _show(s, quote.permalink)
    assert code == 0 and out == quote.text
    assert err.strip().endswith(": quote unchanged") and err.startswith("updated ")

    # the quoted sentence itself corrected: the old words still print, with the new wording
    (articles / "ferry.txt").write_text(
        FERRY.replace("new timetable", "summer timetable").replace("22 minutes", "25 minutes")
    )
    build_index(s, embedder)
    code, out, err = _show(s, quote.permalink)
    assert code == 0 and out == quote.text and "22 minutes" in out
    assert ": quote changed; now: " in err and "25 minutes" in err

    code, out, _ = _show(s, "ferry.txt", "--versions")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3 and lines[-1].endswith("current")
    assert lines[0].split()[0] == quote.version == parse_permalink(quote.permalink).version
    code, out, _ = _show(s, "ferry.txt", "--version", quote.version)
    assert code == 0 and out == FERRY and out[quote.start : quote.end] == quote.text
    code, out, _ = _show(s, "ferry.txt", "--diff", quote.version, "current")
    assert code == 0
    assert "-The crossing takes 22 minutes and a ticket costs four euros." in out.splitlines()
    assert "+The crossing takes 25 minutes and a ticket costs four euros." in out.splitlines()

    # removed from the folder: the link still opens the words until `index --prune`
    (articles / "ferry.txt").unlink()
    build_index(s, embedder)
    code, out, err = _show(s, quote.permalink)
    assert code == 0 and out == quote.text and "removed from the collection" in err
    build_index(s, embedder, prune=True)
    code, out, err = _show(s, quote.permalink)
    assert code == 1 and out == "" and "no article 'ferry.txt'" in err


@pytest.mark.parametrize(
    "link, says",
    [
        ("/quote?article=nope.txt&version=0123456789ab&span=0-5", "no article 'nope.txt'"),
        ("/quote?article={seed}&version=0123456789ab&span=0-5", "has no version '0123456789ab'"),
        ("/quote?article={seed}&version={version}&span=0-99999", "is outside version"),
        ("/quote?article={seed}&version={version}", "not a whole quote link"),
    ],
)
def test_a_bad_permalink_is_one_line(
    tmp_path: Path, embedder: CountingEmbedder, link: str, says: str
) -> None:
    articles = tmp_path / "articles"
    shutil.copytree(SEED_FILE.parent, articles)
    s = Settings.load(articles_dir=articles, store=store_at(tmp_path, "faiss"))
    build_index(s, embedder)
    seed = SEED_FILE.name
    version = Index(s, embedder).ask("What did Lavrov call a ceasefire?").quotes[0].version
    code, out, err = _show(s, link.format(seed=seed, version=version))
    assert code == 1 and out == "" and says in err
    assert err.startswith("Error: ") and len(err.strip().splitlines()) == 1
