"""Pure Python that both the server and the field app import. No flask, kivy or sqlalchemy here."""

SCHEMA_VERSION = 2
"""Version of the wire payloads. The server reads this one and every older one it still lists in MIN_SCHEMA_VERSION.
2: the outcomes already_had and not_applicable (issue 11); an app of schema 1 pulls them as done and declined."""

MIN_SCHEMA_VERSION = 1
