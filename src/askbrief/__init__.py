"""askbrief: answers from news articles, made only of verbatim, cited quotes."""

from .config import Settings
from .errors import AskbriefError
from .index import Index, open_index
from .indexing import build_index
from .records import Answer, Article, BuildReport, Quote, Source

__version__ = "0.1.0"

__all__ = [
    "Answer",
    "Article",
    "AskbriefError",
    "BuildReport",
    "Index",
    "Quote",
    "Settings",
    "Source",
    "__version__",
    "build_index",
    "open_index",
]
