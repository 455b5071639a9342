"""Shared fixtures: the backends of the query-engine tests (a PostgreSQL server, a local Spark session).

Both are started on first use only and kept for the test session (per xdist worker).
"""

from __future__ import annotations

import pytest
from pg import postgres_server


@pytest.fixture(scope="session")
def engine_pg_url():
    with postgres_server("engine_test") as url:
        yield url


@pytest.fixture(scope="session")
def spark(tmp_path_factory):
    """A real local Spark session (2 cores, 2 shuffle partitions: small data, fast stages)."""
    from pyspark.sql import SparkSession

    warehouse = str(tmp_path_factory.mktemp("spark-warehouse"))
    session = (
        SparkSession.builder.master("local[2]").appName("cycle-analytics-tests")
        .config("spark.sql.shuffle.partitions", "2").config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.warehouse.dir", warehouse).config("spark.driver.memory", "1g")
        .config("spark.sql.session.timeZone", "UTC").config("spark.sql.adaptive.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def export_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("engine-exports"))




@pytest.fixture
def downloads(monkeypatch) -> dict[str, bytes]:
    """The files the app's download buttons hold, by file name (captured where Streamlit stores them)."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage  # only the app tests need Streamlit

    files: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def capture(self, path_or_data, mimetype, kind, filename=None):
        if filename:
            files[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", capture)
    return files
