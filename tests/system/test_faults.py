"""Faults: `askbrief index` killed at every phase of a build, and damaged indexes detected on
open with a one-line error that says to run `askbrief index --full`, which then recovers.

Builds are killed for real (SIGKILL to an `askbrief index` process). The indexer's test hook
ASKBRIEF_TEST_PAUSE_AT=<phase> makes it announce the phase on stderr and wait there, so the
kill lands at a known point instead of at a lucky moment.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from support.common import SEED_Q, VOLCANO, VOLCANO_Q, CountingEmbedder
from support.faults import fresh_copy, truncate
from support.processes import ASKBRIEF, child_env, kill, start_index, wait_for_line

from askbrief import Index, Settings, build_index
from askbrief.store.faiss.read import CURRENT, FaissStore, current_generation, generations


def cites_volcano(settings: Settings, embedder: CountingEmbedder) -> bool:
    answer = Index(settings, embedder).ask(VOLCANO_Q)
    return any(q.article_id == "volcano.txt" for q in answer.quotes)


def assert_sound(settings: Settings, embedder: CountingEmbedder) -> None:
    """Opens cleanly, answers with exact spans, and no scratch or stray generation is left."""
    store = FaissStore(settings.location)
    answer = Index(settings, embedder).ask(SEED_Q)
    assert answer.answered
    for q in answer.quotes:
        assert store.article(q.article_id).text[q.start : q.end] == q.text
    assert len(generations(settings.location.path)) <= 2


# ---------------------------------------------------------------- killed builds


@pytest.mark.parametrize("phase", ["locked", "embedding", "writing", "publishing", "published"])
def test_killed_build_leaves_previous_index_usable(
    phase: str, built_seed: Settings, tmp_path: Path, embedder: CountingEmbedder
) -> None:
    settings = fresh_copy(built_seed, tmp_path)
    (settings.articles_dir / "volcano.txt").write_text(VOLCANO)
    before = (settings.location.path / CURRENT).read_text()
    proc = start_index(settings, ASKBRIEF_TEST_PAUSE_AT=phase)
    wait_for_line(proc, f"test pause at {phase}")
    kill(proc)

    finished = phase == "published"  # CURRENT was already switched: the new index is live
    assert ((settings.location.path / CURRENT).read_text() == before) is not finished
    assert_sound(settings, embedder)
    assert cites_volcano(settings, embedder) is finished

    report = build_index(settings, embedder)  # the next build cleans up and completes
    assert (report.added, report.passages_embedded > 0) == ((0, False) if finished else (1, True))
    assert cites_volcano(settings, embedder)
    assert list(settings.location.path.glob(".tmp-*")) == []
    assert_sound(settings, embedder)


def test_askbrief_index_completes_after_repeated_kills(
    built_seed: Settings, tmp_path: Path, embedder: CountingEmbedder
) -> None:
    """Killed while embedding, killed again with a generation half published, then a plain
    `askbrief index` finishes the job from whatever the two left behind."""
    settings = fresh_copy(built_seed, tmp_path)
    (settings.articles_dir / "volcano.txt").write_text(VOLCANO)
    for phase in ("embedding", "publishing"):
        proc = start_index(settings, ASKBRIEF_TEST_PAUSE_AT=phase)
        wait_for_line(proc, f"test pause at {phase}")
        kill(proc)
    assert not cites_volcano(settings, embedder)
    done = subprocess.run(
        [str(ASKBRIEF), "index", "-q"], env=child_env(settings), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("added 1, ")  # (the copied seed counts as updated: new path)
    assert cites_volcano(settings, embedder)
    assert_sound(settings, embedder)
    assert list(settings.location.path.glob(".tmp-*")) == []


def test_damaged_index_in_a_real_process_prints_one_line(
    built_seed: Settings, tmp_path: Path
) -> None:
    settings = fresh_copy(built_seed, tmp_path)
    gen = current_generation(settings.location.path)
    truncate("dense.faiss", 100)(gen, settings.location.path)
    for command in (["stats"], ["query", SEED_Q]):
        out = subprocess.run(
            [str(ASKBRIEF), *command], env=child_env(settings), capture_output=True, text=True
        )
        assert out.returncode == 1 and out.stdout == ""
        assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
        assert out.stderr.startswith("Error: ") and "askbrief index --full" in out.stderr
