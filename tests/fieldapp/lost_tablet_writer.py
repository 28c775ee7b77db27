"""Child process of test_lost_tablet.py: opens the data folder argv[1] with the PIN argv[2], as the app does, then
saves residents with names and phones until killed, printing each number after its save returned (committed)."""
import sys
import time

from fieldapp.core import Core

core = Core(sys.argv[1], auto_sync=False)
done = []
core.unlock(sys.argv[2], on_done=done.append)
while not done:
    time.sleep(0.01)
assert done[0]["ok"], done[0]
household = core.store.households()[0]["id"]
n = 0
while True:
    core.store.save_resident({"household_id": household, "full_name": f"Phạm Thị Bí Mật {n}",
                              "phone": f"0987{n:06d}"})
    print(n, flush=True)
    n += 1
