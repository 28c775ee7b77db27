"""The invariants of tests/e2e/test_nothing_lost.py, each returning what breaks it in words (empty: it holds).

Terms:
- a *sent* change is one a tablet pushed (harness.Sent); it is *acknowledged* once the tablet read the server's
  result for it (the reply of a push whose reply was lost never was; the same batch sent again is a new Sent);
- a *tracked* field is one whose every value in a run is distinct, so that a value says which write it came from.
"""
TRACKED = {"households": ("address", "head_name", "phone", "note"), "residents": ("full_name", "birth_year", "phone")}
ACCEPTED = ("applied", "merged", "duplicate")
WROTE = ("applied", "merged")


def check_server(snapshot, sent: list) -> list[str]:
    """After every step, on the server's rows (harness.Snapshot) and every change sent so far:
    - every acknowledged change was accepted (applied, merged or duplicate): this run sends nothing to refuse;
    - an acknowledged new row or visit is on the server, a visit with exactly the assists sent (once, not twice);
    - no two writes of a row were answered `applied` with the same version, nor any above the version stored;
    - every tracked value acknowledged as written (applied or merged) is in the row, or in `conflicts`, or was
      replaced by a change made on top of the version that wrote it (so its writer had seen it);
    - no conflict is stored twice;
    - every visit names a stored household, every assist a stored visit and a resident of its household."""
    broken = []
    by_row: dict = {}
    for s in sent:
        by_row.setdefault((s.change["table"], s.change["id"]), []).append(s)
    for (table, row_id), changes in by_row.items():
        acked = [s for s in changes if s.acked]
        for s in acked:
            if s.result["status"] not in ACCEPTED:
                broken.append(f"{s.tablet}: {table} {row_id} answered {s.result['status']}: {s.result.get('errors')}")
        if table == "visits":
            broken += _check_visits(snapshot, row_id, [s for s in acked if s.result["status"] in ACCEPTED])
            continue
        row = snapshot.row(table, row_id)
        if row is None:
            if any(s.result["status"] in ACCEPTED for s in acked):
                broken.append(f"{table} {row_id} was acknowledged but is not on the server")
            continue
        applied = sorted(s.result["version"] for s in acked if s.result["status"] == "applied")
        if len(set(applied)) != len(applied):
            broken.append(f"{table} {row_id}: writes answered `applied` with the same version: {applied}")
        if (top := max((s.result["version"] or 0 for s in acked), default=0)) > row["version"]:
            broken.append(f"{table} {row_id}: answered version {top}, the server holds version {row['version']}")
        for s in acked:
            if s.result["status"] not in WROTE:
                continue  # a duplicate wrote nothing: its values were written, and are checked, with another change
            for name in TRACKED[table]:
                if name in s.change["data"] and not _accounted(snapshot, table, row_id, row, name, s, changes):
                    broken.append(f"{table} {row_id}: {name} = {s.change['data'][name]!r} sent by {s.tablet} "
                                  f"(answered {s.result['status']} at version {s.result['version']}) is neither in "
                                  f"the row ({row[name]!r}) nor in conflicts, and nobody who saw it replaced it")
    seen = set()
    for conflict in snapshot.conflicts:
        if repr(conflict) in seen:
            broken.append(f"the conflict {conflict} is stored twice")
        seen.add(repr(conflict))
    # The database no longer checks these (migration f3c8d2a6b9e1): the push must.
    broken += [f"visit {i} names no stored household {v['household_id']}" for i, v in snapshot.visits.items()
               if v["household_id"] not in snapshot.households]
    broken += [f"an assist names no stored visit {a[0]}" for a in snapshot.assists if a[0] not in snapshot.visits]
    broken += [f"an assist of visit {a[0]} names resident {a[1]}, not of its household" for a in snapshot.assists
               if a[1] is not None and a[0] in snapshot.visits and
               snapshot.residents.get(a[1], {}).get("household_id") != snapshot.visits[a[0]]["household_id"]]
    return broken


def _accounted(snapshot, table, row_id, row, name, s, changes) -> bool:
    value = s.change["data"][name]
    if row[name] == value or repr(value) in snapshot.conflict_values(row_id, name):
        return True
    # Replaced by a change made on top of the version that wrote it (sent, acknowledged or not): that tablet saw it.
    return any(o is not s and name in o.change["data"] and o.change["base_version"] >= s.result["version"]
               for o in changes)


def _check_visits(snapshot, visit_id: str, acked: list) -> list[str]:
    broken = []
    stored = snapshot.visits.get(visit_id)
    for s in acked:
        if s.change["op"] == "delete":
            continue
        data = s.change["data"]
        if stored is None:
            broken.append(f"visit {visit_id} acknowledged ({s.result['status']}) but not on the server")
            continue
        if (stored["household_id"], stored["status"], stored["notes"]) != (
                data["household_id"], data["status"], data["notes"]):
            broken.append(f"visit {visit_id}: stored {stored}, sent {data}")
        assists = sorted(((a[1], a[2], a[3]) for a in snapshot.assists if a[0] == visit_id), key=repr)
        if assists != sorted(((a["resident_id"], a["topic"], a["outcome"]) for a in data["assists"]), key=repr):
            broken.append(f"visit {visit_id}: assists stored {assists}, sent {data['assists']}")
    return broken


def check_settled(snapshot, sent: list) -> list[str]:
    """Once every tablet has synced: each change sent was answered (its batch sent again after a lost reply), and
    each row's version is the highest answered for it, so no change was written more times than answered."""
    broken = []
    answered = {(s.tablet, s.batch_id, s.change["id"]) for s in sent if s.acked}
    for s in sent:
        if (s.tablet, s.batch_id, s.change["id"]) not in answered:
            broken.append(f"{s.tablet}: batch {s.batch_id} never answered for {s.change['table']} {s.change['id']}")
    top: dict = {}
    for s in sent:
        if s.acked and s.change["table"] != "visits":
            key = (s.change["table"], s.change["id"])
            top[key] = max(top.get(key, 0), s.result["version"] or 0)
    for (table, row_id), version in top.items():
        row = snapshot.row(table, row_id)
        if row is not None and row["version"] != version:
            broken.append(f"{table} {row_id}: the server holds version {row['version']}, the highest answered "
                          f"is {version}")
    return broken


def diff(mine: dict | list, theirs: dict | list) -> str:
    if isinstance(mine, list):
        return f"tablet {[a for a in mine if a not in theirs]}, server {[a for a in theirs if a not in mine]}"
    lines = []
    for key in sorted(set(mine) | set(theirs)):
        if mine.get(key) != theirs.get(key):
            lines.append(f"{key}: tablet {mine.get(key)}, server {theirs.get(key)}")
    return "; ".join(lines[:5])
