"""python-for-android recipe: SQLCipher 4 as a shared library (libsqlcipher.so), with FTS5, over p4a's OpenSSL.

python-for-android has no SQLCipher recipe (checked against kivy/python-for-android master, May 2026): this local
recipe (buildozer.spec: p4a.local_recipes) builds it. NOT VERIFIED: this project's machines cannot download the
Android SDK/NDK, so it has never been run; see docs/android.md.
"""
from multiprocessing import cpu_count
from os.path import join

import sh
from pythonforandroid.logger import shprint
from pythonforandroid.recipe import Recipe
from pythonforandroid.util import current_directory


class LibSQLCipherRecipe(Recipe):
    # 4.6.1 (SQLite 3.46.1: FTS5's trigram tokenizer is there since 3.34) is the last release built with autoconf and
    # libtool, which the steps below drive; 4.7 and later build with autosetup (docs/android.md says what changes).
    # Stores are SQLCipher 4's format either way: the desktop's 4.12 opens what a tablet's 4.6.1 writes.
    version = "4.6.1"
    url = "https://github.com/sqlcipher/sqlcipher/archive/refs/tags/v{version}.tar.gz"
    depends = ["openssl"]
    built_libraries = {"libsqlcipher.so": ".libs"}

    def get_recipe_env(self, arch=None, with_flags_in_cc=True):
        env = super().get_recipe_env(arch, with_flags_in_cc)
        openssl = self.get_recipe("openssl", self.ctx)
        env["CFLAGS"] += (" -DSQLITE_HAS_CODEC -DSQLCIPHER_CRYPTO_OPENSSL -DSQLITE_ENABLE_FTS5"
                          " -DSQLITE_TEMP_STORE=2 -I" + join(openssl.get_build_dir(arch.arch), "include"))
        env["LDFLAGS"] += " -L" + openssl.get_build_dir(arch.arch) + " -lcrypto" + openssl.version
        return env

    def build_arch(self, arch):
        env = self.get_recipe_env(arch)
        with current_directory(self.get_build_dir(arch.arch)):
            shprint(sh.Command("./configure"), "--host=" + arch.command_prefix, "--disable-tcl",
                    "--enable-tempstore=yes", "--enable-shared", "--disable-static", _env=env)
            shprint(sh.make, "-j" + str(cpu_count()), "libsqlcipher.la", _env=env)


recipe = LibSQLCipherRecipe()
