"""The read model's connection pool is the settings' (RUJI_DB_*), on both databases."""

from __future__ import annotations

import pytest

from infra.config import DatabasePool, Settings
from infra.db import engine_for


@pytest.mark.parametrize("url", ["sqlite:///{tmp}/read.db", "postgresql://ruji@127.0.0.1:1/ruji"])
def test_the_engine_pools_as_the_settings_say(url, tmp_path) -> None:
    pool = DatabasePool(pool_size=3, max_overflow=4, pool_timeout_s=1.5)
    settings = Settings(
        env="test", var_dir=tmp_path, database_url=url.format(tmp=tmp_path), db_pool=pool
    )
    engine = engine_for(settings)  # nothing connects yet
    queue = engine.pool
    assert (queue.size(), queue._max_overflow, queue.timeout()) == (3, 4, 1.5)  # type: ignore[attr-defined]
    assert pool.connections == 7


def test_the_pool_is_read_from_the_environment(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("RUJI_DB_POOL_SIZE", "7")
    monkeypatch.setenv("RUJI_DB_MAX_OVERFLOW", "0")
    monkeypatch.setenv("RUJI_DB_POOL_TIMEOUT_S", "2.5")
    assert Settings(env="test", var_dir=tmp_path).db_pool == DatabasePool(
        pool_size=7, max_overflow=0, pool_timeout_s=2.5
    )
