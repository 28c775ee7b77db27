"""Every account event leaves one audit row (Contract B's names): who, what, the ids; never a password, a token, a
device key or a name."""
from sqlalchemy import select

from server.extensions import db
from server.models import AuditLog, User
from tests.server.test_dashboard_views import csrf, logged_in, user_id

STRONG = "ngõ hẹp mưa phùn 47"


def rows(app) -> list[AuditLog]:
    with app.app_context():
        return list(db.session.execute(select(AuditLog).order_by(AuditLog.id)).scalars())


def test_each_account_event_is_audited_without_secrets(app, client, world):
    with app.app_context():
        first = len(list(db.session.execute(select(AuditLog)).scalars()))
    reply = client.post("/api/v1/auth/login", json={"username": world.official, "password": world.PASSWORD,
                                                    "device_id": "0190c3a0-0000-7000-8000-000000000001"})
    token, key = reply.get_json()["token"], reply.get_json()["device_key"]
    tablet = {"Authorization": "Bearer " + token}
    assert client.post("/api/v1/auth/logout", headers=tablet).status_code == 204
    tablet = world.login(client, world.official, "0190c3a0-0000-7000-8000-000000000002")
    leader = logged_in(app.test_client(), world.leader)
    official = user_id(app, world.official)
    leader.post("/devices/0190c3a0-0000-7000-8000-000000000002/revoke", data={"csrf_token": csrf(leader)})
    assert client.post("/api/v1/auth/erased", headers=tablet).status_code == 204
    leader.post(f"/users/{official}/password", data={"csrf_token": csrf(leader), "password": STRONG})
    leader.post(f"/users/{official}/active", data={"csrf_token": csrf(leader), "active": "0"})
    leader.post(f"/users/{official}/active", data={"csrf_token": csrf(leader), "active": "1"})
    leader.post("/logout", data={"csrf_token": csrf(leader)})

    events = rows(app)[first:]
    leader_id = user_id(app, world.leader)
    assert [(e.action, e.user_id) for e in events] == [
        ("login", official), ("logout", official), ("login", official), ("login", leader_id),
        ("device_revoked", leader_id), ("device_erased", official), ("password_reset", leader_id),
        ("user_disabled", leader_id), ("user_enabled", leader_id), ("logout", leader_id)]
    assert events[0].detail["via"] == "api" and events[3].detail["via"] == "dashboard"
    assert events[4].detail == {"device": "0190c3a0-0000-7000-8000-000000000002", "user": official,
                                "erase_ordered": True}
    assert events[6].detail["user"] == official and events[7].detail["user"] == official
    with app.app_context():
        person = db.session.get(User, official)
        secrets = (world.PASSWORD, STRONG, token, key, tablet["Authorization"][7:], person.full_name,
                   person.password_hash)
    for event in events:
        assert not any(secret in str(event.detail) for secret in secrets), event.detail
