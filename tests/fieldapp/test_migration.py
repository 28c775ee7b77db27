"""A tablet store from before issue 11 (schema 3) with visits not yet synced: the migration to schema 4 gives its
marks the new meaning, keeps its outbox, and the visits then sync to a real server and count there."""
from fieldapp.store import Store
from fieldapp.store.schema import MIGRATIONS, SCHEMA_VERSION
from fieldapp.sync import ApiClient, SyncEngine
from server.extensions import db
from server.stats import service


def test_an_old_store_with_unsynced_visits_migrates_and_syncs(server, tablet, tmp_path):
    store, engine = tablet(server.world.official)
    engine.run()
    hid = store.save_household({"village_id": server.world.a1, "address": "9 Kiệt 2", "head_name": "Lê Văn Tám"})
    adult = store.save_resident({"household_id": hid, "full_name": "Lê Văn Tám", "birth_year": 1970})
    other = store.save_resident({"household_id": hid, "full_name": "Lê Thị Hai", "birth_year": 1972})
    store.log_visit(hid, assists=[{"resident_id": adult, "topic": "vneid_account", "outcome": "done"},
                                  {"resident_id": other, "topic": "vneid_account", "outcome": "done"},
                                  {"resident_id": adult, "topic": "cashless_payment", "outcome": "done"}])
    store.log_visit(hid, assists=[{"resident_id": other, "topic": "vneid_account", "outcome": "partial"},
                                  {"resident_id": adult, "topic": "cashless_payment", "outcome": "partial"}])
    path, key = store.path, store._key
    # The file as the app of schema 3 left it (through the store's own, encrypted, connection): the same tables,
    # and the old meaning of topics_done (a `done` ever), and the outbox of 5 changes waiting.
    conn = store.db
    conn.execute("UPDATE households SET topics_done = ',vneid_account,cashless_payment,' WHERE id = ?", (hid,))
    conn.execute("DROP INDEX households_sort")  # schema 5's, which schema 3 did not have
    conn.execute("ALTER TABLE households DROP COLUMN sort_key")
    conn.execute("PRAGMA user_version = 3")
    outbox = [tuple(r) for r in conn.execute("SELECT seq, table_name, row_id, data FROM outbox ORDER BY seq")]
    store.close()
    assert len(MIGRATIONS) == SCHEMA_VERSION == 5 and len(outbox) == 5

    reopened = Store(path, key=key)
    try:
        assert reopened.db.execute("PRAGMA user_version").fetchone()[0] == 5
        assert reopened.db.execute("SELECT count(*) FROM households WHERE length(sort_key) = 0").fetchone()[0] == 0
        # vneid_account: the adult still has it (done), the other's latest is partial: the household has it
        # through the adult. cashless_payment: the adult's done was overridden by a later partial: no longer had.
        assert reopened.households()[0]["topics_done"] == ["vneid_account"]
        assert reopened.household(hid)["status"][other] == {"vneid_account": "partial"}
        assert [tuple(r) for r in reopened.db.execute(
            "SELECT seq, table_name, row_id, data FROM outbox ORDER BY seq")] == outbox

        result = SyncEngine(reopened, ApiClient(server.url)).run()

        assert result["pushed"] == {"applied": 5}
        assert reopened.sync_status()["pending"] == 0
        with server.app.app_context():
            figures = service.coverage(server.world.commune_a)
            db.session.remove()
        vneid = next(t for t in figures["topics"] if t["topic"] == "vneid_account")
        assert (figures["households_reached"], vneid["has_it"], vneid["eligible"]) == (1, 1, 2)
    finally:
        reopened.close()
