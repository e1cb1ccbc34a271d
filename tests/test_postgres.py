"""PostgreSQL as a first-class store: the database guards the log, a writer role with only
INSERT and SELECT on it works (the README's recipe, run as written), and ``copy`` moves an
archive between SQLite and PostgreSQL with its hashes intact."""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.engine import make_url

from chronicle.archive import Archive
from chronicle.cli import main
from chronicle.model import make_source
from chronicle.store import Store, dialects

#: The manual page whose role recipe the test runs as written.
RECIPE = Path(__file__).resolve().parent.parent / "docs" / "postgres.md"

pytestmark = pytest.mark.postgres


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def pg_archive(pg_database: str) -> Iterator[Archive]:
    archive = Archive.init(url=pg_database, name="newsroom", description="Shared by a newsroom")
    yield archive
    archive.close()


@pytest.mark.parametrize("statement", [
    "UPDATE log SET author = 'someone else'",
    "DELETE FROM log",
    "TRUNCATE log CASCADE",
])
def test_postgresql_refuses_to_change_the_log(pg_archive: Archive, statement: str) -> None:
    pg_archive.add(title="Curfew declared", date="2024-01-09", unsourced=True)
    head = pg_archive.head()
    with psycopg.connect(_libpq(pg_archive.store.url)) as conn:
        with pytest.raises(psycopg.errors.RestrictViolation, match="chronicle log is append-only"):
            conn.execute(statement)
        conn.rollback()
    assert pg_archive.head() == head
    assert pg_archive.verify().head_hash == head.hash


def test_the_readme_writer_role_can_write_but_not_rewrite(pg_archive: Archive, runner: CliRunner) -> None:
    """The README's recipe, run as written: chronicle works, tampering is refused by privilege."""
    recipe = _readme_sql("CREATE ROLE chronicle_writer")
    role = f"w_{uuid.uuid4().hex[:10]}"
    database = make_url(pg_archive.store.url).database
    admin = _libpq(pg_archive.store.url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(recipe.replace("chronicle_writer", role).replace("newsroom", f'"{database}"')
                     .replace("'change me'", "'secret'").encode())
    try:
        as_writer = make_url(pg_archive.store.url).set(username=role, password="secret")
        writer_url = as_writer.render_as_string(hide_password=False)
        added = runner.invoke(main, ["--db", writer_url, "add", "Curfew declared", "--date", "2024-01-09",
                                     "--unsourced"])
        assert added.exit_code == 0, added.output
        revised = runner.invoke(main, ["--db", writer_url, "revise", "curfew-declared", "--date", "2024-01-08",
                                       "--reason", "It began the night before"])
        assert revised.exit_code == 0, revised.output
        verified = runner.invoke(main, ["--db", writer_url, "verify"])
        assert verified.exit_code == 0 and verified.output.startswith("ok: 2 entries, 1 events")
        with psycopg.connect(_libpq(writer_url)) as conn:
            for statement in ("UPDATE log SET author = 'x'", "DELETE FROM log",
                              "ALTER TABLE log DISABLE TRIGGER log_no_update", "DROP TRIGGER log_no_update ON log"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(statement)
                conn.rollback()
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP OWNED BY "{role}"'.encode())
            conn.execute(f'DROP ROLE "{role}"'.encode())
    assert [r.kind.value for r in pg_archive.log()] == ["recorded", "revised"]


def _readme_sql(marker: str) -> str:
    """The ```sql block of docs/postgres.md that contains ``marker``."""
    for block in re.findall(r"```sql\n(.*?)```", RECIPE.read_text(encoding="utf-8"), flags=re.S):
        if marker in block:
            return str(block)
    raise AssertionError(f"docs/postgres.md has no sql block with {marker!r}")


def test_writers_run_read_committed_even_under_a_serializable_default(pg_archive: Archive) -> None:
    """Else a writer's snapshot predates its wait for the lock, and it reads a stale head."""
    url = pg_archive.store.url
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{make_url(url).database}" SET default_transaction_isolation '
                     "= 'serializable'".encode())
    store = Store(url)
    with store.engine.connect().execution_options(**dialects.write_options()) as conn, conn.begin():
        dialects.lock_for_append(conn)
        assert conn.execute(text("SHOW transaction_isolation")).scalar() == "read committed"
    with store.engine.connect() as conn:
        assert conn.execute(text("SHOW transaction_isolation")).scalar() == "serializable"
    store.close()
    errors: list[BaseException] = []

    def write(n: int) -> None:
        archive = Archive.open(url, author=f"w{n}")
        try:
            for i in range(20):
                archive.add(title=f"w{n} #{i}", date="2025", unsourced=True)
        except BaseException as error:
            errors.append(error)
        finally:
            archive.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert pg_archive.verify().entries == 80


def test_a_plain_postgresql_url_uses_psycopg(pg_archive: Archive, runner: CliRunner) -> None:
    pg_archive.add(title="Curfew declared", date="2024-01-09", unsourced=True)
    plain = pg_archive.store.url.replace("postgresql+psycopg://", "postgresql://")
    shown = runner.invoke(main, ["--db", plain, "show"])
    assert shown.exit_code == 0 and "curfew-declared" in shown.output


@pytest.fixture
def other_backend(archive_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL on the backend that ``archive_url`` is not."""
    if archive_url.startswith("sqlite"):
        return str(request.getfixturevalue("pg_database"))
    return f"sqlite:///{tmp_path / 'copy' / 'events' / 'chronicle.db'}"


def test_copy_between_backends_keeps_every_hash(seeded: Archive, other_backend: str, runner: CliRunner) -> None:
    source = seeded.store.url
    # Every kind of record crosses over.
    seeded.revise("manta-base-closes", reason="Checked", description="The lease was not renewed.")
    seeded.cite("manta-base-closes", make_source("https://example.org/manta", title="Manta"))
    seeded.retract("southcom-warning", reason="Opinion, not an event")
    seeded.restore("southcom-warning", reason="Kept as context")
    seeded.claim("runoff-2025", "date", "2025-04-20", [make_source("https://example.org/x", title="X")],
                 note="a planted contradiction")
    seeded.rank("runoff-2025", "date", "2025-04-13", "preferred", reason="the primary source")
    head = seeded.head()
    result = runner.invoke(main, ["--db", source, "copy", "--to", other_backend])
    assert result.exit_code == 0, result.output
    shown_target = dialects.display_url(other_backend)
    assert result.output == f"created {shown_target}: {head.count} records copied, {head.count} in all, head {head.hash}\n"
    verify = [runner.invoke(main, ["--db", url, "verify"]).output for url in (source, other_backend)]
    assert verify[0] == verify[1] and head.hash in verify[0]
    copied = Archive.open(other_backend)
    try:
        assert (copied.name, copied.description) == (seeded.name, seeded.description)
        assert [r.to_dict() for r in copied.log()] == [r.to_dict() for r in seeded.log()]
        assert _events(copied) == _events(seeded)
    finally:
        copied.close()


def _events(archive: Archive) -> list[str]:
    return [json.dumps(e.to_dict(), sort_keys=True) for e in archive.show()]


def test_copy_again_brings_a_copy_up_to_date(seeded: Archive, other_backend: str, runner: CliRunner) -> None:
    source = seeded.store.url
    assert runner.invoke(main, ["--db", source, "copy", "--to", other_backend]).exit_code == 0
    again = runner.invoke(main, ["--db", source, "copy", "--to", other_backend])
    assert again.exit_code == 0 and ": 0 records copied" in again.output
    seeded.add(title="A later event", date="2025-06", unsourced=True)
    later = runner.invoke(main, ["--db", source, "copy", "--to", other_backend])
    assert later.exit_code == 0 and ": 1 records copied" in later.output
    assert later.output.startswith("updated ") and seeded.head().hash in later.output


def test_copy_refuses_a_target_that_has_diverged(seeded: Archive, other_backend: str, runner: CliRunner) -> None:
    source = seeded.store.url
    assert runner.invoke(main, ["--db", source, "copy", "--to", other_backend]).exit_code == 0
    target = Archive.open(other_backend)
    target.add(title="Only in the copy", date="2025", unsourced=True)
    target_head = target.head()
    target.close()
    seeded.add(title="Only in the original", date="2025", unsourced=True)
    refused = runner.invoke(main, ["--db", source, "copy", "--to", other_backend])
    assert refused.exit_code == 1
    assert "a copy whose log has diverged" in refused.output and "Traceback" not in refused.output
    store = Store(other_backend)
    assert store.head() == target_head
    store.close()


def test_copy_refuses_a_target_holding_another_archive(
    pg_archive: Archive, tmp_path: Path, runner: CliRunner,
) -> None:
    other = Archive.init(tmp_path, name="other")
    other.add(title="Elsewhere", date="2025", unsourced=True)
    other.close()
    pg_archive.add(title="Here", date="2025", unsourced=True)
    refused = runner.invoke(main, ["--db", pg_archive.store.url, "copy", "--to", str(tmp_path)])
    assert refused.exit_code == 1 and "holds another archive" in refused.output


def test_a_role_that_cannot_rebuild_a_stale_projection_is_told_who_can(pg_archive: Archive) -> None:
    url = pg_archive.store.url
    pg_archive.add(title="Curfew declared", date="2024-01-09", unsourced=True)
    role = f"r_{uuid.uuid4().hex[:10]}"
    admin = _libpq(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("UPDATE chronicle_meta SET value = '0' WHERE key = 'projection_version'")
        conn.execute(f"CREATE ROLE \"{role}\" LOGIN PASSWORD 'secret'".encode())
        conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"'.encode())
    try:
        reader_url = make_url(url).set(username=role, password="secret").render_as_string(hide_password=False)
        with pytest.raises(Exception, match="run `chronicle upgrade` as the archive's owner"):
            Archive.open(reader_url)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP OWNED BY "{role}"'.encode())
            conn.execute(f'DROP ROLE "{role}"'.encode())


def test_a_database_that_cannot_be_reached_is_named_with_its_password_masked(
    pg_database: str, runner: CliRunner,
) -> None:
    missing = make_url(pg_database).set(database="no_such_database", password="hunter2")
    url = missing.render_as_string(hide_password=False)
    for args in (["show"], ["init", "--name", "x"]):
        result = runner.invoke(main, ["--db", url, *args])
        assert result.exit_code == 1, args
        assert result.output.startswith("chronicle: error: --db: 'postgresql+psycopg://postgres:***@")
        assert "cannot reach the database: " in result.output and 'database "no_such_database" does not exist' \
            in result.output
        assert "hunter2" not in result.output
