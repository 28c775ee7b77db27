from datetime import datetime, timedelta, timezone

import pytest
from marshmallow import ValidationError

from shared.ids import new_id
from shared.schemas import ChangeSchema, HouseholdData, VisitData
from shared.vocab import OUTCOMES, TOPICS, label


def visit(**data):
    return {"household_id": new_id(), "started_at": datetime.now(timezone.utc).isoformat(), **data}


def test_a_visit_loads_with_defaults():
    loaded = VisitData().load(visit(assists=[{"topic": "vneid_level2", "outcome": "done"}]))
    assert loaded["status"] == "met" and loaded["notes"] == "" and loaded["assists"][0]["resident_id"] is None


@pytest.mark.parametrize("data, field", [
    (visit(started_at="2026-11-20T09:00:00"), "started_at"),
    (visit(started_at=(datetime.now(timezone.utc) + timedelta(hours=3)).isoformat()), "started_at"),
    (visit(started_at=(datetime.now(timezone.utc) - timedelta(days=400)).isoformat()), "started_at"),
    (visit(status="not_home", assists=[{"topic": "vneid_account", "outcome": "done"}]), "assists"),
    (visit(assists=[{"topic": "bitcoin", "outcome": "done"}]), "assists"),
    (visit(official_id=1), "official_id"),
    (visit(lat=91), "lat"),
])
def test_bad_visits_name_the_field(data, field):
    with pytest.raises(ValidationError) as err:
        VisitData().load(data)
    assert field in err.value.messages


def test_household_phone_and_unknown_fields():
    with pytest.raises(ValidationError) as err:
        HouseholdData().load({"village_id": 1, "address": "x", "head_name": "y", "phone": "gọi tôi", "owner": 3})
    assert set(err.value.messages) == {"phone", "owner"}


def test_change_envelope():
    with pytest.raises(ValidationError) as err:
        ChangeSchema().load({"table": "users", "id": "1", "data": {}})
    assert set(err.value.messages) == {"table", "id"}


def test_every_topic_and_outcome_has_both_labels():
    for vocab in (TOPICS, OUTCOMES):
        for key, labels in vocab.items():
            assert labels["vi"] and labels["en"] and label(vocab, key, "en") == labels["en"]
    assert label(TOPICS, "vneid_level2") == "Định danh mức 2"
