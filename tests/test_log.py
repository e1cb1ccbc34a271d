"""The log: hash chain, append-only enforced by the database, projections equal to a
replay, time travel, and corrections as new records. Runs on every backend."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from chronicle.archive import Archive
from chronicle.errors import AmbiguousId, Conflict, InvalidInput, TamperedLog, UnknownEvent
from chronicle.model import GENESIS_HASH, Kind, canonical_json, chain_hash, make_source
from chronicle.query import EventQuery
from chronicle.store import record_body_json

SOURCE = make_source("https://example.org/report", publisher="Example")


def add(archive: Archive, title: str, date: str, **extra: object) -> str:
    return archive.add(title=title, date=date, sources=[SOURCE], **extra)  # type: ignore[arg-type]


def test_records_are_chained(archive: Archive) -> None:
    add(archive, "First", "2024-01-09")
    add(archive, "Second", "2025")
    records = list(archive.log())
    assert [r.seq for r in records] == [1, 2]
    assert records[0].prev_hash == GENESIS_HASH
    assert records[1].prev_hash == records[0].hash
    for record in records:
        assert record.hash == chain_hash(record.prev_hash, canonical_json(record.hashed_body()))
    assert archive.head().hash == records[-1].hash


def test_fast_body_serialisation_equals_canonical_json(archive: Archive) -> None:
    add(archive, "Ñandú “quoted” \\ back\nslash", "2024", description="tab\there 😀")
    record = next(archive.log())
    body = record_body_json(
        record.seq, record.event_id, record.kind.value,
        json.dumps(record.payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False),
        record.author, record.recorded_at, record.origin, record.reason, record.version,
    )
    assert body == canonical_json(record.hashed_body())


def test_provenance_on_every_record(archive: Archive) -> None:
    archive.origin = "chronicle add First --date 2024"
    event_id = add(archive, "First", "2024")
    archive.revise(event_id, reason="More precise", date="2024-03")
    first, second = archive.log()
    assert first.author == "tester" and first.origin == "chronicle add First --date 2024"
    assert first.recorded_at.endswith("Z") and first.reason is None
    assert second.kind is Kind.REVISED and second.reason == "More precise"
    assert second.payload == {"date": "2024-03"}
    assert second.recorded_at >= first.recorded_at


def test_corrections_are_new_records_and_history_keeps_both(archive: Archive) -> None:
    event_id = add(archive, "Noboa takes office", "Oct 2023")
    archive.revise(event_id, reason="Inauguration was 23 Nov 2023", date="2023-11-23")
    archive.cite(event_id, make_source("https://en.wikipedia.org/wiki/Daniel_Noboa"))
    archive.retract(event_id, reason="testing")
    archive.restore(event_id, reason="testing again")
    kinds = [r.kind.value for r in archive.history(event_id)]
    assert kinds == ["recorded", "revised", "sourced", "retracted", "restored"]
    dates = [r.payload.get("date") for r in archive.history(event_id)]
    assert dates[:2] == ["2023-10", "2023-11-23"]
    event = archive.get(event_id)
    assert event.date == "2023-11-23" and event.revision == 5 and event.revisions == 1
    assert len(event.sources) == 2


def test_the_database_refuses_update_and_delete(archive: Archive) -> None:
    add(archive, "First", "2024")
    engine = archive.store.engine
    for statement in ("UPDATE log SET author = 'mallory'", "DELETE FROM log"):
        with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    assert next(archive.log()).author == "tester"
    archive.verify()


def _tamper(archive: Archive, statement: str) -> None:
    """Change a row behind the triggers' back, as an attacker with file access could."""
    engine = archive.store.engine
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER log_no_update"))
            conn.execute(text(statement))
        else:
            conn.execute(text("ALTER TABLE log DISABLE TRIGGER log_no_update"))
            conn.execute(text(statement))
            conn.execute(text("ALTER TABLE log ENABLE TRIGGER log_no_update"))


def test_verify_names_the_first_tampered_record(archive: Archive) -> None:
    for year in range(2020, 2025):
        add(archive, f"Event {year}", str(year))
    report = archive.verify()
    assert report.entries == 5 and len(report.head_hash) == 64
    _tamper(archive, "UPDATE log SET payload = replace(payload, 'Event 2022', 'Event 1999') WHERE seq = 3")
    with pytest.raises(TamperedLog) as caught:
        archive.verify()
    assert caught.value.seq == 3
    assert "record 3" in caught.value.describe()


def test_verify_catches_a_projection_that_drifted(archive: Archive) -> None:
    event_id = add(archive, "First", "2024")
    with archive.store.engine.begin() as conn:
        doc = json.loads(conn.execute(text("SELECT doc FROM event_versions")).scalar_one())
        doc["title"] = "Forged"
        conn.execute(text("UPDATE event_versions SET doc = :doc"), {"doc": json.dumps(doc)})
    with pytest.raises(TamperedLog, match=r"^event first: the version from record 1 has doc = "):
        archive.verify()
    # The projection is derived: rebuilding it from the log repairs it.
    archive.store.rebuild_projection()
    assert archive.get(event_id).title == "First"
    archive.verify()


def test_projection_rebuild_equals_live_projection(seeded: Archive) -> None:
    before = [e.to_dict() for e in seeded.show(EventQuery(include_retracted=True))]
    head = seeded.verify().head_hash
    seeded.store.rebuild_projection()
    after = [e.to_dict() for e in seeded.show(EventQuery(include_retracted=True))]
    assert after == before
    assert seeded.verify().head_hash == head


def test_as_of_answers_what_the_archive_said_then(archive: Archive) -> None:
    times = iter([datetime(2026, 1, 1, 12, tzinfo=UTC) + timedelta(days=d) for d in range(10)])
    clock = lambda: next(times)  # noqa: E731
    from chronicle.archive import recorded_payload
    from chronicle.model import Draft, Provenance

    prov = Provenance("tester", "test")
    payload = recorded_payload(title="Takes office", date="2023-10", sources=[SOURCE])
    archive.store.append([Draft("office", Kind.RECORDED, payload, prov)], now=clock)  # 1 Jan
    archive.store.append([Draft("office", Kind.REVISED, {"date": "2023-11-23"}, prov)], now=clock)  # 2 Jan
    archive.store.append([Draft("office", Kind.RETRACTED, {}, Provenance("tester", "test", "x"))], now=clock)  # 3 Jan

    def dates(as_of: str) -> list[str]:
        query = EventQuery.parse(as_of=as_of, include_retracted=True)
        return [f"{e.date}:{e.status.value}" for e in archive.show(query)]

    assert dates("2025-12-31") == []
    assert dates("2026-01-01T13:00Z") == ["2023-10:active"]
    assert dates("2026-01-02T13:00Z") == ["2023-11-23:active"]
    assert dates("2026-01-03T13:00Z") == ["2023-11-23:retracted"]
    assert archive.get("office", as_of="2026-01-01T13:00Z").date == "2023-10"
    assert [e.id for e in archive.show(EventQuery.parse(as_of="2026-01-02T13:00Z"))] == ["office"]
    assert list(archive.show(EventQuery.parse(as_of="2026-01-03T13:00Z"))) == []


def test_since_until_mean_may_fall_within(archive: Archive) -> None:
    add(archive, "Year 2022", "2022")
    add(archive, "Long interval", "2021-06", end="2023-02")
    add(archive, "Oct 2023", "Oct 2023")
    add(archive, "Early 2025", "2025-01-05")
    add(archive, "Ongoing", "2010", end="..")

    def ids(**filters: str) -> list[str]:
        return [e.title for e in archive.show(EventQuery.parse(**filters))]

    assert ids(since="2023") == ["Ongoing", "Long interval", "Oct 2023", "Early 2025"]
    assert ids(until="2022") == ["Ongoing", "Long interval", "Year 2022"]
    assert ids(since="2023-10-15", until="2024") == ["Ongoing", "Oct 2023"]


def test_filters_by_tag_actor_text(archive: Archive) -> None:
    add(archive, "Runoff", "2025-04-13", tags=["elections"], actors=["Luisa González"])
    add(archive, "Attack on TC Televisión", "2024-01-09", tags=["security", "media"])
    assert [e.title for e in archive.show(EventQuery.parse(tags=["elections"]))] == ["Runoff"]
    assert [e.title for e in archive.show(EventQuery.parse(actors=["luisa gonzalez"]))] == ["Runoff"]
    assert [e.title for e in archive.show(EventQuery.parse(text="television"))] == ["Attack on TC Televisión"]
    assert [e.title for e in archive.show(EventQuery.parse(tags=["medi"]))] == []
    assert archive.count(EventQuery.parse(since="2024")) == 2


def test_retracted_events_leave_the_timeline_but_not_the_log(archive: Archive) -> None:
    keep = add(archive, "Keep", "2024")
    gone = add(archive, "Gone", "2024")
    archive.retract(gone, reason="Denied by both outlets")
    assert [e.id for e in archive.show()] == [keep]
    shown = [e for e in archive.show(EventQuery(include_retracted=True)) if e.id == gone]
    assert shown[0].status_reason == "Denied by both outlets"
    with pytest.raises(Conflict, match="already retracted"):
        archive.retract(gone, reason="again")
    assert archive.head().count == 3


def test_ids_accept_unique_prefixes(archive: Archive) -> None:
    add(archive, "Noboa takes office", "2023")
    add(archive, "Noboa wins election", "2023")
    assert archive.get("noboa-t").id == "noboa-takes-office"
    with pytest.raises(AmbiguousId, match="noboa-takes-office, noboa-wins-election"):
        archive.get("noboa")
    with pytest.raises(UnknownEvent):
        archive.get("nothing-like-this")


def test_same_title_gets_a_fresh_id(archive: Archive) -> None:
    assert add(archive, "Same", "2024") == "same"
    assert add(archive, "Same", "2025") == "same-2"


def test_a_failed_batch_leaves_nothing(archive: Archive) -> None:
    from chronicle.archive import recorded_payload
    from chronicle.model import Draft, Provenance

    add(archive, "Existing", "2024")
    head = archive.head()
    prov = Provenance("tester", "test")
    good = Draft("new-one", Kind.RECORDED, recorded_payload(title="New", date="2024", sources=[SOURCE]), prov)
    bad = Draft("missing", Kind.REVISED, {"title": "x"}, prov)
    with pytest.raises(InvalidInput):
        archive.store.append([good, bad])
    assert archive.head() == head
    assert archive.store.event("new-one") is None


def test_recording_an_existing_id_is_a_conflict(archive: Archive) -> None:
    from chronicle.archive import recorded_payload
    from chronicle.model import Draft, Provenance

    add(archive, "Existing", "2024", event_id="dup")
    draft = Draft("dup", Kind.RECORDED, recorded_payload(title="Again", date="2025", sources=[SOURCE]),
                  Provenance("tester", "test"))
    with pytest.raises(Conflict):
        archive.store.append([draft])
    with pytest.raises(Conflict):
        archive.store.append([draft, draft])
    assert archive.head().count == 1


def test_revision_with_nothing_new_is_refused(archive: Archive) -> None:
    event_id = add(archive, "Same", "2024")
    with pytest.raises(InvalidInput, match="nothing would change"):
        archive.revise(event_id, reason="no-op", date="2024")
    with pytest.raises(InvalidInput, match="--reason"):
        archive.revise(event_id, reason="  ", date="2025")
