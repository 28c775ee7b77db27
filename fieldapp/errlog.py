"""The tablet's error log: a small rotating file in the data folder, for a technician, without personal data.

A line holds the time, the level, where it was written and a fixed text; an exception is written as its type and the
frames it went through (file, line, function), never its message or arguments: a KeyError's message is the key, a
ValueError's may quote what was typed, a sqlite3 error may quote a row. Callers write fixed texts with codes and
counts, never record contents, names, phones, addresses, notes or tokens.
"""
import logging
import logging.handlers
import os
import sys
import threading

FILE = "errors.log"
MAX_BYTES = 256 * 1024
BACKUPS = 3
log = logging.getLogger("fieldapp")  # not "doorstep": the server logs under that name, and this one does not propagate
_hooked = False


class SafeFormatter(logging.Formatter):
    def formatException(self, ei) -> str:
        return describe(ei[1])


def describe(exc: BaseException | None) -> str:
    """`Type at file:line in function < ...` (innermost frame first), with its causes; no message, no values."""
    parts, seen = [], set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        frames, tb = [], exc.__traceback__
        while tb is not None:
            code = tb.tb_frame.f_code
            frames.append(f"{_short(code.co_filename)}:{tb.tb_lineno} in {code.co_name}")
            tb = tb.tb_next
        where = " < ".join(reversed(frames[-6:])) or "?"
        parts.append(f"{type(exc).__module__}.{type(exc).__qualname__} at {where}")
        exc = exc.__cause__ or exc.__context__
    return "\n  caused by ".join(parts)


def _short(path: str) -> str:
    """A path from its package on (fieldapp/core.py), not the tablet's folders (which may hold a user name)."""
    parts = path.replace("\\", "/").split("/")
    for i, part in enumerate(parts):
        if part in ("fieldapp", "shared", "kivy", "requests", "urllib3", "sqlite3", "json", "marshmallow"):
            return "/".join(parts[i:])
    return parts[-1]


def setup(folder) -> str:
    """Write the `doorstep` logger's warnings and errors to folder/errors.log (256 KB x 3); returns the path.

    Called again with another folder (another Core), it moves there. Uncaught exceptions of any thread are logged too.
    """
    global _hooked
    path = os.path.join(str(folder), FILE)
    for handler in list(log.handlers):
        log.removeHandler(handler)
        handler.close()
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8",
                                                   delay=True)
    handler.setFormatter(SafeFormatter("%(asctime)s %(levelname)s %(module)s.%(funcName)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.WARNING)
    log.propagate = False  # Kivy's console and file logs are not ours to fill, nor ours to read
    if not _hooked:
        _hooked = True
        _chain_hooks()
    return path


def _chain_hooks() -> None:
    previous, previous_thread = sys.excepthook, threading.excepthook

    def on_uncaught(kind, exc, tb):
        log.critical("uncaught exception", exc_info=(kind, exc, tb))
        previous(kind, exc, tb)

    def on_thread(args):
        log.critical("uncaught exception in thread", exc_info=(args.exc_type, args.exc_value, args.exc_traceback))
        previous_thread(args)
    sys.excepthook, threading.excepthook = on_uncaught, on_thread
