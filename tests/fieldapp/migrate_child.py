"""Child process of test_migrate.py: starts the app's core on the data folder argv[1] (a plain store from before
encryption) and sets the PIN argv[2], which encrypts the store in place. Prints START just before, DONE after."""
import sys
import time

from fieldapp.core import Core

core = Core(sys.argv[1], auto_sync=False)
assert core.state == "set_pin" and not core.store.encrypted, core.state
done = []
print("START", flush=True)
core.set_pin(sys.argv[2], on_done=done.append)
while not done:
    time.sleep(0.001)
assert done[0]["ok"], done[0]
print("DONE", flush=True)
