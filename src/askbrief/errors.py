"""Errors a user can act on: each message is one line that names the thing and the fix."""


class AskbriefError(Exception):
    """Base class; the CLI prints str(err) and exits non-zero, without a traceback."""


class NoIndexError(AskbriefError):
    pass


class IndexMismatchError(AskbriefError):
    pass


class ArticleError(AskbriefError):
    """One article file (or line) could not be read; indexing skips it with a warning."""


class StoreError(AskbriefError):
    """The store cannot be used at all: a malformed --store URI, an unreachable server, a
    Milvus Lite file held by another process."""


class FeedError(AskbriefError):
    """feeds.txt cannot be used: no feeds in it, a URL that is not http(s), a duplicate."""
