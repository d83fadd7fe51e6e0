"""askbrief: answers from news articles, made only of verbatim, cited quotes.

Names are re-exported lazily, so `from askbrief.config import Settings` or `askbrief --help`
does not pay for importing the index, FAISS or the model code.
"""

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "Answer": "records",
    "Article": "records",
    "BuildReport": "records",
    "Quote": "records",
    "Source": "records",
    "Settings": "config",
    "AskbriefError": "errors",
    "Index": "ask.index",
    "open_index": "ask.index",
    "build_index": "store.build",
}

__all__ = [*sorted(_EXPORTS), "__version__"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'askbrief' has no attribute {name!r}")
