"""Who reads residents' personal data on the API: the people who work with those households, nobody else.

*Personal data* here is a resident's or household head's name, phone and address, and the free-text notes that may
hold them. Officials read those of their villages and leaders those of their commune (the scope already bounds
both). Admins manage the province: like the dashboard, the API gives them aggregates only. Per endpoint:
- the record pages (/households, /residents, /visits) and the pull: 403 for an admin, since a record without its
  personal fields is not a record a client can use;
- the stats work lists (/stats/never-reached, /stats/follow-ups): the rows without `address` and `head_name`;
- the push: an admin may still write (moving a household to another commune), but its reply never carries `current`,
  the server's record.
"""
WORKERS = ("official", "leader")
"""The roles that read personal data, each in its own scope."""
WORK_LIST_FIELDS = ("address", "head_name", "phone")
"""The personal fields of a work-list row, left out for the other roles."""


def sees_personal(user) -> bool:
    return user.role in WORKERS


def work_list(user, rows: list[dict]) -> list[dict]:
    """The work-list rows as the caller may read them."""
    if sees_personal(user):
        return rows
    return [{k: v for k, v in row.items() if k not in WORK_LIST_FIELDS} for row in rows]


def without_current(reply: dict) -> dict:
    """A push reply as a caller who does not see personal data (an admin) reads it: no server record."""
    return {**reply, "results": [{**result, "current": None} for result in reply["results"]]}
