"""The tiers, and the fixtures tests of more than one tier share.

A test's folder says what it needs (tests/README.md): tests/unit (pure code), tests/index
(the bundled model and an index on disk), tests/system (servers, child processes, slow
builds) and tests/browser (Chromium). Each test gets its folder's marker here, so `pytest -m
unit` selects a tier however its files are named; a test outside the four folders stops the
run. Helpers live in tests/support/; fixtures of one tier only in that tier's conftest.py.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

# The names test files used to import from here, still importable (new files: support.common).
from support.common import (  # noqa: F401
    ROOT,
    SEED_FILE,
    SEEDS,
    STORES,
    CountingEmbedder,
    store_at,
)

from askbrief import Settings, build_index, open_index

if TYPE_CHECKING:
    from support.followups import Collection
    from support.web import LiveApp

TESTS = Path(__file__).resolve().parent
TIERS = ("unit", "index", "system", "browser")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with its tier, from the folder it is in."""
    for item in items:
        try:
            parts = item.path.resolve().relative_to(TESTS).parts
        except ValueError:
            continue  # not under tests/ (a path given on the command line)
        tier = parts[0] if len(parts) > 1 else ""
        if tier not in TIERS:
            where = ", ".join(f"tests/{t}/" for t in TIERS)
            raise pytest.UsageError(
                f"{item.nodeid}: a test file belongs in one of {where} (tests/README.md)"
            )
        item.add_marker(getattr(pytest.mark, tier))


# ---------------------------------------------------------------- the model


@pytest.fixture(scope="session")
def embedder() -> CountingEmbedder:
    emb = CountingEmbedder()
    emb.model  # load once per session  # noqa: B018
    return emb


@pytest.fixture
def counting(embedder: CountingEmbedder) -> CountingEmbedder:
    embedder.reset()
    return embedder


# ---------------------------------------------------------------- collections and indexes


@pytest.fixture
def articles_dir(tmp_path: Path) -> Path:
    """A private copy of the seed article plus the test corpus."""
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    shutil.copytree(ROOT / "tests" / "data" / "corpus", folder / "corpus")
    return folder


@pytest.fixture
def feed_folder(tmp_path: Path) -> Path:
    """An articles folder for feeds, not made yet."""
    return tmp_path / "articles"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, embedder: CountingEmbedder) -> Settings:
    """A copy of the seed article with a fresh index, once per module."""
    from support.web import seeded_settings

    return seeded_settings(tmp_path_factory.mktemp("seeded"), embedder)


@pytest.fixture(scope="module")
def dated_settings(
    tmp_path_factory: pytest.TempPathFactory, embedder: CountingEmbedder
) -> Settings:
    """The dated articles (support.dated) indexed once per module."""
    from support.dated import ARTICLES, build_dated

    return build_dated(tmp_path_factory.mktemp("strict"), embedder, ARTICLES)


@pytest.fixture(scope="module", params=["seed-alone", "seed-and-others"])
def followup_collection(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    embedder: CountingEmbedder,
) -> Iterator[Collection]:
    """The shipped seed file (and, for the second, three articles written here), copied
    into a fresh folder and indexed once for the module."""
    from support.followups import OTHERS, Collection

    root = tmp_path_factory.mktemp(request.param)
    articles = root / "articles"
    articles.mkdir()
    shutil.copy(SEED_FILE, articles / SEED_FILE.name)
    if request.param == "seed-and-others":
        for name, text in OTHERS.items():
            (articles / name).write_text(text, encoding="utf-8")
    settings = Settings.load(articles_dir=articles, index_dir=root / "index")
    build_index(settings, embedder)
    index = open_index(root / "index", embedder=embedder)
    yield Collection(request.param, settings, index)
    index.store.close()


# ---------------------------------------------------------------- served apps


@pytest.fixture(scope="module")
def followup_url(followup_collection: Collection, embedder: CountingEmbedder) -> Iterator[str]:
    """The app over the follow-up collection, served in-process."""
    from support.web import serve

    from askbrief.web.blocks import make_app

    app = make_app(settings=followup_collection.settings, embedder=embedder)
    with serve(app) as url:
        yield url


@pytest.fixture(scope="module")
def dated_url(
    tmp_path_factory: pytest.TempPathFactory, embedder: CountingEmbedder
) -> Iterator[str]:
    """The app over the dated articles, served in-process."""
    from support.dated import ARTICLES, build_dated
    from support.web import serve

    from askbrief.web.blocks import make_app

    settings = build_dated(tmp_path_factory.mktemp("uitime"), embedder, ARTICLES)
    with serve(make_app(settings=settings, embedder=embedder)) as served:
        yield served


@pytest.fixture(scope="module")
def access_team(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A users file with support.access's team in it."""
    from support.access import PASSWORDS, ROLES

    from askbrief.access.users import add_user

    path = tmp_path_factory.mktemp("team") / "team.json"
    for name, password in PASSWORDS.items():
        add_user(path, name, ROLES[name], password)
    return path


@pytest.fixture(scope="module")
def signed_in_app(
    tmp_path_factory: pytest.TempPathFactory, embedder: CountingEmbedder, access_team: Path
) -> Iterator[LiveApp]:
    """The app served in-process past sign-in, with the team's limits."""
    from support.access import FILE_LIMIT, FILES_PER_UPLOAD, QUESTION_LIMIT
    from support.web import LiveApp, seeded_settings, serve

    from askbrief.web.blocks import make_app

    settings = dataclasses.replace(
        seeded_settings(tmp_path_factory.mktemp("signed-in"), embedder),
        users=str(access_team),
        question_limit=f"{QUESTION_LIMIT}/minute",
        upload_limit=f"{FILE_LIMIT}/hour",
        files_per_upload=FILES_PER_UPLOAD,
    )
    app = make_app(settings=settings, embedder=embedder)
    with serve(app) as url:
        yield LiveApp(url, settings, app)


@pytest.fixture(scope="module")
def read_only_app(
    tmp_path_factory: pytest.TempPathFactory, embedder: CountingEmbedder
) -> Iterator[tuple[str, Path, Path]]:
    """app.py with a users file made by `askbrief users add` (password on stdin) and
    --read-only; yields its URL, its console log and its articles folder."""
    from support.access import PASSWORDS, ROLES
    from support.web import app_py, seeded_settings

    root = tmp_path_factory.mktemp("read-only")
    settings = seeded_settings(root, embedder)
    team = root / "team.json"
    for name in ("alice", "rita"):
        done = subprocess.run(
            [sys.executable, "-m", "askbrief", "users", "add", name, "--role", ROLES[name]],
            input=PASSWORDS[name] + "\n",
            env=os.environ | {"ASKBRIEF_USERS": str(team)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
    log = root / "console.log"
    with app_py(settings, log, extra=["--users", str(team), "--read-only"]) as url:
        yield url, log, settings.articles_dir
