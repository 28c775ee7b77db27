"""The Alembic migrations build, from an empty database, exactly the schema the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from server.extensions import db
from tests.conftest import make_app


def test_upgrade_from_empty_matches_the_models(database_url):
    app = make_app(database_url)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        db.engine.dispose()
    assert diff == []
