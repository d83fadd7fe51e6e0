"""What editors do through the web UI: upload articles (the page's drop area and the
/add_articles endpoint) and update the index (the "Update index" button and /reindex). Every
handler checks the caller's rights itself; progress is drawn in the upload log."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from askbrief.access.rules import Access
from askbrief.errors import AskbriefError
from askbrief.web.api import rejected, user_of
from askbrief.web.backend import Backend, render_status, web_words
from askbrief.web.gradio_import import gr
from askbrief.web.render import esc, render_error, render_log, render_progress, render_report
from askbrief.web.uploads import refuse_uploads, run_build, save_uploads


def make_add_articles(
    backend: Backend, access: Access | None = None
) -> Callable[..., Iterator[tuple[Any, ...]]]:
    rules = access or Access()

    def add_articles(
        paths: list[str] | None, request: gr.Request | None = None
    ) -> Iterator[tuple[Any, ...]]:
        """Save the uploads, then update the index in the background, reporting progress.
        Editors only; every file goes into the upload log, whatever becomes of it."""
        paths, user = paths or [], user_of(request)
        refusal = rules.edit_refusal(user) or rules.count_refusal(len(paths))
        if refusal:
            refuse_uploads(paths, backend.articles_dir, user, refusal)
            raise rejected(refusal)
        saved = save_uploads(paths, backend.articles_dir, user, lambda: rules.file_refusal(user))
        lines = [esc(line) for line in saved.lines]
        if not saved.saved:
            yield render_log(lines), render_status(backend), None
            return
        for log, status in _build_log(backend, lines):
            yield log, status, None

    return add_articles


def make_reindex(backend: Backend, access: Access) -> Callable[..., Iterator[tuple[Any, ...]]]:
    def reindex(request: gr.Request | None = None) -> Iterator[tuple[Any, ...]]:
        """The "Update index" button: editors only, like uploads."""
        refusal = access.edit_refusal(user_of(request))
        if refusal:
            raise rejected(refusal)
        yield from _build_log(backend, [esc("Updating the index from the articles folder…")])

    return reindex


def make_reindex_api(backend: Backend, access: Access) -> Callable[..., dict[str, Any]]:
    def reindex(request: gr.Request | None = None) -> dict[str, Any]:
        """Editors only: update the index from the articles folder (new, changed and removed
        files) and say what changed: a summary, the counts after it, and any warnings."""
        refusal = access.edit_refusal(user_of(request))
        if refusal:
            raise rejected(refusal)
        try:
            report = backend.build()
        except AskbriefError as err:
            raise rejected(web_words(str(err))) from None
        return {
            "summary": report.summary(),
            "articles": report.articles,
            "passages": report.passages,
            "seconds": round(report.seconds, 1),
            "warnings": list(report.warnings),
        }

    return reindex


def _build_log(backend: Backend, lines: list[str]) -> Iterator[tuple[str, Any]]:
    """(upload log, status line) as an incremental build runs in the background."""
    if backend.build_lock.locked():
        yield render_log([*lines, "Waiting for the index update already running…"]), gr.skip()
    for kind, value in run_build(backend.build):
        if kind == "progress":
            yield render_log([*lines, render_progress(*value)]), gr.skip()
        elif kind == "done":
            yield render_log([*lines, *render_report(value)]), render_status(backend)
        else:
            failed = render_error(f"Index not updated: {value}")
            yield render_log([*lines, failed]), render_status(backend)
