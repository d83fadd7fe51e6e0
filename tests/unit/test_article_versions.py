"""What a build does to article versions (store/history.py's plan_history), whichever store
keeps them: the text it replaces is kept, a metadata-only change keeps nothing, a text the
article had before is current again with its date, an article removed while pruning keeps
nothing; and how a reader lists them. No store here: the stores' own tests are
tests/index/test_article_versions.py and tests/system/test_article_versions*.py."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from askbrief.ingest.prepare import article_hash
from askbrief.records import Article, ArticleVersion, version_of
from askbrief.store.history import (
    HistoryPlan,
    article_record,
    listing,
    plan_history,
    prior_saved_at,
    unversioned_at,
)

T0, T1, NOW = "2024-01-01T00:00:00+00:00", "2024-02-01T00:00:00+00:00", "2024-03-01T00:00:00+00:00"
A = Article("a", "Bridge", "The bridge cost 14 million.", "news.jsonl", "jsonl")
B = Article("b", "Choir", "The choir won.", "news.jsonl", "jsonl")


def plan(
    prior: list[tuple[Article, str]],
    now: list[Article],
    *,
    written: list[Article] | None = None,
    kept: dict[str, dict[str, str]] | None = None,
    folder: set[str] | None = None,
    prune: bool = False,
) -> tuple[HistoryPlan, list[list[str]]]:
    """plan_history over `prior` (article, saved_at) and the articles `now`; also which ids
    it asked the old store to read."""
    asked: list[list[str]] = []
    old = {a.id: a for a, _ in prior}

    def load(ids: list[str]) -> dict[str, Article]:
        asked.append(sorted(ids))
        return {i: old[i] for i in ids}

    hashes = {a.id: article_hash(a) for a in now}
    history = plan_history(
        {a.id: (article_hash(a), saved) for a, saved in prior},
        load,
        lambda ids: {i: v for i, v in (kept or {}).items() if i in ids},
        now,
        hashes,
        now if written is None else written,
        {a.id for a in now} if folder is None else folder,
        prune,
        NOW,
    )
    return history, asked


def test_a_corrected_text_is_kept_with_the_date_it_was_first_seen() -> None:
    fixed = replace(A, text="The bridge cost 15.2 million.")
    history, asked = plan([(A, T0), (B, T1)], [fixed, B], written=[fixed])
    assert [(k.article, k.version, k.saved_at) for k in history.keep] == [
        (A, version_of(A.text), T0)
    ]
    assert history.saved == {"a": NOW, "b": T1}
    assert asked == [["a"]]  # only what changed is read
    assert (history.revived, history.pruned) == ([], 0)


def test_unchanged_and_metadata_only_changes_keep_nothing() -> None:
    retitled = replace(A, title="Bridge (updated)")
    history, _ = plan([(A, T0), (B, T1)], [retitled, B], written=[retitled])
    assert history.keep == [] and history.saved == {"a": T0, "b": T1}
    # a full build writes every article: the dates stay
    history, _ = plan([(A, T0), (B, T1)], [A, B])
    assert history.keep == [] and history.saved == {"a": T0, "b": T1}


def test_a_text_the_article_had_before_is_current_again_with_its_date() -> None:
    fixed = replace(A, text="The bridge cost 15.2 million.")
    kept = {"a": {version_of(A.text): T0}}
    history, _ = plan([(fixed, T1)], [A], kept=kept)
    assert history.revived == [("a", version_of(A.text))]
    assert history.saved == {"a": T0}
    assert [k.version for k in history.keep] == [version_of(fixed.text)]


def test_a_removed_article_is_kept_unless_pruned() -> None:
    history, _ = plan([(A, T0), (B, T1)], [B], written=[])
    assert [k.article.id for k in history.keep] == ["a"] and history.pruned == 0
    history, _ = plan([(A, T0), (B, T1)], [B], written=[], prune=True)
    assert history.keep == [] and history.pruned == 1
    # in the folder but unreadable this time (not indexed): kept, even when pruning
    history, _ = plan([(A, T0), (B, T1)], [B], written=[], folder={"a", "b"}, prune=True)
    assert [k.article.id for k in history.keep] == ["a"] and history.pruned == 0


def test_versions_are_listed_oldest_first_with_the_current_last() -> None:
    def v(version: str, saved: str) -> ArticleVersion:
        return ArticleVersion("a", version, saved, 10, "Bridge")

    kept = [v("111111111111", T0), v("222222222222", T1)]
    assert listing(kept, v("333333333333", NOW)) == [*kept, v("333333333333", NOW)]
    # back to its first text: that one is current, listed last
    assert listing(kept[1:], v("111111111111", T0)) == [kept[1], v("111111111111", T0)]
    assert listing(kept, None) == kept  # removed from the index: its kept versions
    assert listing([], None) == []


def test_dates_of_articles_written_before_versions_were_kept() -> None:
    manifest: dict[str, Any] = {"built_at": T1}
    assert prior_saved_at(None, manifest) == T1
    assert prior_saved_at(T0, manifest) == T0
    assert unversioned_at(manifest) == T1  # the build that starts keeping them says when
    assert unversioned_at({"built_at": NOW, "kept_versions": 0, "unversioned_at": T1}) == T1
    assert unversioned_at({"built_at": NOW, "kept_versions": 0}) is None
    assert unversioned_at(None) is None
    assert prior_saved_at(None, {"built_at": NOW, "unversioned_at": T1}) == T1


def test_a_kept_record_has_what_shows_the_article() -> None:
    uploaded = replace(A, url="https://example.org/a", added_by="alice", added_at=T0)
    record = article_record(uploaded)
    assert Article(id="a", **record) == uploaded
    assert "added_by" not in article_record(A)  # as stores keep articles without provenance
