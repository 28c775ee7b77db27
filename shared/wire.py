"""The fields of each record as it travels, in one place for the server, the field app and the schemas.

Plain tuples, without marshmallow: the field app reads them at start-up, before it needs a schema. A record's data
holds these fields (a device pushes the first three tables' `data`; it pulls all of them). A pushed visit's data is
VisitData's fields; a pulled one also carries what the server adds (PULLED_VISIT_FIELDS).
tests/shared/test_wire.py checks them against the schemas of shared/schemas.py.
"""

HOUSEHOLD_FIELDS = ("village_id", "address", "head_name", "phone", "note")
RESIDENT_FIELDS = ("household_id", "full_name", "birth_year", "sex", "phone", "has_smartphone")
ASSIST_FIELDS = ("resident_id", "topic", "outcome", "note")
VISIT_FIELDS = ("household_id", "started_at", "duration_min", "status", "notes", "follow_up_on", "lat", "lon",
                "accuracy_m", "replaces_id", "assists")
"""A pushed visit's data; `assists` is a list of ASSIST_FIELDS records."""
PULLED_VISIT_FIELDS = ("household_id", "official_id", "started_at", "duration_min", "status", "notes",
                       "follow_up_on", "lat", "lon", "accuracy_m", "replaces_id", "voided", "received_at")
"""A pulled visit's data, without its assists (they come from their own table): the official, voided and
received_at are the server's."""
AREA_FIELDS = ("parent_id", "level", "code", "name")
"""Areas are pulled only: the server manages them."""
