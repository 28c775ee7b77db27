"""Stage the APK's sources and bake the province's server into them: the config step of the Android build.

    python3 android/stage.py [--spec buildozer.spec] [--out build/android-src]

It copies fieldapp/ and shared/ into the staging folder (buildozer.spec's source.dir), writes main.py, and writes
fieldapp/site.json from buildozer.spec's [doorstep] section (fieldapp/setup.py reads it on the tablet):
- server: the HTTPS address of the province's Doorstep server (may be empty: the tablet then asks at its first
  start, by the dashboard's QR code or typed); never a loopback address, which no tablet can reach;
- ca_bundle: a PEM file of the CA certificates the province's server certificate chains to, copied in as
  fieldapp/site-ca.pem; the tablet then trusts these instead of the public CAs;
- cert_sha256: the SHA-256 fingerprint of the server's own certificate (a self-signed one, say), checked on every
  connection instead of any CA.
The environment overrides the file (DOORSTEP_SERVER, DOORSTEP_CA_BUNDLE, DOORSTEP_CERT_SHA256), for a CI job that
builds one APK per province. Everything is checked before anything is written; a refusal exits with status 2 and
says why. Relative paths are taken from the spec's folder.
"""
import argparse
import configparser
import ipaddress
import json
import os
import shutil
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shared import pairing  # noqa: E402

SECTION = "doorstep"
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "site.json", "site-ca.pem")


class Refused(Exception):
    """The [doorstep] settings cannot make a working APK."""


def settings(spec: Path, env=os.environ, allow_loopback: bool = False) -> dict:
    """The checked {server, pin, ca_bundle (a Path or None)} of `spec`'s [doorstep] section and the environment."""
    parser = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=None)
    parser.read(spec, encoding="utf-8")
    section = parser[SECTION] if parser.has_section(SECTION) else {}
    server = (env.get("DOORSTEP_SERVER") or section.get("server", "")).strip()
    bundle = (env.get("DOORSTEP_CA_BUNDLE") or section.get("ca_bundle", "")).strip()
    pin = (env.get("DOORSTEP_CERT_SHA256") or section.get("cert_sha256", "")).strip()
    out = {"server": None, "pin": None, "ca_bundle": None}
    if server:
        try:
            out["server"] = pairing.server_address(server)
        except ValueError:
            raise Refused(f"server = {server!r} is not an http(s) address") from None
        host = urlsplit(out["server"]).hostname
        if not allow_loopback and (host == "localhost" or _is_loopback(host)):
            raise Refused(f"server = {server!r} is this computer: no tablet can reach it")
    try:
        out["pin"] = pairing.pin(pin)
    except ValueError:
        raise Refused("cert_sha256 is not a SHA-256 fingerprint (64 hex digits, colons allowed)") from None
    if bundle:
        path = (spec.parent / bundle).resolve()
        if not path.is_file():
            raise Refused(f"ca_bundle = {bundle!r}: no such file")
        if b"-----BEGIN CERTIFICATE-----" not in path.read_bytes():
            raise Refused(f"ca_bundle = {bundle!r} holds no PEM certificate")
        out["ca_bundle"] = path
    if (out["pin"] or out["ca_bundle"]) and not (out["server"] or "").startswith("https://"):
        raise Refused("a CA bundle or a pinned certificate needs an https:// server")
    return out


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def stage(spec: Path, out: Path, env=os.environ, allow_loopback: bool = False) -> dict:
    """Check the settings, then copy the sources into `out` and bake them in; returns the site.json written.
    `allow_loopback` lets a test bake a server on this computer (a tablet could never reach it)."""
    found = settings(spec, env, allow_loopback)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for package in ("fieldapp", "shared"):
        shutil.copytree(ROOT / package, out / package, ignore=IGNORE)
    (out / "main.py").write_text("from fieldapp.app import main\nmain()\n", encoding="utf-8")
    site = {"server": found["server"], "pin": found["pin"], "ca_file": None}
    if found["ca_bundle"]:
        shutil.copyfile(found["ca_bundle"], out / "fieldapp" / "site-ca.pem")
        site["ca_file"] = "site-ca.pem"
    (out / "fieldapp" / "site.json").write_text(json.dumps(site, indent=1) + "\n", encoding="utf-8")
    return site


def main(argv=None) -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--spec", type=Path, default=ROOT / "buildozer.spec")
    args.add_argument("--out", type=Path, default=ROOT / "build" / "android-src")
    opts = args.parse_args(argv)
    try:
        site = stage(opts.spec.resolve(), opts.out.resolve())
    except Refused as why:
        print(f"stage.py: refused: {why}", file=sys.stderr)
        return 2
    print(f"staged {opts.out}: server {site['server'] or '(asked on the tablet)'}"
          f"{', CA bundle' if site['ca_file'] else ''}{', pinned certificate' if site['pin'] else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
