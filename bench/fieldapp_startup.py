"""Cold start of the field app to its first screen: the median of several runs, each in a fresh Python process.

A run starts `python -c ...` that imports the app, builds it and stops after the first frame is drawn; the time is
measured from just before the process starts to the moment the first frame is on screen (printed by the child).
Offscreen rendering (SDL offscreen + Mesa) unless a display is set, so it runs on a CI machine too.
Wall time is what the official waits; on a busy machine it grows with the load, so the CPU time of a run and the
load average are printed beside it.
Usage: python bench/fieldapp_startup.py [runs]
"""
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

CHILD = r"""
import sys, time
from kivy.clock import Clock
from fieldapp.app import DoorstepApp

app = DoorstepApp()
# The first frame is drawn right after on_start: report at the next clock tick, then stop.
app.bind(on_start=lambda *_: Clock.schedule_once(
    lambda dt: (print("FIRST_FRAME", time.time(), app.manager.current, flush=True), app.stop()), 0))
app.run()
"""


def one_run(env) -> tuple[float, float, str]:
    """(wall seconds to the first frame, CPU seconds of the whole child run, the first screen's name)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.time()
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    for line in out.stdout.splitlines():
        if line.startswith("FIRST_FRAME"):
            _, when, screen = line.split()
            return float(when) - start, cpu, screen
    raise RuntimeError(f"no first frame:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    home = tempfile.mkdtemp(prefix="kivy-home-")
    env = {**os.environ, "KIVY_HOME": home, "KIVY_NO_ARGS": "1", "KIVY_NO_CONSOLELOG": "1",
           "DOORSTEP_DATA_DIR": tempfile.mkdtemp(prefix="doorstep-bench-"),
           "PYTHONPATH": os.path.dirname(os.path.dirname(os.path.abspath(__file__)))}
    if not env.get("DISPLAY"):
        env["SDL_VIDEODRIVER"] = "offscreen"
    one_run(env)  # warm the OS file cache once, as on a tablet that has run the app before
    times, cpus = [], []
    for _ in range(runs):
        seconds, cpu, screen = one_run(env)
        times.append(seconds)
        cpus.append(cpu)
    # Wall time depends on what else the machine runs; CPU time (which includes the shutdown) does not.
    print(f"fieldapp cold start to first screen ({screen}): median {statistics.median(times):.2f} s wall "
          f"over {runs} runs (min {min(times):.2f}, max {max(times):.2f}); "
          f"median CPU of a whole run {statistics.median(cpus):.2f} s; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
