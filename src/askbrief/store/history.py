"""Article versions, as both stores keep them: when a build replaces an article's text (the
article was corrected, or it left the folder), the text it had is *kept*, so a citation of
it stays readable. Only the current text is searched and answered from.

Content-addressed (records.version_of): a kept version is one (article id, text) pair,
stored once however many builds see it, and an unchanged article costs nothing. The current
version is never kept twice: its text is the article's own, and when an article comes back
to a text it had before, that kept version becomes current again (its date with it). So an
article has more than one version exactly when it is indexed and has a kept version.

Each article also carries `saved_at`, when a build first saw its current text. Indexes
written before versions were kept have neither: their articles have one version each,
dated by the build that wrote them (`unversioned_at`, else the manifest's built_at); the
next build starts keeping history. `askbrief index --prune` deletes the kept versions of
articles no longer in the folder, and nothing else.

This module is the part both stores share: what a build keeps (`plan_history`) and how a
reader lists versions (`listing`). faiss/history.py and milvus/history.py store them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from askbrief.records import Article, ArticleVersion, version_of

# The fields an article version keeps besides its id and text, as Article names them.
ARTICLE_FIELDS = ("title", "source_path", "format", "source", "url", "published")
PROVENANCE_FIELDS = ("added_by", "added_at")
# manifest / meta keys: how many kept versions (rows) the store holds, checked on open;
# and the date of the versions of articles written before versions were kept
KEPT_COUNT = "kept_versions"
UNVERSIONED_AT = "unversioned_at"


def now() -> str:
    """A build's time, as saved_at records it (ISO 8601, UTC, whole seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Kept:
    """An article's text that a build replaces and keeps, with what it was saved as."""

    article: Article
    version: str
    saved_at: str


@dataclass
class HistoryPlan:
    """What one build does to the versions: which texts it keeps, which kept versions are
    current again (and go), each written article's saved_at, and how many versions of
    articles gone from the folder it drops (--prune)."""

    keep: list[Kept] = field(default_factory=list)
    revived: list[tuple[str, str]] = field(default_factory=list)  # (article id, version)
    saved: dict[str, str] = field(default_factory=dict)  # article id -> saved_at
    pruned: int = 0  # texts of articles removed by this build, dropped instead of kept


def plan_history(
    prior: dict[str, tuple[str, str]],
    load_prior: Callable[[list[str]], dict[str, Article]],
    kept_of: Callable[[list[str]], dict[str, dict[str, str]]],
    indexed: list[Article],
    hashes: dict[str, str],
    written: Iterable[Article],
    folder_ids: set[str],
    prune: bool,
    at: str,
) -> HistoryPlan:
    """`prior`: the published index's articles, id -> (content hash, saved_at);
    `load_prior(ids)`: those articles as stored; `kept_of(ids)`: each one's kept versions,
    version -> saved_at. `indexed`: every article the build leaves in the index, `hashes`
    theirs; `written`: those it writes (new, changed, or all of them in a full build);
    `at`: this build's time. Only articles whose hash changed or that left are read."""
    plan = HistoryPlan()
    new = {a.id: a for a in indexed}
    leaving = [i for i, (h, _) in prior.items() if i not in new or hashes[i] != h]
    old = load_prior(leaving)
    for article_id in leaving:
        before = old.get(article_id)
        if before is None:  # unreadable in the old store: nothing to keep
            continue
        version, saved_at = version_of(before.text), prior[article_id][1]
        after = new.get(article_id)
        if after is not None and version_of(after.text) == version:
            plan.saved[article_id] = saved_at  # only its metadata changed
        elif prune and article_id not in folder_ids:
            plan.pruned += 1
        else:
            plan.keep.append(Kept(before, version, saved_at))
    gone = set(leaving)
    for article_id, (_, saved_at) in prior.items():
        if article_id in new and article_id not in gone:
            plan.saved[article_id] = saved_at  # unchanged (a full build writes it again)
    fresh = [a for a in written if a.id not in plan.saved]
    earlier = kept_of([a.id for a in fresh]) if fresh else {}
    for article in fresh:
        version = version_of(article.text)
        found = earlier.get(article.id, {}).get(version)
        if found is not None:  # back to a text it had: that version is current again
            plan.revived.append((article.id, version))
        plan.saved[article.id] = found or at
    return plan


def listing(kept: list[ArticleVersion], current: ArticleVersion | None) -> list[ArticleVersion]:
    """An article's versions, oldest first: the kept ones as the store ordered them (by
    saved_at, then by when they were kept), and the current one last."""
    out = [k for k in kept if current is None or k.version != current.version]
    return out + ([current] if current is not None else [])


def version_at(
    current: Article | None, version: str, kept: Callable[[str], Article | None]
) -> Article | None:
    """The article as it was at `version`: its current text when that is the one asked for
    (the current text is never kept apart), else the kept version, if any."""
    if current is not None and version_of(current.text) == version:
        return current
    return kept(version)


def current_version(article: Article | None, saved_at: str) -> ArticleVersion | None:
    if article is None:
        return None
    text = article.text
    return ArticleVersion(article.id, version_of(text), saved_at, len(text), article.title)


def article_record(article: Article) -> dict[str, Any]:
    """What a kept version stores of the article besides its id: text and metadata (who
    uploaded it only if known, as the stores keep articles)."""
    out: dict[str, Any] = {"text": article.text}
    out |= {name: getattr(article, name) for name in ARTICLE_FIELDS}
    out |= {
        name: getattr(article, name)
        for name in PROVENANCE_FIELDS
        if getattr(article, name) is not None
    }
    return out


def prior_saved_at(stored: str | None, manifest: dict[str, Any]) -> str:
    """An article's saved_at as a store holds it; articles written before versions were kept
    have none: the date of the build that wrote them."""
    if stored:
        return stored
    return str(manifest.get(UNVERSIONED_AT) or manifest.get("built_at") or "")


def unversioned_at(prior_manifest: dict[str, Any] | None) -> str | None:
    """What a new build records as UNVERSIONED_AT: carried on from an index that keeps
    versions; the previous build's date for one written before they were kept (its
    articles have no saved_at); None for a new index."""
    if prior_manifest is None:
        return None
    if KEPT_COUNT in prior_manifest:
        found = prior_manifest.get(UNVERSIONED_AT)
        return str(found) if found else None
    found = prior_manifest.get("built_at")
    return str(found) if found else None
