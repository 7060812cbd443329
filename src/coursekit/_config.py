"""Settings read from the environment, in one place for the whole package.

``COURSEKIT_STRICT=1`` (CI, instructor runs) turns every check that does not pass into an error and
makes explorers draw once outside the widget, so that a broken figure fails the build.
"""

from __future__ import annotations

import os

__all__ = ["strict_mode"]


def strict_mode() -> bool:
    """Whether ``COURSEKIT_STRICT`` is set to 1/true/yes/on (case-insensitive)."""
    return os.environ.get("COURSEKIT_STRICT", "").strip().lower() in {"1", "true", "yes", "on"}
