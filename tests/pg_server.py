"""A real PostgreSQL server for the tests (filled in by the PostgreSQL work, issue 7).

``pg_database`` yields the URL of a fresh, empty database, or skips with a reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture
def pg_database() -> Iterator[str]:
    url = os.environ.get("CHRONICLE_TEST_PG_URL")
    if not url:
        pytest.skip("no PostgreSQL server: set CHRONICLE_TEST_PG_URL (.ci/run starts one)")
    yield url
