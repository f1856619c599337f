"""Which counting core runs: the compiled one (`wordcount.counting._core`, built from _core.c when the
package is installed with a C compiler at hand) or the pure Python of counting/tally.py.

`CORE` is "c" when `wordcount.counting._core` imports and the environment variable
WORDCOUNT_PURE_PYTHON is not "1", else "python". Workers import this module: it imports
nothing else of wordcount. Tests may reload it to see another setting.
"""

from __future__ import annotations

import os
from types import ModuleType

_compiled: ModuleType | None
try:
    from wordcount.counting import _core as _compiled
except ImportError:  # built without a compiler, or a platform without a wheel
    _compiled = None

CORE = "c" if _compiled is not None and os.environ.get("WORDCOUNT_PURE_PYTHON") != "1" else "python"


def compiled() -> ModuleType | None:
    """The compiled core when it is the one to use (CORE == "c"), else None."""
    return _compiled if CORE == "c" else None


def loaded() -> ModuleType | None:
    """The compiled core when it was built, whether or not it is the one in use."""
    return _compiled


def describe() -> str:
    """Which core runs, in words, for `--version`."""
    if CORE == "c":
        return "compiled counting core"
    if _compiled is None:
        return "pure-Python counting core: the compiled one was not built"
    return "pure-Python counting core: WORDCOUNT_PURE_PYTHON=1"
