"""The server's data model.

Every row a device may pull carries `seq`, the commit-ordered change number taken from `sync_counter`, and the
commune it belongs to, so that the data can later be partitioned by commune or province.
"""
from datetime import date, datetime, timezone

from sqlalchemy import (JSON, BigInteger, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, SmallInteger,
                        String, Text, TypeDecorator, Uuid, false, text)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship, validates

from .extensions import db
from shared.text import fold


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Stored as naive UTC on every database, read back as an aware UTC datetime."""
    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime: timestamps must carry their offset")
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=timezone.utc) if value is not None else None


UUID = Uuid(as_uuid=False)


class Area(db.Model):
    __tablename__ = "areas"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    level: Mapped[str] = mapped_column(String(10))
    code: Mapped[str | None] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # The commune a commune or village belongs to (itself for a commune); None for a province.
    commune_id: Mapped[int | None] = mapped_column(Integer, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    seq: Mapped[int] = mapped_column(BigInteger, default=0, index=True)
    # The folded name (shared.text.fold), unique among the live areas of one parent: "Thôn Đông" and "thon dong" are
    # one village to an import. None only for a duplicate found by the migration, until an admin resolves it.
    name_key: Mapped[str | None] = mapped_column(String(100))
    # A retired area is kept (its history points at it) but no longer listed, assigned or pulled (deleted on the wire).
    retired: Mapped[bool] = mapped_column(Boolean, server_default=false())
    merged_into_id: Mapped[int | None] = mapped_column(Integer)

    parent = relationship("Area", remote_side=[id])

    @validates("name")
    def _keep_name_key(self, _key, name):
        self.name_key = fold(name)[:100]
        return name

    __table_args__ = (Index("uq_areas_parent_name", "parent_id", "name_key", unique=True,
                            sqlite_where=text("retired = 0"), postgresql_where=text("NOT retired")),)


class User(db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(10))
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    villages = relationship("Area", secondary="user_villages", order_by="Area.name")


class UserVillage(db.Model):
    __tablename__ = "user_villages"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), primary_key=True)


class Device(db.Model):
    __tablename__ = "devices"
    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    app_version: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The scope the device last pulled from zero; another scope now means 410 reset_required.
    scope_hash: Mapped[str | None] = mapped_column(String(64))
    # The device key (base64url, 32 random bytes) given out at login: it wraps the tablet's data key, so that a
    # forgotten PIN is reset by an online login. Not a password: the server must be able to give it back.
    wrap_key: Mapped[str | None] = mapped_column(String(64))
    # The erase order (auth/service.py): set when a leader revokes the device or its user is disabled; `erase_reason`
    # is "revoked" or "disabled". The device's token then only reaches POST /auth/erased, which sets `erased_at`.
    erase_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erase_reason: Mapped[str | None] = mapped_column(String(10))
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")


class DashboardSession(db.Model):
    """A logged-in dashboard session (auth/sessions.py). The browser's cookie carries only a random session id;
    this row holds its sha256, the user and the session's data (CSRF token, messages). Deleting the row ends the
    session: a copied cookie then opens nothing."""
    __tablename__ = "dashboard_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    data = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class SyncedRow:
    """Columns of every household and resident: the per-field merge needs the version of each field."""
    version: Mapped[int] = mapped_column(Integer, default=1)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    field_versions: Mapped[dict] = mapped_column(JSON, default=dict)
    village_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    commune_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(Integer)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)

    @declared_attr.directive
    def __mapper_args__(cls):
        # Every UPDATE names the version it was merged against (WHERE version = the version read): a writer that
        # read the row before another writer committed fails (StaleDataError) instead of overwriting its change.
        return {"version_id_col": cls.__table__.c.version, "version_id_generator": False}


class Household(SyncedRow, db.Model):
    __tablename__ = "households"
    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    address: Mapped[str] = mapped_column(String(200))
    head_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20), default="")
    note: Mapped[str] = mapped_column(String(500), default="")

    residents = relationship("Resident", back_populates="household", order_by="Resident.birth_year")

    # A tablet pulls its villages' rows in seq order; a leader's tablet its commune's.
    __table_args__ = (Index("ix_households_village_seq", "village_id", "seq"),
                      Index("ix_households_commune_seq", "commune_id", "seq"))


class Resident(SyncedRow, db.Model):
    __tablename__ = "residents"
    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    household_id: Mapped[str] = mapped_column(ForeignKey("households.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(100))
    birth_year: Mapped[int | None] = mapped_column(SmallInteger)
    sex: Mapped[str | None] = mapped_column(String(1))
    phone: Mapped[str] = mapped_column(String(20), default="")
    has_smartphone: Mapped[bool | None] = mapped_column(Boolean)

    household = relationship("Household", back_populates="residents")

    __table_args__ = (Index("ix_residents_village_seq", "village_id", "seq"),
                      Index("ix_residents_commune_seq", "commune_id", "seq"))


class Visit(db.Model):
    """A help session at a household. Its household and official, and its assists' visit, have no foreign keys: the
    push checks them in the transaction that writes them, and nothing they name is ever deleted (migration
    f3c8d2a6b9e1 says why; tests/e2e/test_nothing_lost.py checks that every one names a stored row)."""
    __tablename__ = "visits"
    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    household_id: Mapped[str] = mapped_column(UUID, index=True)
    village_id: Mapped[int] = mapped_column(Integer)
    commune_id: Mapped[int] = mapped_column(Integer)
    official_id: Mapped[int] = mapped_column(Integer, index=True)
    device_id: Mapped[str | None] = mapped_column(UUID)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_min: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))
    notes: Mapped[str] = mapped_column(Text, default="")
    follow_up_on: Mapped[datetime | None] = mapped_column(Date)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    replaces_id: Mapped[str | None] = mapped_column(UUID)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    # sha256 of the visit as it was pushed: a replay with the same id and hash is a duplicate, another is a conflict.
    payload_hash: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)

    assists = relationship("Assist", order_by="Assist.id", primaryjoin="Visit.id == foreign(Assist.visit_id)")

    __table_args__ = (
        Index("ix_visits_village_seq", "village_id", "seq"),
        Index("ix_visits_commune_seq", "commune_id", "seq"),
        Index("ix_visits_commune_started", "commune_id", "started_at"),
    )


class Assist(db.Model):
    """One topic helped within a visit. Immutable like its visit; commune, village and household are copied from it
    so that coverage is counted without joining households."""
    __tablename__ = "assists"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    visit_id: Mapped[str] = mapped_column(UUID, index=True)
    resident_id: Mapped[str | None] = mapped_column(UUID)
    topic: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(500), default="")
    household_id: Mapped[str] = mapped_column(UUID)
    commune_id: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_assists_commune_topic_outcome", "commune_id", "topic", "outcome"),)


class SyncCounter(db.Model):
    """One row. `v` is the last change number handed out; `purged_through` the highest one whose tombstones are
    gone, so a cursor behind it must pull again from zero."""
    __tablename__ = "sync_counter"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    v: Mapped[int] = mapped_column(BigInteger, default=0)
    purged_through: Mapped[int] = mapped_column(BigInteger, default=0)


class SyncBatch(db.Model):
    __tablename__ = "sync_batches"
    # Per device: another device's batch with the same id is its own batch, and never sees this one's reply.
    device_id: Mapped[str] = mapped_column(UUID, primary_key=True)
    batch_id: Mapped[str] = mapped_column(UUID, primary_key=True)
    response: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Conflict(db.Model):
    __tablename__ = "conflicts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    table_name: Mapped[str] = mapped_column(String(20))
    row_id: Mapped[str] = mapped_column(UUID, index=True)
    field: Mapped[str] = mapped_column(String(40))
    kept_value = mapped_column(JSON)
    lost_value = mapped_column(JSON)
    kept_by: Mapped[int | None] = mapped_column(Integer)
    lost_by: Mapped[int | None] = mapped_column(Integer)
    commune_id: Mapped[int] = mapped_column(Integer, index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    resolved_by: Mapped[int | None] = mapped_column(Integer)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Target(db.Model):
    __tablename__ = "targets"
    commune_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(20), primary_key=True)
    percent: Mapped[float] = mapped_column(Float)


class TopicRule(db.Model):
    """A topic's minimum age for its indicator, set by an admin; a topic without a row has the default of
    shared.vocab.MIN_AGE (stats/rules.py)."""
    __tablename__ = "topic_rules"
    topic: Mapped[str] = mapped_column(String(20), primary_key=True)
    min_age: Mapped[int] = mapped_column(Integer)


class AuditLog(db.Model):
    """Who did what to whom, when and from where, without personal data: ids, counts and filters, never names,
    phones or addresses (server/audit.py writes it)."""
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    detail = mapped_column(JSON, default=dict)
    address: Mapped[str | None] = mapped_column(String(45))  # the client's IP address (IPv6 at most 45 characters)
    device_id: Mapped[str | None] = mapped_column(UUID)  # the tablet, when the request came with a token
    target: Mapped[str | None] = mapped_column(String(80))  # what it was done to: "commune:3", "user:12"


class LoginFailure(db.Model):
    """One failed login, counted against the username and the address it came from (auth/throttle.py). The key is a
    hash: people type their password into the username field."""
    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    __table_args__ = (Index("ix_login_failures_key_at", "key", "at"),)


class ImportJob(db.Model):
    """One upload of a household list, imported in the background (server/admin/import_jobs.py): its state, its progress
    and, at the end, its counts and row-level report. `state` is queued, checking, importing, done or failed;
    `rows_done` of `rows_total` is the progress of the current state; `written` household records of the
    `spooled` ones are in the database, committed with it, so that a retried job resumes after them."""
    __tablename__ = "import_jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    user_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(12), default="queued")
    skip_bad: Mapped[bool] = mapped_column(Boolean, default=False)
    upload: Mapped[str] = mapped_column(String(64))  # the stored file's name in UPLOAD_FOLDER, never the user's
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    spooled: Mapped[int] = mapped_column(Integer, default=0)
    written: Mapped[int] = mapped_column(Integer, default=0)
    households: Mapped[int] = mapped_column(Integer, default=0)
    residents: Mapped[int] = mapped_column(Integer, default=0)
    skipped_existing: Mapped[int] = mapped_column(Integer, default=0)
    data_rows: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    errors = mapped_column(JSON, default=list)  # [line, column, message, values], as importer.ImportReport
    failure = mapped_column(JSON)  # {message, values} of a job that failed, or None


# --- Coverage facts (server/stats/facts.py) ---------------------------------------------------------------------
# Figures derived from the visits, assists and residents of one household, kept so that coverage() reads a few
# narrow rows instead of every visit. Only live (not deleted) households have facts; each row carries the
# household's current commune and village. Days are local days in facts.FACTS_TZ.

class StaleHousehold(db.Model):
    """A household whose facts are out of date: a push wrote it, one of its residents or one of its visits. Readers
    of the facts refresh these first (facts.catch_up), so a push does not pay for figures nobody has asked for yet."""
    __tablename__ = "stale_households"
    household_id: Mapped[str] = mapped_column(UUID, primary_key=True)


class FactsBasis(db.Model):
    """One row: the year and the minimum ages the facts were computed with (old enough is baked into them). When
    either changes, the next reader rebuilds every household's facts (facts.catch_up)."""
    __tablename__ = "facts_basis"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    rules: Mapped[str] = mapped_column(String(400))


class HouseholdFacts(db.Model):
    """`aged_<topic>`: live residents old enough for the topic (shared/coverage.py, in the basis' year), the topic's
    eligible residents before any `not_applicable`; `unknown_age`: live residents with no birth year."""
    __tablename__ = "household_facts"
    household_id: Mapped[str] = mapped_column(UUID, primary_key=True)
    commune_id: Mapped[int] = mapped_column(Integer)
    village_id: Mapped[int] = mapped_column(Integer)
    residents: Mapped[int] = mapped_column(Integer)  # residents not deleted
    first_met_on: Mapped[date | None] = mapped_column(Date)  # None: never met
    last_met_on: Mapped[date | None] = mapped_column(Date)
    first_visited_on: Mapped[date | None] = mapped_column(Date)  # first counted visit, met or not home
    unknown_age: Mapped[int] = mapped_column(Integer, default=0)
    aged_vneid_account: Mapped[int] = mapped_column(Integer, default=0)
    aged_vneid_level2: Mapped[int] = mapped_column(Integer, default=0)
    aged_cashless_payment: Mapped[int] = mapped_column(Integer, default=0)
    aged_public_services: Mapped[int] = mapped_column(Integer, default=0)
    aged_digital_skills: Mapped[int] = mapped_column(Integer, default=0)
    aged_scam_awareness: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_household_facts_commune_village", "commune_id", "village_id"),)


class StatusFact(db.Model):
    """A stretch of days over which a live resident old enough for a topic has it (`has` true: its status is done
    or already_had) or has it not applicable (`has` false), from `from_day` to the day before `until_day` (None:
    still so). Statuses that count for neither (none yet, partial, follow_up, declined) have no row, and the status
    on a day is the latest outcome of that day or before (shared/coverage.py)."""
    __tablename__ = "status_facts"
    household_id: Mapped[str] = mapped_column(UUID, primary_key=True)
    resident_id: Mapped[str] = mapped_column(UUID, primary_key=True)
    topic: Mapped[str] = mapped_column(String(20), primary_key=True)
    from_day: Mapped[date] = mapped_column(Date, primary_key=True)
    until_day: Mapped[date | None] = mapped_column(Date)
    has: Mapped[bool] = mapped_column(Boolean)
    commune_id: Mapped[int] = mapped_column(Integer)
    village_id: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_status_facts_commune_village", "commune_id", "village_id"),)


class FollowUpFact(db.Model):
    """An open follow-up: a visit of the household whose follow-up no later met visit has closed."""
    __tablename__ = "follow_up_facts"
    visit_id: Mapped[str] = mapped_column(UUID, primary_key=True)
    household_id: Mapped[str] = mapped_column(UUID, index=True)
    commune_id: Mapped[int] = mapped_column(Integer)
    village_id: Mapped[int] = mapped_column(Integer)
    follow_up_on: Mapped[date] = mapped_column(Date)

    __table_args__ = (Index("ix_follow_up_facts_commune_village", "commune_id", "village_id"),)


class VisitFact(db.Model):
    """The counted (not voided) visits of the household by one official on one day, and their minutes;
    `not_home` of them found nobody home; `households` is 1 on the official's first day at the household, else 0,
    and `met_households` 1 on the official's first day of a met visit there, so that their sums count households."""
    __tablename__ = "visit_facts"
    household_id: Mapped[str] = mapped_column(UUID, primary_key=True)
    official_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    commune_id: Mapped[int] = mapped_column(Integer)
    village_id: Mapped[int] = mapped_column(Integer)
    visits: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer)
    households: Mapped[int] = mapped_column(Integer)
    not_home: Mapped[int] = mapped_column(Integer, default=0)
    met_households: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_visit_facts_commune_village", "commune_id", "village_id"),)


# Roll-ups: the facts added up per village (stats/rollups.py), so that a province or a country costs in proportion to
# its villages, not its households. Each is exact: refreshed with the facts of the households it adds up.

class VillageTotals(db.Model):
    """A village's figures now: households (reached = met at least once; not_home = visited, never met),
    residents, and per topic the residents old enough (`aged_`), who have it (`has_`) and for whom it is not
    applicable (`na_`), as household_facts and status_facts hold them."""
    __tablename__ = "village_totals"
    village_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commune_id: Mapped[int] = mapped_column(Integer, index=True)
    households: Mapped[int] = mapped_column(Integer, default=0)
    reached: Mapped[int] = mapped_column(Integer, default=0)
    not_home: Mapped[int] = mapped_column(Integer, default=0)
    residents: Mapped[int] = mapped_column(Integer, default=0)
    unknown_age: Mapped[int] = mapped_column(Integer, default=0)
    aged_vneid_account: Mapped[int] = mapped_column(Integer, default=0)
    aged_vneid_level2: Mapped[int] = mapped_column(Integer, default=0)
    aged_cashless_payment: Mapped[int] = mapped_column(Integer, default=0)
    aged_public_services: Mapped[int] = mapped_column(Integer, default=0)
    aged_digital_skills: Mapped[int] = mapped_column(Integer, default=0)
    aged_scam_awareness: Mapped[int] = mapped_column(Integer, default=0)
    has_vneid_account: Mapped[int] = mapped_column(Integer, default=0)
    has_vneid_level2: Mapped[int] = mapped_column(Integer, default=0)
    has_cashless_payment: Mapped[int] = mapped_column(Integer, default=0)
    has_public_services: Mapped[int] = mapped_column(Integer, default=0)
    has_digital_skills: Mapped[int] = mapped_column(Integer, default=0)
    has_scam_awareness: Mapped[int] = mapped_column(Integer, default=0)
    na_vneid_account: Mapped[int] = mapped_column(Integer, default=0)
    na_vneid_level2: Mapped[int] = mapped_column(Integer, default=0)
    na_cashless_payment: Mapped[int] = mapped_column(Integer, default=0)
    na_public_services: Mapped[int] = mapped_column(Integer, default=0)
    na_digital_skills: Mapped[int] = mapped_column(Integer, default=0)
    na_scam_awareness: Mapped[int] = mapped_column(Integer, default=0)


class VillageDay(db.Model):
    """A village's day: households first met that day, and visits (of them, not home) that day."""
    __tablename__ = "village_days"
    village_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    commune_id: Mapped[int] = mapped_column(Integer, index=True)
    reached: Mapped[int] = mapped_column(Integer)
    visits: Mapped[int] = mapped_column(Integer)
    not_home: Mapped[int] = mapped_column(Integer)


class VillageOfficial(db.Model):
    """visit_facts added up per village and official, over every day."""
    __tablename__ = "village_officials"
    village_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    official_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commune_id: Mapped[int] = mapped_column(Integer, index=True)
    visits: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer)
    households: Mapped[int] = mapped_column(Integer)
    not_home: Mapped[int] = mapped_column(Integer)
    met_households: Mapped[int] = mapped_column(Integer)
