"""Demo data: three real communes of Huế, and as many synthetic ones as a benchmark needs.

`seed()` is reproducible: one seeded random generator draws every name, number and id (UUIDv7 built from it), so
the same seed on the same day gives the same database. Households, residents, visits and assists go in through
bulk.Writer (COPY on PostgreSQL, executemany on SQLite), which makes a whole province a matter of minutes.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import permutations

from sqlalchemy import func, select

from shared.text import fold

from ..auth.service import hash_password
from ..extensions import db
from ..models import Area, Assist, Household, Resident, Target, User, UserVillage, Visit
from ..stats import facts
from ..ledger import ensure_counter, take_seq
from ..ledger.bulk import Writer
from . import demo_data as words
from .demo_people import LOCAL, Dice, Village, household, person_name, visits
from .service import AdminError

REAL_COMMUNES = tuple(name for name, _, _ in words.COMMUNES)


@dataclass
class Summary:
    """What seed() made, and the logins to print."""
    counts: dict = field(default_factory=dict)
    logins: list[tuple[str, str, str, str]] = field(default_factory=list)  # username, password, role, commune


def reset() -> None:
    """Drop every table and create them again, empty, with the sync counter row, at the newest migration."""
    from flask_migrate import stamp

    db.session.remove()
    db.drop_all()
    db.create_all()
    ensure_counter()
    stamp()


def seed(seed: int = 1, communes: int = 0, households_per_village: int = 25, weeks: int = 8,
         visits_per_household: float = 1.2, today: date | None = None) -> Summary:
    """Fill an empty database with demo data and return what was made.

    seed: the random seed; communes: synthetic communes beyond the 3 real ones; households_per_village: exactly
    that many in each village; weeks: how far back visits go (1-52); visits_per_household: the mean number of
    visits per household (about one household in five is not visited yet); today: the day the campaign has reached
    (default: today in Vietnam).
    """
    if not 1 <= weeks <= 52:
        raise AdminError("weeks must be between 1 and 52")
    if db.session.execute(select(User.id).where(User.username == "admin")).first():
        raise AdminError("the database already holds demo data: run seed-demo with --reset")
    rng = Dice(seed)
    today = today or datetime.now(LOCAL).date()
    summary = Summary()
    hashes = {role: hash_password(p) for role, p in words.PASSWORDS.items()}  # scrypt is slow: once per role
    province = _areas("province", [words.PROVINCE[0]], None)[0]
    province.code = words.PROVINCE[1]
    _user(summary, hashes, "admin", "admin", person_name(rng, "m"), None, "")
    places = [(name, centre, ["Thôn " + v for v in villages]) for name, centre, villages in words.COMMUNES]
    places += _synthetic(rng, communes)
    writer = Writer()
    start = datetime.combine(today - timedelta(weeks=weeks), datetime.min.time(), LOCAL)
    ms = int(start.timestamp() * 1000)
    for name, centre, village_names in places:
        commune = _areas("commune", [name], province)[0]
        villages = _areas("village", village_names, commune)
        slug = fold(name).replace(" ", "")
        officials = _people(rng, summary, hashes, commune, slug, villages)
        for i, village in enumerate(villages):
            where = (centre[0] + rng.uniform(-0.03, 0.03), centre[1] + rng.uniform(-0.03, 0.03))
            spot = Village(village.id, commune.id, officials[i % len(officials)].id, where)
            for number in range(1, households_per_village + 1):
                ms += 1
                home, residents = household(rng, spot, number, today.year, ms)
                writer.add(Household, [home])
                writer.add(Resident, residents)
                count = _visit_count(rng, visits_per_household)
                if count:
                    rows, assists = visits(rng, home, residents, spot, count, today, weeks, writer.now)
                    writer.add(Visit, rows)
                    writer.add(Assist, assists)
        db.session.add_all(Target(commune_id=commune.id, topic=t, percent=p) for t, p in words.TARGETS.items())
        db.session.commit()
    writer.flush()
    facts.rebuild()  # the bulk writer bypasses the push, which keeps the coverage facts
    db.session.commit()
    summary.counts = {model.__tablename__: db.session.execute(select(func.count()).select_from(model)).scalar_one()
                      for model in (Area, User, Household, Resident, Visit, Assist)}
    return summary


def _visit_count(rng: Dice, mean: float) -> int:
    """0 for about one household in five; otherwise a count whose overall mean is `mean`."""
    if rng.random() < 0.2 or mean <= 0:
        return 0
    per_visited = mean / 0.8
    return int(per_visited) + (rng.random() < per_visited % 1)


def _synthetic(rng: Dice, count: int) -> list:
    """`count` communes named from syllables of central Vietnam, each with 6-9 villages, around Huế."""
    real = {name for name, _, _ in words.COMMUNES}
    pairs = [f"{a} {b}" for a, b in permutations(words.PLACE_WORDS, 2) if f"{a} {b}" not in real]
    rng.shuffle(pairs)
    out = []
    for i in range(count):
        name = pairs[i % len(pairs)] + (f" {i // len(pairs) + 1}" if i >= len(pairs) else "")
        villages = ["Thôn " + v for v in rng.sample(pairs, rng.between(6, 9))]
        out.append((name, (16.46 + rng.uniform(-0.4, 0.4), 107.59 + rng.uniform(-0.4, 0.4)), villages))
    return out


def _areas(level: str, names: list[str], parent: Area | None) -> list[Area]:
    seq = take_seq(len(names))
    areas = [Area(level=level, name=name, parent_id=parent and parent.id, version=1, seq=seq + i,
                  commune_id=parent and parent.commune_id) for i, name in enumerate(names)]
    db.session.add_all(areas)
    db.session.flush()
    if level == "commune":
        for area in areas:
            area.commune_id = area.id
        db.session.flush()
    return areas


def _user(summary, hashes, username, role, full_name, commune: Area | None, commune_name) -> User:
    user = User(username=username, full_name=full_name, role=role, commune_id=commune and commune.id, active=True,
                password_hash=hashes[role])
    db.session.add(user)
    db.session.flush()
    summary.logins.append((username, words.PASSWORDS[role], role, commune_name))
    return user


def _people(rng, summary, hashes, commune: Area, slug: str, villages: list[Area]) -> list[User]:
    """A leader and 2-3 officials for the commune; the villages are shared out among the officials."""
    _user(summary, hashes, f"lanhdao.{slug}", "leader", person_name(rng, rng.pick("mf")), commune, commune.name)
    officials = [_user(summary, hashes, f"canbo{i}.{slug}", "official", person_name(rng, rng.pick("mf")),
                       commune, commune.name) for i in range(1, rng.between(2, 3) + 1)]
    for i, village in enumerate(villages):
        db.session.add(UserVillage(user_id=officials[i % len(officials)].id, village_id=village.id))
    return officials
