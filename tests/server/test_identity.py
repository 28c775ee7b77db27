"""The database identity and the digest (docs/protocol.md, "Restore"), on both databases."""
from sqlalchemy import update

from server.extensions import db
from server.identity import service
from server.identity.cli import renew_identity
from server.models import Household, SyncCounter
from shared.ids import new_id
from tests.conftest import household_change, push, visit_change

HEADER = "X-Database-Id"


def digest(client, headers, **tables):
    return client.post("/api/v1/sync/digest", headers=headers, json=tables)


def test_every_sync_reply_names_the_database(client, world):
    headers = world.login(client, world.official)
    replies = [push(client, headers, household_change(world.a1)), client.get("/api/v1/sync/pull", headers=headers),
               digest(client, headers), client.get("/api/v1/sync/pull", headers={"X-Device-Id": new_id()})]
    assert [r.status_code for r in replies] == [200, 200, 200, 401]
    identities = {r.headers[HEADER] for r in replies}
    assert len(identities) == 1 and replies[2].get_json()["database_id"] in identities


def test_renew_identity_refuses_the_old_one_until_the_digest(app, client, world):
    headers = world.login(client, world.official)
    old = client.get("/api/v1/sync/pull", headers=headers).headers[HEADER]
    result = app.test_cli_runner().invoke(renew_identity)
    assert result.exit_code == 0 and "renewed" in result.output
    change = household_change(world.a1)
    refused = push(client, {**headers, HEADER: old}, change)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "database_changed"
    new = refused.headers[HEADER]
    assert new != old
    assert client.get("/api/v1/sync/pull", headers={**headers, HEADER: old}).status_code == 409
    with app.app_context():
        assert db.session.get(Household, change["id"]) is None  # nothing written
        db.session.remove()
    assert digest(client, {**headers, HEADER: old}).status_code == 200  # the digest is not checked
    assert push(client, {**headers, HEADER: new}, change).get_json()["results"][0]["status"] == "applied"
    assert push(client, headers, household_change(world.a1)).status_code == 200  # an app that names none


def test_a_cursor_ahead_of_the_counter_renews_the_identity(app, client, world):
    """A restore without renew-identity: the tablet's cursor is past the restored counter."""
    headers = world.login(client, world.official)
    push(client, headers, household_change(world.a1), household_change(world.a1))
    page = client.get("/api/v1/sync/pull?since=0", headers=headers)
    cursor, old = page.get_json()["cursor"], page.headers[HEADER]
    with app.app_context():  # what a restore of an older backup does to the counter
        db.session.execute(update(SyncCounter).values(v=cursor - 1))
        db.session.commit()
    reply = client.get(f"/api/v1/sync/pull?since={cursor}", headers={**headers, HEADER: old})
    assert reply.status_code == 409 and reply.headers[HEADER] != old
    # Another tablet that still names the old identity is told so, and does not renew it a second time.
    again = client.get(f"/api/v1/sync/pull?since={cursor}", headers={**headers, HEADER: old})
    assert again.status_code == 409 and again.headers[HEADER] == reply.headers[HEADER]
    # An app that knows no identity pulls its scope again (410), as it would after any reset.
    with app.app_context():
        db.session.execute(update(SyncCounter).values(v=cursor - 1))
        db.session.commit()
    assert client.get(f"/api/v1/sync/pull?since={cursor}", headers=headers).status_code == 410


def test_the_digest_answers_what_is_missing_or_older(app, client, world):
    headers = world.login(client, world.official)
    kept, edited, later, gone = (household_change(world.a1) for _ in range(4))
    visit, voided = visit_change(kept["id"]), visit_change(kept["id"])
    push(client, headers, kept, edited, later, gone, visit, voided)
    with app.app_context():
        service.renew("test")  # the restore: everything above is as the backup left it
    edit = {"table": "households", "op": "upsert", "id": later["id"], "base_version": 1, "data": {"phone": "0905"}}
    assert push(client, headers, edit).get_json()["results"][0]["version"] == 2  # changed since the restore
    missing, missing_visit = new_id(), new_id()
    reply = digest(client, headers,
                   households=[{"id": kept["id"], "version": 1}, {"id": edited["id"], "version": 3},
                               {"id": later["id"], "version": 4}, {"id": missing, "version": 2},
                               {"id": gone["id"], "version": 2, "deleted": True},
                               {"id": new_id(), "version": 2, "deleted": True}],
                   visits=[{"id": visit["id"], "version": 1}, {"id": voided["id"], "version": 1, "deleted": True},
                           {"id": missing_visit, "version": 1, "deleted": True}])
    assert reply.status_code == 200, reply.get_json()
    resend = {(r["table"], r["id"]): r["base_version"] for r in reply.get_json()["resend"]}
    assert resend == {
        ("households", edited["id"]): 1,  # older, untouched since the restore: merge against the server's
        ("households", later["id"]): 0,  # older but changed since: its base is unknown, the merge keeps both
        ("households", missing): 0,
        ("households", gone["id"]): 1,  # deleted on the tablet, not on the server: the delete is sent
        ("visits", voided["id"]): 1,  # voided on the tablet only: the void is sent
        ("visits", missing_visit): 0,  # a voided visit the server lacks: sent, then voided
    }


def test_the_digest_refuses_bad_input(client, world):
    headers = world.login(client, world.official)
    reply = digest(client, headers, households=[{"id": "not-an-id", "version": 1}])
    assert reply.status_code == 400 and "households" in reply.get_json()["error"]["fields"]
    reply = digest(client, headers, visits=[{"id": new_id()} for _ in range(1001)])
    assert reply.status_code == 400 and "visits" in reply.get_json()["error"]["fields"]
    assert client.post("/api/v1/sync/digest", json={}).status_code == 401


def test_on_postgresql_tables_made_anew_renew_the_identity_once(app, client, world):
    """pg_restore makes every table anew, with a new OID: the stored OID no longer matches (tests/e2e/test_restore.py
    runs the real pg_restore). SQLite keeps no OID, and nothing is renewed there."""
    from server.identity.model import DatabaseIdentity

    headers = world.login(client, world.official)
    old = client.get("/api/v1/sync/pull", headers=headers).headers[HEADER]
    with app.app_context():
        db.session.execute(update(DatabaseIdentity).values(table_oid=1))  # what a restored row holds
        db.session.commit()
        postgres = db.engine.dialect.name == "postgresql"
    replies = [client.get("/api/v1/sync/pull", headers=headers).headers[HEADER] for _ in range(3)]
    assert len(set(replies)) == 1 and (replies[0] != old) == postgres
    with app.app_context():
        stored = db.session.get(DatabaseIdentity, 1).table_oid
        db.session.remove()
    assert (stored not in (None, 1)) if postgres else stored == 1


def test_no_stranger_and_no_bad_cursor_renews_the_identity(app, client, world):
    """The renewal runs only in an authenticated pull with a valid cursor: a request without a token, or with a cursor
    past any seq, is refused (401, 400) and leaves the identity as it was."""
    headers = world.login(client, world.official)
    before = client.get("/api/v1/sync/pull?since=0", headers=headers).headers[HEADER]
    assert client.get("/api/v1/sync/pull?since=999999").status_code == 401
    assert client.get("/api/v1/sync/pull?since=999999", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get(f"/api/v1/sync/pull?since={10**30}", headers=headers).status_code == 400
    assert client.get("/api/v1/sync/pull?since=0", headers=headers).headers[HEADER] == before
