"""What a caller may read and write, asked in one place: the push, the pull, the record pages and the dashboard.

A *scope* is everything (an admin), one commune (a leader) or some villages of one commune (an official). A synced
row is in a scope by its village and commune, which every household, resident and visit carries.
"""
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import bindparam, select

from ..extensions import db
from ..models import Area, UserVillage

_VILLAGES_OF = select(UserVillage.village_id).where(UserVillage.user_id == bindparam("user_id"))
"""Built once: building it cost more than running it."""


@dataclass(frozen=True)
class Scope:
    role: str
    commune_id: int | None
    village_ids: tuple[int, ...] = ()

    @classmethod
    def of(cls, user) -> "Scope":
        villages = ()
        if user.role == "official":
            villages = tuple(sorted(db.session.execute(_VILLAGES_OF, {"user_id": user.id}).scalars()))
        return cls(user.role, user.commune_id, villages)

    @classmethod
    def of_commune(cls, user) -> "Scope":
        """The user's scope without an official's villages (no query): enough for `holds_commune` and for
        `filter(Area)`."""
        return cls(user.role, user.commune_id)

    def holds(self, village_id, commune_id) -> bool:
        """Whether a row of this village and commune is the caller's to read and write."""
        if self.role == "admin":
            return True
        if self.role == "official":
            return village_id in self.village_ids
        return commune_id is not None and commune_id == self.commune_id

    def holds_commune(self, commune_id) -> bool:
        """Whether the caller reads this commune's areas and figures."""
        return self.role == "admin" or (commune_id is not None and commune_id == self.commune_id)

    def filter(self, model):
        """The WHERE clause of the rows of `model` in the scope; None means every row (an admin)."""
        if self.role == "admin":
            return None
        if self.role == "official" and model is not Area:
            return model.village_id.in_(self.village_ids)
        return model.commune_id == self.commune_id

    def index_villages(self, model) -> tuple | None:
        """The villages whose index ranges in seq order hold the scope's rows of `model` (an official's), or None
        where `filter` reads one range already."""
        if self.role == "official" and model is not Area:
            return self.village_ids
        return None

    def wire(self) -> dict:
        """The scope as the login reply carries it."""
        return {"role": self.role, "commune_id": self.commune_id, "village_ids": list(self.village_ids)}

    def digest(self) -> str:
        """Changes when the scope does: a device that pulled another scope must pull from zero (410)."""
        return hashlib.sha256(json.dumps(self.wire(), sort_keys=True).encode()).hexdigest()
