"""Schema migrations and projection versions, on every backend.

The archive under test was made by the first chronicle (schema version 1, commit
f2b05ce) and is kept in ``tests/fixtures/schema_v1/``: as a SQLite file, and as a
``pg_dump`` of the same records on PostgreSQL (see ``make_fixture.py`` there).
"""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from chronicle.archive import Archive
from chronicle.cli import main
from chronicle.errors import SchemaMismatch
from chronicle.projection import PROJECTION_VERSION
from chronicle.store import SCHEMA_VERSION, Store
from chronicle.store.upgrade import upgrade_archive

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "schema_v1"
EXPECTED = json.loads((FIXTURE / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture
def v1_url(archive_url: str) -> str:
    """The schema-1 fixture archive, restored at ``archive_url`` (SQLite or PostgreSQL)."""
    if archive_url.startswith("sqlite"):
        path = Path(make_url(archive_url).database or "")
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(FIXTURE / "chronicle.db", path)
    else:
        libpq = make_url(archive_url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute((FIXTURE / "postgresql.sql").read_bytes())
    return archive_url


def _meta(url: str, key: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT value FROM chronicle_meta WHERE key = :k"), {"k": key}).scalar()
    finally:
        engine.dispose()


def _sql(url: str, *statements: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


def _forked_record(url: str) -> None:
    """Insert, raw, a record that claims the genesis hash as its predecessor."""
    _sql(url, "INSERT INTO log (seq, event_id, kind, payload, author, recorded_at, origin, reason, v, "
              f"prev_hash, hash) SELECT {EXPECTED['entries'] + 1}, event_id, kind, payload, author, recorded_at, "
              f"origin, reason, v, '{'0' * 64}', '{'f' * 64}' FROM log WHERE seq = 1")


def test_commands_on_an_older_schema_say_how_to_upgrade(v1_url: str, runner: CliRunner) -> None:
    for args in (["show"], ["add", "New", "--date", "2025", "--unsourced"], ["verify"]):
        result = runner.invoke(main, ["--db", v1_url, *args])
        assert result.exit_code == 1, args
        assert result.output == (
            f"chronicle: error: schema_version: 1: the archive uses schema version 1, this chronicle "
            f"needs {SCHEMA_VERSION}; run `chronicle upgrade` first\n"
        )
    assert _meta(v1_url, "schema_version") == "1"


def test_upgrade_keeps_the_log_and_its_head_hash(v1_url: str, runner: CliRunner) -> None:
    result = runner.invoke(main, ["--db", v1_url, "upgrade"])
    assert result.exit_code == 0, result.output
    assert result.output == f"schema upgraded: version 1 → {SCHEMA_VERSION}\n"
    verified = runner.invoke(main, ["--db", v1_url, "verify"])
    assert verified.output == (
        f"ok: {EXPECTED['entries']} entries, {EXPECTED['events']} events, head {EXPECTED['head_hash']}\n"
    )
    again = runner.invoke(main, ["--db", v1_url, "upgrade"])
    assert again.exit_code == 0 and again.output == f"up to date: schema version {SCHEMA_VERSION}\n"
    # The upgraded archive is an ordinary one: it takes new records.
    added = runner.invoke(main, ["--db", v1_url, "add", "After the upgrade", "--date", "2025-06", "--unsourced"])
    assert added.exit_code == 0 and added.output == "after-the-upgrade\n"
    archive = Archive.open(v1_url)
    assert archive.verify().entries == EXPECTED["entries"] + 1
    archive.close()


def test_schema_1_accepted_a_forked_chain(v1_url: str) -> None:
    # (Only `verify` would have found it, later.)
    _forked_record(v1_url)
    assert _head_count(v1_url) == EXPECTED["entries"] + 1


def test_after_the_migration_the_database_refuses_a_forked_chain(v1_url: str) -> None:
    upgrade_archive(v1_url)
    with pytest.raises(IntegrityError, match="must continue the chain"):
        _forked_record(v1_url)
    assert _head_count(v1_url) == EXPECTED["entries"]


def _head_count(url: str) -> int:
    store = Store(url)
    try:
        return store.head().count
    finally:
        store.close()


def test_an_upgrade_is_recorded_for_alembic(v1_url: str) -> None:
    upgrade_archive(v1_url)
    engine = create_engine(v1_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == f"schema{SCHEMA_VERSION}"
    engine.dispose()
    assert _meta(v1_url, "schema_version") == str(SCHEMA_VERSION)


def test_a_newer_schema_is_read_but_never_written(seeded: Archive, runner: CliRunner) -> None:
    url = seeded.store.url
    head = seeded.head()
    _sql(url, "UPDATE chronicle_meta SET value = '99' WHERE key = 'schema_version'")
    shown = runner.invoke(main, ["--db", url, "show", "--limit", "1"])
    assert shown.exit_code == 0 and shown.output.count("\n") == 1
    added = runner.invoke(main, ["--db", url, "add", "Too new", "--date", "2025", "--unsourced"])
    assert added.exit_code == 1
    assert added.output == (
        f"chronicle: error: schema_version: 99: the archive was written by a newer chronicle (schema 99, "
        f"this one knows {SCHEMA_VERSION}); upgrade chronicle before writing to it\n"
    )
    upgraded = runner.invoke(main, ["--db", url, "upgrade"])
    assert upgraded.exit_code == 1 and "upgrade chronicle itself" in upgraded.output
    store = Store(url)
    assert store.head() == head
    store.close()


def test_a_stale_projection_is_rebuilt_from_the_log_on_open(seeded: Archive) -> None:
    url = seeded.store.url
    before = [e.to_dict() for e in seeded.show()]
    head = seeded.head()
    seeded.close()
    # As if an older chronicle had built it, and built it differently (here: not at all).
    _sql(url, "DELETE FROM event_versions",
         "UPDATE chronicle_meta SET value = '0' WHERE key = 'projection_version'")
    reopened = Archive.open(url)
    assert [e.to_dict() for e in reopened.show()] == before
    assert reopened.verify().head_hash == head.hash
    assert _meta(url, "projection_version") == str(PROJECTION_VERSION)
    reopened.close()


def test_upgrade_rebuilds_a_stale_projection_and_says_so(seeded: Archive, runner: CliRunner) -> None:
    url = seeded.store.url
    entries = seeded.head().count
    seeded.close()
    _sql(url, "DELETE FROM event_versions",
         "UPDATE chronicle_meta SET value = '0' WHERE key = 'projection_version'")
    result = runner.invoke(main, ["--db", url, "upgrade"])
    assert result.exit_code == 0
    assert result.output == f"projection rebuilt from the log: {entries} records replayed\n"
    assert runner.invoke(main, ["--db", url, "verify"]).exit_code == 0


def test_upgrade_of_something_that_is_no_archive(archive_url: str, runner: CliRunner) -> None:
    if archive_url.startswith("sqlite"):
        Path(make_url(archive_url).database or "").parent.mkdir(parents=True, exist_ok=True)
        Path(make_url(archive_url).database or "").touch()
    result = runner.invoke(main, ["--db", archive_url, "upgrade"])
    assert result.exit_code == 1
    assert "no chronicle archive here; create one with `chronicle init`" in result.output


def test_the_library_refuses_an_older_schema_too(v1_url: str) -> None:
    with pytest.raises(SchemaMismatch, match="run `chronicle upgrade` first"):
        Archive.open(v1_url)


def test_an_upgrade_by_a_role_that_may_not_change_tables_changes_nothing(v1_url: str, runner: CliRunner) -> None:
    if not v1_url.startswith("postgresql"):
        pytest.skip("roles are PostgreSQL's")
    role = f"w_{uuid.uuid4().hex[:10]}"
    admin = make_url(v1_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE \"{role}\" LOGIN PASSWORD 'secret'".encode())
        conn.execute(f'GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO "{role}"'.encode())
    try:
        as_writer = make_url(v1_url).set(username=role, password="secret").render_as_string(hide_password=False)
        result = runner.invoke(main, ["--db", as_writer, "upgrade"])
        assert result.exit_code == 1
        assert result.output.startswith("chronicle: error: schema_version: 1: the upgrade failed and changed nothing (")
        assert "run `chronicle upgrade` as the role that owns the archive's tables" in result.output
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP OWNED BY "{role}"'.encode())
            conn.execute(f'DROP ROLE "{role}"'.encode())
    assert _meta(v1_url, "schema_version") == "1"
    assert runner.invoke(main, ["--db", v1_url, "upgrade"]).exit_code == 0
