"""The sync badge every screen shows in its top bar: one of four states, from Core.status(). No kivy.

- "problem": records the server refused wait for the official, or the last sync failed for a reason the official
  must act on (login needed, forbidden, app too old, a server error);
- "offline": the server could not be reached (or asked to wait) at the last try;
- "waiting": N changes wait in the outbox (the app sends them by itself);
- "sent": nothing waits.
A problem outranks offline, which outranks waiting: the badge shows what needs the official first.
"""
PROBLEM, OFFLINE, WAITING, SENT = "problem", "offline", "waiting", "sent"
_RETRY = ("offline", "busy")


def badge(status: dict) -> tuple[str, int]:
    """(state, n): n is the number of problems for "problem", of waiting changes otherwise."""
    error = status.get("error")
    if status.get("problems"):
        return PROBLEM, status["problems"]
    if error and error not in _RETRY or status.get("needs_login"):
        return PROBLEM, 0
    pending = status.get("pending", 0)
    if status.get("online") is False or error in _RETRY:
        return OFFLINE, pending
    if pending:
        return WAITING, pending
    return SENT, 0
