"""Settings read from the environment: PostgreSQL's prepared statements are on by
default and one variable turns them off (for PgBouncer in transaction pooling mode)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PRINT_OPTIONS = (
    "import json, ladder.settings as s; print(json.dumps(s.DATABASES['default'].get('OPTIONS')))"
)


def _options(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LADDER_")}
    clean.pop("DATABASE_URL", None)
    return subprocess.run(  # noqa: S603 (our own interpreter and a fixed snippet)
        [sys.executable, "-c", PRINT_OPTIONS],
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


PG = "postgres://ladder@db.invalid:5432/ladder"


def test_postgresql_prepares_repeated_statements_by_default() -> None:
    result = _options(DATABASE_URL=PG)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "server_side_binding": True,
        "prepare_threshold": 5,
        "options": "-c plan_cache_mode=force_generic_plan",
    }


def test_the_plan_cache_mode_can_go_back_to_postgresqls_default() -> None:
    result = _options(DATABASE_URL=PG, LADDER_PG_PLAN_CACHE_MODE="auto")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["options"] == "-c plan_cache_mode=auto"
    result = _options(DATABASE_URL=PG, LADDER_PG_PLAN_CACHE_MODE="generic")
    assert result.returncode != 0
    assert "LADDER_PG_PLAN_CACHE_MODE" in result.stderr


def test_zero_turns_prepared_statements_and_server_side_binding_off() -> None:
    result = _options(DATABASE_URL=PG, LADDER_PG_PREPARE_THRESHOLD="0")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) is None


def test_a_bad_prepare_threshold_stops_start_up() -> None:
    for value in ("off", "-1"):
        result = _options(DATABASE_URL=PG, LADDER_PG_PREPARE_THRESHOLD=value)
        assert result.returncode != 0
        assert "LADDER_PG_PREPARE_THRESHOLD" in result.stderr


def test_sqlite_is_left_alone(tmp_path: object) -> None:
    result = _options(
        DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3", LADDER_PG_PREPARE_THRESHOLD="3"
    )
    assert result.returncode == 0, result.stderr
    assert "prepare_threshold" not in json.loads(result.stdout)
