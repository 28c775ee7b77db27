"""Production refuses to start without a SECRET_KEY of its own; the embedded demo (no DATABASE_URL: SQLite in the
instance folder, with DOORSTEP_DEMO=1) makes a random one and keeps it (server/__init__.py, server/config.py)."""
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from server import create_app
from server.config import REPOSITORY_KEYS
from server.extensions import db

ROOT = Path(__file__).resolve().parents[2]


def _dispose(app):
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("key", [None, "", "   ", "dev-only-change-me", *sorted(REPOSITORY_KEYS)])
def test_production_refuses_to_start_with_no_key_or_a_repository_default(database_url, key):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": key})


def test_production_starts_with_a_key_of_its_own(database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "k" * 64})
    assert app.config["SECRET_KEY"] == "k" * 64
    _dispose(app)


def test_the_embedded_demo_makes_a_random_key_once_and_keeps_it(tmp_path, monkeypatch):
    monkeypatch.setenv("DOORSTEP_INSTANCE", str(tmp_path))
    first = create_app({"SQLALCHEMY_DATABASE_URI": None, "SECRET_KEY": None, "DEMO": True})
    key = first.config["SECRET_KEY"]
    assert len(key) == 64 and key not in REPOSITORY_KEYS
    kept = tmp_path / "secret_key"
    assert kept.read_text() == key and stat.S_IMODE(kept.stat().st_mode) == 0o600
    again = create_app({"SQLALCHEMY_DATABASE_URI": None, "SECRET_KEY": "dev-only-change-me",
                        "DEMO": True})
    assert again.config["SECRET_KEY"] == key  # the same key after a restart: sessions outlive it
    for app in (first, again):
        _dispose(app)
    assert first.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'doorstep.db'}"


def test_the_server_process_on_a_database_url_without_a_key_does_not_start(tmp_path):
    """What an operator sees: the process exits at once, naming SECRET_KEY."""
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'prod.db'}", PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", "from server import create_app; create_app()"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "SECRET_KEY is empty or a default" in done.stderr
