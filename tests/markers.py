"""Skip markers shared across test packages."""

import shutil

import pytest

requires_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz 'dot' is not installed (apt-get install graphviz)"
)
"""Skips a test that renders diagrams when Graphviz's ``dot`` binary is missing."""
