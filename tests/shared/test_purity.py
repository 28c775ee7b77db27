"""shared/ is pure Python: it imports neither flask, kivy nor sqlalchemy."""
import ast
import pathlib

FORBIDDEN = {"flask", "kivy", "sqlalchemy", "flask_smorest", "flask_sqlalchemy", "server", "fieldapp"}


def test_shared_imports_no_framework():
    root = pathlib.Path(__file__).resolve().parents[2] / "shared"
    found = set()
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    assert found & FORBIDDEN == set()
