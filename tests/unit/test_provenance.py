"""Who added an article through the web UI: the upload log, provenance attached at build time
and kept in both stores, shown by `askbrief show` and in the source panel.

Here, what needs no model and no index; the rest: tests/system/test_provenance.py."""

from __future__ import annotations

from pathlib import Path

from support.provenance import AT, SHOWN, STORY, refused, uploaded

from askbrief.ingest.provenance import (
    UploadRecord,
    describe,
    log_path,
    log_upload,
    provenance_for,
    read_log,
    sha256_file,
)
from askbrief.records import Article
from askbrief.web.render import render_source

# ---------------------------------------------------------------- the log


def test_log_appends_and_a_damaged_line_costs_only_itself(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    (folder / "sub").mkdir(parents=True)
    (folder / "story.txt").write_text(STORY, encoding="utf-8")
    uploaded(folder, "story.txt", at="2026-12-01T10:00:00Z")
    with open(log_path(folder), "a", encoding="utf-8") as fh:
        fh.write('{"at": "2026-12-01T10:05:00Z", "user": "bob", "fi')  # a crash mid-write
    refused(folder, "evil.exe", "not a supported article file")
    uploaded(folder, "story.txt", user="bob", at="2026-12-02T08:00:00Z")
    with open(log_path(folder), "a", encoding="utf-8") as fh:
        fh.write('["not", "a", "record"]\n{"at": 5, "user": null, "file": "x", "saved_as": null, ')
        fh.write('"sha256": null, "accepted": false}\n')
    log_upload(folder, UploadRecord(AT, "carol", "in/sub.txt", "sub/x.txt", "AB" * 32, True))

    records = read_log(folder)
    assert [(r.user, r.file, r.accepted) for r in records] == [
        ("alice", "story.txt", True),
        ("mallory", "evil.exe", False),
        ("bob", "story.txt", True),
        ("carol", "in/sub.txt", True),
    ]
    assert records[1].reason == "not a supported article file" and records[1].sha256 is None
    assert records[0].sha256 == sha256_file(folder / "story.txt")
    # the latest accepted upload of the same name and bytes wins; refusals count for nothing
    sha = sha256_file(folder / "story.txt")
    assert provenance_for(folder) == {
        ("story.txt", sha): ("bob", "2026-12-02T08:00:00Z"),
        ("sub/x.txt", "ab" * 32): ("carol", AT),
    }
    assert provenance_for(tmp_path / "nothing-here") == {}
    # the log is all it leaves in the folder: no lock file beside it
    assert sorted(p.name for p in folder.iterdir()) == [
        ".askbrief-uploads.jsonl",
        "story.txt",
        "sub",
    ]


def test_describe() -> None:
    assert describe("alice", AT) == SHOWN
    assert describe(None, "2026-12-01T21:15:00+01:00") == (
        "Added on 2026-12-01 20:15 UTC through the web UI, without sign-in"
    )
    assert describe("a\nb", "whenever") == "Added by a b on whenever through the web UI"
    assert describe(None, None) == ""


# ---------------------------------------------------------------- the source panel


def test_source_panel_shows_who_added_it_escaped() -> None:
    article = Article(
        "a.txt", "Title", STORY, "/x/a.txt", "txt", added_by="<b>eve</b>", added_at=AT
    )
    out = render_source(article, [], current=1)
    assert "<b>" not in out
    line = "Added by &lt;b&gt;eve&lt;/b&gt; on 2026-12-01 20:15 UTC through the web UI"
    assert f'<div class="ab-meta ab-added">{line}</div>' in out
    # under the title, above the rest of the metadata
    assert out.index("ab-article-title") < out.index(line) < out.index("a.txt</span>")
    plain = render_source(Article("a.txt", "Title", STORY, "/x/a.txt", "txt"), [], current=1)
    assert "ab-added" not in plain and "Added" not in plain
