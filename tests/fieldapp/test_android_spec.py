"""The APK holds what the app imports: every module fieldapp/ and shared/ import (and, among third-party packages,
what those need in turn) maps to a requirement of buildozer.spec that python-for-android can build: one of its
recipes at the pinned branch, a local recipe in android/recipes, or a pure-Python package. And the SQLite that the
SQLCipher recipe builds has FTS5 with the trigram tokenizer, which the households' search index needs.

Terms:
- P4A_RECIPES: the recipes of kivy/python-for-android at p4a.branch (v2026.05.09) that the spec names, read there
  (pythonforandroid/recipes/<name>); its python3 recipe depends on sqlite3, openssl and libffi by default, and
  builds _sqlite3, _ssl and _ctypes over them;
- STDLIB_NEEDS: the standard library's modules that exist on Android only over a recipe (python3's docstring);
- a recipe brings its own dependencies (kivy's, cryptography's), so the walk stops at one.
"""
import ast
import configparser
import importlib.metadata as metadata
import re
import sys
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
P4A_RECIPES = {"python3", "kivy", "openssl", "sqlite3", "libffi", "cryptography", "pyjnius", "android"}
STDLIB_NEEDS = {"sqlite3": "sqlite3", "_sqlite3": "sqlite3", "ssl": "openssl", "_ssl": "openssl",
                "hashlib": "openssl", "ctypes": "libffi", "bz2": "libbz2", "lzma": "liblzma"}
# Imported only on the tablet (python-for-android's own modules), so not installed here.
ANDROID_ONLY = {"jnius": "pyjnius", "android": "android"}
# A desktop wheel that is not what the APK gets: the requirement that takes its place there.
REPLACED = {"sqlcipher3-binary": "sqlcipher3", "kivy": "kivy"}
# Installed here as a compiled wheel, but published as a py3-none-any wheel too, which is what p4a installs.
PURE_ON_PYPI = {"charset-normalizer"}
# What the Android target's markers evaluate to (p4a's python3 is 3.14; sys.platform is "android" since 3.13).
ANDROID = {**default_environment(), "sys_platform": "android", "platform_system": "Android",
           "python_version": "3.14", "python_full_version": "3.14.2", "platform_machine": "aarch64", "extra": ""}


def spec_requirements() -> set[str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "buildozer.spec", encoding="utf-8")
    return {re.split(r"[=<>!]", r.strip())[0].lower() for r in parser["app"]["requirements"].split(",") if r.strip()}


def top_imports(files) -> dict[str, set[str]]:
    """{top-level module: files importing it} over `files`, imports inside functions included; relative ones not."""
    found: dict[str, set[str]] = {}
    for path in files:
        try:
            tree = ast.parse(Path(path).read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, OSError):
            continue  # a py2-only example file of a package: never imported
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else []
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(str(path))
    return found


def app_files():
    return [p for folder in ("fieldapp", "shared") for p in (ROOT / folder).rglob("*.py")]


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def local_recipes() -> set[str]:
    return {p.name for p in (ROOT / "android" / "recipes").iterdir() if (p / "__init__.py").exists()}


def distribution_of(module: str) -> str:
    dists = metadata.packages_distributions().get(module)
    assert dists, f"{module} is imported by the app but installed by no distribution here"
    return norm(dists[0])


def is_pure(dist: str) -> bool:
    wheel = metadata.distribution(dist).read_text("WHEEL") or ""
    return "Root-Is-Purelib: true" in wheel or dist in PURE_ON_PYPI


def needed() -> dict[str, str]:
    """{requirement: why} for everything the app imports, walked through the third-party packages' needs."""
    imports = top_imports(app_files())
    own = {"fieldapp", "shared"}
    need: dict[str, str] = {"python3": "the interpreter"}
    pure: list[str] = []
    for module, where in sorted(imports.items()):
        why = f"{module} (imported by {sorted(Path(w).relative_to(ROOT).as_posix() for w in where)[0]})"
        if module in own:
            continue
        if module in STDLIB_NEEDS:
            need[STDLIB_NEEDS[module]] = why
        elif module in sys.stdlib_module_names:
            continue
        elif module in ANDROID_ONLY:
            need[ANDROID_ONLY[module]] = why
        else:
            dist = distribution_of(module)
            need[REPLACED.get(dist, dist)] = why
            if dist not in REPLACED and REPLACED.get(dist, dist) not in P4A_RECIPES | local_recipes():
                pure.append(dist)
    seen = set()
    while pure:  # a pure package's own needs: its requirements for Android, and the C modules its code imports
        dist = pure.pop()
        if dist in seen:
            continue
        seen.add(dist)
        for line in metadata.distribution(dist).requires or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate(ANDROID):
                need.setdefault(norm(req.name), f"{dist} requires it")
                if norm(req.name) not in P4A_RECIPES | local_recipes():
                    pure.append(norm(req.name))
        files = [f.locate() for f in metadata.distribution(dist).files or [] if str(f).endswith(".py")]
        for module in top_imports(files):
            if module in STDLIB_NEEDS:
                need.setdefault(STDLIB_NEEDS[module], f"{dist} imports {module}")
    return need


def test_every_module_the_app_imports_is_a_requirement_of_the_spec():
    need, have = needed(), spec_requirements()
    missing = {req: why for req, why in need.items() if req not in have}
    assert not missing, f"add to buildozer.spec requirements: {missing}"
    # The ones this issue is about: the stdlib's sqlite3 (plain stores), the encrypted store, TLS, the scanner.
    assert {"sqlite3", "sqlcipher3", "openssl", "cryptography", "pyjnius", "android",
            "certifi", "urllib3", "idna", "charset-normalizer"} <= set(need)


def test_every_requirement_can_be_built_a_recipe_a_local_recipe_or_a_pure_package():
    local = local_recipes()
    for req in spec_requirements():
        if req in P4A_RECIPES or req in local:
            continue
        assert is_pure(req), f"{req} is neither a python-for-android recipe nor a pure-Python package"
    assert {"libsqlcipher", "sqlcipher3"} <= local


def test_the_spec_names_nothing_the_app_does_not_need():
    # libsqlcipher comes in through sqlcipher3's recipe; python3 and openssl are named by the app's own imports.
    assert spec_requirements() - set(needed()) - {"libsqlcipher"} == set()


# --- FTS5 and the trigram tokenizer in the SQLite the recipe builds ------------------------------------------------
SQLCIPHER_BASELINE = {"4.6.0": "3.45.3", "4.6.1": "3.46.1", "4.7.0": "3.49.1", "4.9.0": "3.49.2", "4.12.0": "3.51.1"}
"""The SQLite each SQLCipher release is built on: its CHANGELOG and VERSION file (sqlcipher/sqlcipher), and for 4.12.0
the desktop wheel (sqlcipher3-binary: `PRAGMA cipher_version` 4.12.0, `sqlite_version()` 3.51.1), checked below."""
TRIGRAM_SINCE = (3, 34, 0)  # SQLite 3.34.0 (2020-12-01) added FTS5's trigram tokenizer


def recipe_text(name):
    return (ROOT / "android" / "recipes" / name / "__init__.py").read_text(encoding="utf-8")


def recipe_version(name) -> str:
    for node in ast.walk(ast.parse(recipe_text(name))):
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["version"]:
            return node.value.value
    raise AssertionError(f"no version in the {name} recipe")


def test_the_sqlcipher_recipe_enables_fts5_on_a_sqlite_with_the_trigram_tokenizer():
    source = recipe_text("libsqlcipher")
    assert "-DSQLITE_ENABLE_FTS5" in source or "--enable-fts5" in source
    assert "-DSQLITE_HAS_CODEC" in source and "SQLCIPHER_CRYPTO_OPENSSL" in source
    version = recipe_version("libsqlcipher")
    assert version in SQLCIPHER_BASELINE, f"SQLCipher {version}: add the SQLite it is built on"
    assert tuple(map(int, SQLCIPHER_BASELINE[version].split("."))) >= TRIGRAM_SINCE


def test_the_desktop_sqlcipher_confirms_the_baseline_and_its_trigram_search():
    from fieldapp.store import cipher
    conn = cipher.driver().connect(":memory:")
    cipher_version = conn.execute("PRAGMA cipher_version").fetchone()[0].split()[0]
    sqlite_version = conn.execute("SELECT sqlite_version()").fetchone()[0]
    assert SQLCIPHER_BASELINE[cipher_version] == sqlite_version
    assert "ENABLE_FTS5" in {r[0] for r in conn.execute("PRAGMA compile_options")}
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(search, tokenize = 'trigram')")
    conn.execute("INSERT INTO t VALUES ('nguyen van anh so 12 le loi')")
    assert conn.execute("SELECT count(*) FROM t WHERE t MATCH '\"van a\"'").fetchone()[0] == 1
    conn.close()
