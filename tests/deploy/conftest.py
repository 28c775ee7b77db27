"""The deploy kit's CI test (marked `deploy_kit`): `pytest -m deploy_kit` runs it alone."""


def pytest_configure(config):
    config.addinivalue_line("markers", "deploy_kit: the deploy kit installed into a temporary root, behind nginx")
