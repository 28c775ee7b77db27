"""Pure Python that both the server and the field app import. No flask, kivy or sqlalchemy here."""

SCHEMA_VERSION = 1
"""Version of the wire payloads. The server reads this one and every older one it still lists in MIN_SCHEMA_VERSION."""

MIN_SCHEMA_VERSION = 1
