"""Child process of test_crash.py: logs visits into the store at argv[1] until killed.

argv[2], when given, is the data key in hex: the store is then the encrypted (SQLCipher) one.
It prints each visit id to stdout only after log_visit returned, i.e. after the commit: every printed id is a save
the official was told had succeeded.
"""
import sys

from fieldapp.store import Store

store = Store(sys.argv[1], key=bytes.fromhex(sys.argv[2]) if len(sys.argv) > 2 else None)
household = store.households()[0]["id"]
while True:
    visit = store.log_visit(household, status="not_home", notes="ghi chú " * 20)
    print(visit, flush=True)
