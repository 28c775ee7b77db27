"""python-for-android recipe: the `sqlcipher3` DB-API module (PyPI sqlcipher3, the source of sqlcipher3-binary),
linked against libsqlcipher (the local recipe beside this one). The app imports `sqlcipher3.dbapi2`.

NOT VERIFIED: never built on this project's machines (no Android SDK/NDK here); see docs/android.md.
"""
from os.path import join

from pythonforandroid.recipe import PyProjectRecipe


class SQLCipher3Recipe(PyProjectRecipe):
    version = "0.6.4"
    url = "https://files.pythonhosted.org/packages/source/s/sqlcipher3/sqlcipher3-{version}.tar.gz"
    depends = ["libsqlcipher", "openssl", "setuptools"]
    site_packages_name = "sqlcipher3"

    def get_recipe_env(self, arch, **kwargs):
        env = super().get_recipe_env(arch, **kwargs)
        lib = self.get_recipe("libsqlcipher", self.ctx).get_build_dir(arch.arch)
        env["CFLAGS"] += " -DSQLITE_HAS_CODEC -I" + lib
        env["LDFLAGS"] += " -L" + join(lib, ".libs")
        env["LIBS"] = env.get("LIBS", "") + " -lsqlcipher"
        return env


recipe = SQLCipher3Recipe()
