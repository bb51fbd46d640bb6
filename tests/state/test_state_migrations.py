"""Schema migrations: from an empty database, from the first revision, and a newer one refused."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from statesync.errors import StateError
from statesync.kinds import INVESTOR
from statesync.state import open_state
from statesync.state.db import make_engine, normalise_url
from statesync.state.migrate import current_revision, head, migrate
from statesync.state.schema import metadata


def _engine(url: str) -> sa.Engine:
    return make_engine(normalise_url(url))


def test_an_empty_database_is_migrated_to_exactly_the_schema_the_code_uses(state_url: str) -> None:
    open_state(state_url).close()
    engine = _engine(state_url)
    with engine.connect() as conn:
        assert current_revision(conn) == head()
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert differences == []


def test_a_database_at_the_first_revision_is_upgraded_keeping_its_resources(
    state_url: str,
) -> None:
    engine = _engine(state_url)
    with engine.begin() as conn:
        migrate(conn, "0001")
        conn.execute(
            sa.text("INSERT INTO meta (id, lineage, serial, created_at) VALUES (1, :l, 1, :now)"),
            {"l": "lineage-from-0001", "now": datetime.now(UTC)},
        )
        conn.execute(
            sa.text(
                "INSERT INTO resources (kind, external_id, document, digest, version, updated_at)"
                " VALUES ('Investor', 'INV-1', '{\"active\": true}', 'd', 1, :now)"
            ),
            {"now": datetime.now(UTC)},
        )
    with engine.connect() as conn:
        assert current_revision(conn) == "0001"
    engine.dispose()

    with open_state(state_url) as store:
        assert (store.lineage, store.serial) == ("lineage-from-0001", 1)
        stored = store.get("Investor", "INV-1")
        assert stored is not None and stored.document == {"active": True}
        run = store.begin_run("apply")  # the ledger tables of revision 0002 exist now
        store.put_resource(INVESTOR, "INV-1", {"active": False}, run)
        store.end_run(run, "completed")
        assert [r.serial_after for r in store.runs()] == [2]


def test_a_ledger_written_before_changes_kept_their_target_is_upgraded(state_url: str) -> None:
    engine = _engine(state_url)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        migrate(conn, "0002")
        for statement in (
            "INSERT INTO meta (id, lineage, serial, created_at) VALUES (1, 'l', 0, :now)",
            "INSERT INTO runs (id, operation, started_at, serial_before)"
            " VALUES ('r', 'apply', :now, 0)",
            "INSERT INTO changes (id, run_id, kind, external_id, action, patch, created_at)"
            " VALUES (1, 'r', 'Investor', 'INV-1', 'update', '[]', :now)",
            "INSERT INTO change_events (change_id, status, at) VALUES (1, 'sent', :now)",
        ):
            conn.execute(sa.text(statement), {"now": now})
    engine.dispose()

    with open_state(state_url) as store:
        [pending] = store.unfinished_changes()
        assert (pending.id, pending.status, pending.target) == (1, "sent", None)


def test_a_database_from_a_newer_statesync_is_refused(state_url: str) -> None:
    open_state(state_url).close()
    engine = _engine(state_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StateError, match="revision 9999, newer than this statesync knows"):
        open_state(state_url)


def test_a_new_sqlite_database_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    open_state(f"sqlite:///{path}").close()
    assert path.stat().st_mode & 0o777 == 0o600


def test_the_default_state_is_state_db_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    open_state().close()
    assert (tmp_path / "state.db").is_file()
    monkeypatch.setenv("STATESYNC_STATE", f"sqlite:///{tmp_path / 'other.db'}")
    open_state().close()
    assert (tmp_path / "other.db").is_file()


def test_a_state_in_a_missing_directory_or_a_bad_url_is_a_state_error(tmp_path: Path) -> None:
    with pytest.raises(StateError, match="is no directory"):
        open_state(f"sqlite:///{tmp_path / 'missing' / 'state.db'}")
    with pytest.raises(StateError, match="not a database URL"):
        open_state("not a url")
