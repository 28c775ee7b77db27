"""Run inside a checkout of the previous release (its own code and tests on PYTHONPATH), against a database that the
new release migrated to its head: push, pull and every dashboard page without a parameter must work.

    python previous_release.py DATABASE_URL   -> prints one JSON line of what it saw
"""
import json
import sys

from server.extensions import db
from server.ledger import ensure_counter
from tests.conftest import World, household_change, make_app, push, visit_change
from tests.server.test_dashboard_views import logged_in


def main(url: str) -> dict:
    app = make_app(url)
    with app.app_context():
        ensure_counter()
    world = World(app)
    api = app.test_client()
    headers = world.login(api, world.official)
    household = household_change(world.a1)
    pushed = push(api, headers, household, visit_change(household["id"])).get_json()
    pulled = api.get("/api/v1/sync/pull?since=0&limit=1000", headers=headers).get_json()
    # Each page as the leader (following its redirects: / goes to the commune's overview), and as the admin where
    # the leader may not (the communes compared, the audit log).
    leader = logged_in(app.test_client(), world.leader)
    admin = logged_in(app.test_client(), world.admin)
    pages = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("dashboard.") and "GET" in rule.methods and not rule.arguments \
                and rule.endpoint not in ("dashboard.logout", "dashboard.login"):
            status = leader.get(rule.rule, follow_redirects=True).status_code
            pages[rule.rule] = admin.get(rule.rule).status_code if status == 403 else status
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return {"pushed": [r["status"] for r in pushed["results"]],
            "pulled": sorted({c["table"] for c in pulled["changes"]}), "pages": pages}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
