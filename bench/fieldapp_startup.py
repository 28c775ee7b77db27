"""Cold start of the field app to its first screen, with two baselines: the median of several fresh Python processes.

Each run is a child process that prints when its own code starts (the interpreter is up) and when the first frame
of its first screen has been drawn (the window's first on_flip), then stops. So a run splits into:
- interpreter: from just before the process starts to the first line of its code (Python itself, site-packages);
- to first screen: from there to the first frame drawn: imports, the window, the app's build, the first draw;
- shutdown: from that frame to the process's exit.
Baselines, measured in the same loop: `import kivy` alone, and an empty Kivy App (one Label) to its first frame.
The field app runs four times: first run (the login screen, no database yet); a plain store from before encryption
(a user's database with a token: the app opens it and asks for a PIN to set); and the encrypted store, as every start
after the first (the PIN pad: the database is opened only by the PIN); and to the work list (the PIN given at once,
then Home with the work list of 10,000 households). The server is not reachable, as in the field.
The unlock itself (scrypt, then opening the store and drawing Home) is measured by bench/fieldapp_bench.py.
Offscreen rendering (SDL offscreen + Mesa) unless a display is set, so it runs on a CI machine too. Wall time grows
with what else the machine runs: the load average is printed.
Usage: python bench/fieldapp_startup.py [runs]
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FIRST_FRAME = r"""
from kivy.core.window import Window

def _drawn(*_):
    manager = getattr(App.get_running_app(), "manager", None)
    print("FIRST_FRAME", time.time(), manager.current if manager else "-", flush=True)
    Window.unbind(on_flip=_drawn)
    App.get_running_app().stop()
app.bind(on_start=lambda *_: Window.bind(on_flip=_drawn))
app.run()
"""
CHILDREN = {
    "import kivy": "import time; print('CODE', time.time(), flush=True)\nimport kivy\n"
                   "print('FIRST_FRAME', time.time(), flush=True)\n",
    "empty Kivy App": "import time; print('CODE', time.time(), flush=True)\nfrom kivy.app import App\n"
                      "from kivy.uix.label import Label\n"
                      "class Empty(App):\n    def build(self):\n        return Label(text='Doorstep')\n"
                      "    def load_kv(self, filename=None):\n        return False  # no kv file (and no source file)\n"
                      "app = Empty()\n" + FIRST_FRAME,
    "field app, first run (login)": "import time; print('CODE', time.time(), flush=True)\n"
                                    "from kivy.app import App\nfrom fieldapp.app import DoorstepApp\n"
                                    "app = DoorstepApp()\n" + FIRST_FRAME,
}
CHILDREN["field app, plain store (set PIN)"] = CHILDREN["field app, first run (login)"]
CHILDREN["field app, encrypted (PIN pad)"] = CHILDREN["field app, first run (login)"]
# To the work list: the PIN pad, the PIN given at once (the official's typing is not counted; scrypt is), and Home
# drawn with the work list of 10,000 households (its first build after a restart: the walk order kept in the store).
CHILDREN["field app, to the work list"] = """import time; print('CODE', time.time(), flush=True)
from kivy.app import App
from kivy.core.window import Window
from fieldapp.app import DoorstepApp
app = DoorstepApp()

def _drawn(*_):
    if app.manager.current == "home":
        print("FIRST_FRAME", time.time(), "home", len(app.manager.current_screen.rows), flush=True)
        Window.unbind(on_flip=_drawn)
        app.stop()

def _start(*_):
    app.core.unlock("428613", on_done=lambda outcome: app.unlocked())
    Window.bind(on_flip=_drawn)
app.bind(on_start=_start)
app.run()
"""


def one_run(code, env) -> tuple[float, float, float, str]:
    """(interpreter, to first screen, shutdown) in seconds of wall time, and the name of the first screen."""
    start = time.time()
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    end = time.time()
    marks = {line.split()[0]: line.split()[1:] for line in out.stdout.splitlines()
             if line.startswith(("CODE", "FIRST_FRAME"))}
    if "FIRST_FRAME" not in marks:
        raise RuntimeError(f"no first frame:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    code_at, frame_at = float(marks["CODE"][0]), float(marks["FIRST_FRAME"][0])
    return code_at - start, frame_at - code_at, end - frame_at, (marks["FIRST_FRAME"][1:] or ["-"])[0]


def logged_in_data_dir(encrypted: bool, households: int = 0) -> str:
    """A data folder whose last user has a token, in a plain store or an encrypted one with its key file; with
    `households` households (and 3.5 residents each) in two villages, and their work list built once."""
    folder = tempfile.mkdtemp(prefix="doorstep-bench-home-")
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from fieldapp import config, lock
    from fieldapp.store import Store
    key = lock.new_data_key() if encrypted else None
    if encrypted:
        lock.KeyFile(config.key_path("canbo1", Path(folder))).create("bench-device", key, pin="428613")
    store = Store(config.db_path("canbo1", Path(folder)), key=key)
    store.set_account(server_url="http://127.0.0.1:9", username="canbo1", token="t" * 43,
                      user={"id": 1, "full_name": "Trần Thị Hoa", "role": "official"})
    if households:
        import random

        from bench.fieldapp_bench import pulled_page
        from fieldapp.worklist import WorkList
        changes = [{"table": "areas", "id": str(v), "version": 1, "deleted": False,
                    "data": {"level": "village", "name": n, "parent_id": 100}}
                   for v, n in ((1, "Thôn Đông"), (2, "Thôn Tây"))]
        changes += pulled_page(random.Random(3), households, 3.5, villages=(1, 2))
        for start in range(0, len(changes), 500):
            store.apply_pull(changes[start:start + 500], start + 1)
        store.set_meta(scope={"village_ids": [1, 2]}, location_consent=False)
        WorkList(store).rows()  # the walk order, as the app keeps it after its first day
    store.close()
    with open(os.path.join(folder, "last_user.txt"), "w", encoding="utf-8") as fh:
        fh.write("canbo1")
    return folder


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    base = {**os.environ, "KIVY_HOME": tempfile.mkdtemp(prefix="kivy-home-"), "KIVY_NO_ARGS": "1",
            "KIVY_NO_CONSOLELOG": "1", "PYTHONPATH": os.path.dirname(os.path.dirname(os.path.abspath(__file__)))}
    if not base.get("DISPLAY"):
        base["SDL_VIDEODRIVER"] = "offscreen"
    envs = {name: {**base, "DOORSTEP_DATA_DIR": tempfile.mkdtemp(prefix="doorstep-bench-")} for name in CHILDREN}
    envs["field app, plain store (set PIN)"]["DOORSTEP_DATA_DIR"] = logged_in_data_dir(False)
    envs["field app, encrypted (PIN pad)"]["DOORSTEP_DATA_DIR"] = logged_in_data_dir(True)
    envs["field app, to the work list"]["DOORSTEP_DATA_DIR"] = logged_in_data_dir(True, 10_000)
    results = {name: [] for name in CHILDREN}
    for name, code in CHILDREN.items():
        one_run(code, envs[name])  # warm the OS file cache, as on a tablet that has run the app before
    for _ in range(runs):  # interleaved, so that a burst of load on the machine hits every kind alike
        for name, code in CHILDREN.items():
            if "first run" in name:
                envs[name]["DOORSTEP_DATA_DIR"] = tempfile.mkdtemp(prefix="doorstep-bench-")
            results[name].append(one_run(code, envs[name]))
    print(f"cold start, median of {runs} runs (wall seconds; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores)")
    print(f"{'':32} {'interpreter':>12} {'to first screen':>16} {'(min-max)':>12} {'shutdown':>9}  screen")
    for name, rows in results.items():
        interp, screen, down = (statistics.median(r[i] for r in rows) for i in range(3))
        lo, hi = min(r[1] for r in rows), max(r[1] for r in rows)
        shown = ",".join(sorted({r[3] for r in rows}))
        print(f"{name:32} {interp:12.2f} {screen:16.2f} {f'{lo:.2f}-{hi:.2f}':>12} {down:9.2f}  {shown}")


if __name__ == "__main__":
    main()
