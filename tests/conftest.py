"""Test-wide settings: caches go to a temporary directory, never the user's home."""

from __future__ import annotations

import os
import tempfile

# Set before any adcli module reads it, so parser and AST caches of the test run
# are private to it (and a stale cache in ~/.cache can never change a result).
os.environ.setdefault("ADCLI_CACHE_DIR", tempfile.mkdtemp(prefix="adcli-test-cache-"))
