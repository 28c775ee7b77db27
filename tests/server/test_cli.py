"""The admin CLI, invoked as `flask --app server COMMAND` would invoke it (app.cli), and `doorstep` (main)."""
import inspect as pyinspect

import click
from click.testing import CliRunner
from sqlalchemy import func, inspect, select

from server import cli
from server.config import Config
from server.auth.service import check_credentials
from server.extensions import db
from server.models import Area, Device, Household, HouseholdFacts, SyncCounter, User

PASSWORD = "mật-khẩu-mới-1"


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_init_db_creates_the_tables_and_the_counter(app):
    with app.app_context():
        db.drop_all()
    result = run(app, "init-db")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert {"areas", "households", "visits", "sync_counter"} <= set(inspect(db.engine).get_table_names())
        assert db.session.execute(select(func.count()).select_from(SyncCounter)).scalar_one() == 1


def test_create_areas_and_a_user_with_the_password_from_stdin(app):
    assert run(app, "create-area", "--level", "province", "--name", "Thành phố Huế", "--code", "46").exit_code == 0
    result = run(app, "create-area", "--level", "commune", "--name", "Phong Phú", "--parent", "1")
    assert result.exit_code == 0 and "commune 2: Phong Phú" in result.output
    assert run(app, "create-area", "--level", "village", "--name", "Thôn Phò Trạch", "--parent", "2").exit_code == 0
    result = run(app, "create-user", "canbo.an", "--full-name", "Trần Thị Ánh", "--role", "official",
                 "--commune", "2", "--village", "3", input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    with app.app_context():
        user = check_credentials("canbo.an", PASSWORD)
        assert user is not None and user.full_name == "Trần Thị Ánh"
        assert [v.name for v in user.villages] == ["Thôn Phò Trạch"]


def test_refusals_exit_non_zero_with_the_reason(world):
    result = run(world.app, "create-area", "--level", "village", "--name", "Thôn Lạc", "--parent", "1")
    assert result.exit_code == 1 and "needs a parent commune" in result.output
    result = run(world.app, "create-user", world.official, "--full-name", "X", "--role", "official",
                 "--commune", str(world.commune_a), input=PASSWORD + "\n")
    assert result.exit_code == 1 and "is taken" in result.output
    result = run(world.app, "create-user", "ngan", "--full-name", "X", "--role", "official",
                 "--commune", str(world.commune_a), "--village", str(world.b1), input=PASSWORD + "\n")
    assert result.exit_code == 1 and "not a village of the user's commune" in result.output
    with world.app.app_context():
        assert db.session.execute(select(User).where(User.username == "ngan")).first() is None


def test_the_password_is_never_taken_from_argv(app):
    result = run(app, "create-user", "admin2", "--full-name", "Lê Văn Tâm", "--role", "admin",
                 "--password", PASSWORD, input="")
    assert result.exit_code == 2 and "No such option" in result.output
    with app.app_context():
        assert db.session.execute(select(User)).first() is None


def test_on_a_terminal_the_password_is_prompted_twice_hidden(app, monkeypatch):
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    result = run(app, "create-user", "admin2", "--full-name", "Lê Văn Tâm", "--role", "admin",
                 input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Repeat for confirmation" in result.output and PASSWORD not in result.output
    result = run(app, "create-user", "admin3", "--full-name", "Lê Văn Tâm", "--role", "admin",
                 input=f"{PASSWORD}\nsomething-else\n")
    assert result.exit_code != 0 and "do not match" in result.output
    with app.app_context():
        assert check_credentials("admin2", PASSWORD) is not None
        assert db.session.execute(select(User).where(User.username == "admin3")).first() is None


def test_revoke_device_refuses_its_next_request(world, client):
    headers = world.login(client, world.official)
    result = run(world.app, "revoke-device", headers["X-Device-Id"])
    assert result.exit_code == 0, result.output
    refused = client.get("/api/v1/sync/pull?since=0", headers=headers)
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "erase_required"
    with world.app.app_context():
        assert db.session.get(Device, headers["X-Device-Id"]).erase_requested_at is not None
    assert run(world.app, "revoke-device", "00000000-0000-7000-8000-000000000000").exit_code == 1


def test_disable_user_blocks_login_and_orders_its_tablets_to_erase(world, client):
    headers = world.login(client, world.official)
    assert run(world.app, "disable-user", world.official).exit_code == 0
    refused = client.get("/api/v1/sync/pull?since=0", headers=headers)
    assert refused.status_code == 401 and refused.get_json()["error"]["fields"] == {"reason": ["disabled"]}
    with world.app.app_context():
        assert db.session.execute(select(Device.erase_requested_at)).scalar() is not None
        assert check_credentials(world.official, world.PASSWORD) is None
    assert run(world.app, "disable-user", "nobody").exit_code == 1


def test_import_households_exit_code(world, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("Thôn,Địa chỉ,Chủ hộ\nThôn Đông,Số 1,Nguyễn Văn Ánh\nThôn Xa,Số 2,Lê Thị Lan\n", encoding="utf-8")
    result = run(world.app, "import-households", str(bad), "--commune", str(world.commune_a))
    assert result.exit_code == 1 and "line 3: Thôn:" in result.output
    result = run(world.app, "import-households", str(bad), "--commune", str(world.commune_a), "--skip-bad")
    assert result.exit_code == 0 and "Imported 1 households" in result.output
    with world.app.app_context():
        assert db.session.execute(select(Household.head_name)).scalars().all() == ["Nguyễn Văn Ánh"]


def test_seed_demo_prints_logins_and_resets(app):
    args = ["seed-demo", "--households-per-village", "2", "--weeks", "2"]
    result = run(app, *args)
    assert result.exit_code == 0, result.output
    assert "lanhdao.phongphu" in result.output and "canbo-demo" in result.output
    assert run(app, *args).exit_code == 1  # the demo is there already
    result = run(app, *args, "--reset", "--communes", "1")
    assert result.exit_code == 0, result.output
    assert "more in the synthetic communes" in result.output
    with app.app_context():
        communes = db.session.execute(select(func.count()).where(Area.level == "commune")).scalar_one()
        assert communes == 4


def test_doorstep_has_the_run_command_with_host_and_port(tmp_path, monkeypatch):
    monkeypatch.setenv("DOORSTEP_INSTANCE", str(tmp_path))  # the embedded app's key goes there, not in the tree
    monkeypatch.setattr(Config, "DEMO", True)  # the embedded app starts only as the demo
    result = CliRunner().invoke(cli.main, ["run", "--help"])
    assert result.exit_code == 0, result.output
    assert "--host" in result.output and "--port" in result.output
    listing = CliRunner().invoke(cli.main, ["--help"]).output
    assert "seed-demo" in listing and "import-households" in listing and "reset-password" in listing


def test_refresh_stats_catches_up_the_households_pushes_marked(world, client):
    from tests.conftest import household_change, push, visit_change

    official = world.login(client, world.official)
    home = household_change(world.a1)
    push(client, official, home, visit_change(home["id"]))
    result = run(world.app, "refresh-stats")
    assert result.exit_code == 0 and "for 1 households" in result.output
    assert "for 0 households" in run(world.app, "refresh-stats").output
    with world.app.app_context():
        assert db.session.execute(select(HouseholdFacts.household_id)).scalar_one() == home["id"]


def test_purge_deletes_old_tombstones_and_receipts_and_says_what_it_did(world, client, monkeypatch):
    from datetime import timedelta

    from sqlalchemy import update

    from server.models import SyncBatch, SyncCounter, utcnow
    from server.ledger import purge as purging
    from tests.conftest import household_change, push

    monkeypatch.setattr(purging, "PAUSE_SECONDS", 0)  # the pause itself is tested in test_purge.py
    official = world.login(client, world.official)
    home = household_change(world.a1)
    push(client, official, home)
    push(client, official, {"table": "households", "op": "delete", "id": home["id"], "base_version": 1, "data": {}})
    with world.app.app_context():
        old = utcnow() - timedelta(days=400)
        db.session.execute(update(Household).values(updated_at=old))
        db.session.execute(update(SyncBatch).values(received_at=old))
        db.session.commit()
    result = run(world.app, "purge", "--days", "500")
    assert result.exit_code == 0, result.output
    assert result.output == ("Đã xoá hẳn 0 hộ, 0 nhân khẩu và 0 biên nhận cũ hơn 500 ngày.\n"
                             "  Purged 0 households, 0 residents and 0 receipts older than 500 days.\n")
    result = run(world.app, "purge")  # TOMBSTONE_HORIZON_DAYS: 365
    assert result.exit_code == 0, result.output
    with world.app.app_context():
        assert db.session.execute(select(func.count()).select_from(Household)).scalar_one() == 0
        through = db.session.execute(select(SyncCounter.purged_through)).scalar_one()
    assert result.output == ("Đã xoá hẳn 1 hộ, 0 nhân khẩu và 2 biên nhận cũ hơn 365 ngày.\n"
                             "  Purged 1 households, 0 residents and 2 receipts older than 365 days.\n"
                             f"Các máy tính bảng có con trỏ dưới {through} sẽ tải lại từ đầu.\n"
                             f"  Tablets with a cursor below {through} pull again from zero.\n")
    assert run(world.app, "purge", "--days", "0").exit_code == 2


def test_every_line_a_command_prints_is_vietnamese_then_english(world, tmp_path):
    """What an IT officer reads at the console: each message in Vietnamese, then its English (server/console.py),
    errors too; Vietnamese names come through whole."""
    made = run(world.app, "create-area", "--level", "village", "--name", "Thôn Bến Đò", "--parent", str(world.commune_a))
    assert made.exit_code == 0, made.output
    vietnamese, english = made.output.splitlines()
    assert vietnamese.startswith("Đã tạo thôn ") and vietnamese.endswith(": Thôn Bến Đò")
    assert english.startswith("  Created village ") and english.endswith(": Thôn Bến Đò")
    missing = run(world.app, "disable-user", "không-có-ai")
    assert missing.exit_code == 1
    assert "Không có người dùng nào tên không-có-ai." in missing.output
    assert "No user is called không-có-ai." in missing.output
    taken = run(world.app, "create-area", "--level", "village", "--name", "Thôn Bến Đò", "--parent",
                str(world.commune_a))
    assert taken.exit_code == 1
    lines = [line for line in taken.output.splitlines() if line.strip()]
    assert len(lines) == 2 and lines[1].startswith("  ") and lines[0] != lines[1].strip(), taken.output


def _ours(command, path=()):
    """Every command and group of Doorstep's console (not Flask's run, shell, routes), with its path."""
    yield path + (command.name,), command
    for sub in getattr(command, "commands", {}).values():
        yield from _ours(sub, path + (command.name,))


def test_every_help_of_the_console_is_vietnamese_then_english(tmp_path, monkeypatch):
    """--help in Vietnamese, then English (server/console.py): every command's help and every option's is a msgid of
    the catalogue with its Vietnamese, so a help text changed in the code without its translation fails here."""
    from server.console import Bilingual, Option
    from server.dashboard.i18n import VI
    from server.identity.cli import renew_identity
    from server.config_check import config
    commands = [c for top in [*cli.COMMANDS, renew_identity, config] for c in _ours(top)]
    assert len(commands) >= 20
    for path, command in commands:
        assert isinstance(command, Bilingual), path
        assert " ".join(pyinspect.cleandoc(command.help).split()) in VI, path
        for param in command.params:
            if isinstance(param, click.Option) and param.help:
                assert isinstance(param, Option) and param.help in VI, (path, param.name)
    monkeypatch.setenv("DOORSTEP_INSTANCE", str(tmp_path))
    monkeypatch.setattr(Config, "DEMO", True)
    shown = CliRunner().invoke(cli.main, ["create-user", "--help"])
    assert shown.exit_code == 0, shown.output
    assert shown.output.index("Thêm một người dùng") < shown.output.index("Add a user")
    assert "Mã xã của người dùng" in shown.output and "(Id of the user's commune" in shown.output
