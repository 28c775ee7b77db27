"""gunicorn serving the app on 127.0.0.1 for the benchmark, and a thread that samples its memory."""
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import psutil
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUNICORN = os.path.join(os.path.dirname(sys.executable), "gunicorn")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`gunicorn 'server:create_app()'` with DATABASE_URL set; stopped by its own pid only."""

    def __init__(self, database_url: str, workers: int, threads: int, log_path: str, code: str = ROOT):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/api/v1"
        self.command = [GUNICORN, "server:create_app()", "-b", f"127.0.0.1:{self.port}", "-w", str(workers),
                        "--threads", str(threads), "--worker-class", "gthread", "--timeout", "120"]
        env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "bench-secret", "PYTHONPATH": code}
        self.log = open(log_path, "ab")
        self.process = subprocess.Popen(self.command, cwd=code, env=env, stdout=self.log, stderr=self.log)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}: see {self.log.name}")
            try:
                requests.get(self.base + "/openapi.json", timeout=10)
                return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {seconds:.0f} s")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.log.close()


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by the gunicorn master and its workers: a figure the noise of the
    shared machine barely moves, unlike wall time."""
    root = psutil.Process(pid)
    total = 0.0
    for proc in [root] + root.children(recursive=True):
        times = proc.cpu_times()
        total += times.user + times.system
    return total


class MemorySampler:
    """Peak RSS of the gunicorn master and its workers, sampled every `every` seconds in a thread."""

    def __init__(self, pid: int, every: float = 0.05):
        self.root, self.every = psutil.Process(pid), every
        self.peak_total, self.peak_by_pid = 0, {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0
            for proc in [self.root] + self.root.children(recursive=True):
                try:
                    rss = proc.memory_info().rss
                except psutil.Error:
                    continue
                total += rss
                self.peak_by_pid[proc.pid] = max(self.peak_by_pid.get(proc.pid, 0), rss)
            self.peak_total = max(self.peak_total, total)
            self._stop.wait(self.every)

    def peak_worker(self) -> int:
        others = [rss for pid, rss in self.peak_by_pid.items() if pid != self.root.pid]
        return max(others, default=0)
