"""The wire field lists of shared/wire.py are the schemas' fields, so the server, the tablet and the schemas agree."""
from shared import wire
from shared.schemas import AssistData, HouseholdData, ResidentData, VisitData


def test_pushed_fields_are_the_schemas_fields_in_order():
    assert wire.HOUSEHOLD_FIELDS == tuple(HouseholdData().load_fields)
    assert wire.RESIDENT_FIELDS == tuple(ResidentData().load_fields)
    assert wire.VISIT_FIELDS == tuple(VisitData().load_fields)
    assert wire.ASSIST_FIELDS == tuple(AssistData().load_fields)


def test_a_pulled_visit_is_a_pushed_one_plus_the_servers_fields():
    pushed = set(wire.VISIT_FIELDS) - {"assists"}
    assert pushed < set(wire.PULLED_VISIT_FIELDS)
    assert set(wire.PULLED_VISIT_FIELDS) - pushed == {"official_id", "voided", "received_at"}
