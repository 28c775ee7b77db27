#!/bin/sh
# Install Doorstep on a Debian machine from this source tree (docs/deploy.md walks through it), as root:
#
#   deploy/install.sh --database-url postgresql+psycopg://doorstep@/doorstep --server-name doorstep.example.gov.vn
#
# It creates the service user, puts the code in /srv/doorstep/src and a virtual environment in /srv/doorstep/venv,
# writes /etc/doorstep/doorstep.env (mode 0600, once: an existing one is kept), the systemd units and timers, the
# nginx site, the logrotate file and the commands doorstep, doorstep-backup and doorstep-restore in /usr/local/sbin,
# migrates the database, and (on a machine that runs systemd) enables and starts everything and reloads nginx.
# Running it again upgrades: new code, same settings, migrations, restarts.
#
# --root DIR installs into DIR instead of / (DESTDIR style, for a test or a look): every path the files name is then
# under DIR too, so the tree runs where it is, and nothing is enabled or started.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src_tree=$(dirname "$here")
root=""
user=doorstep
venv=""
database_url=""
server_name=$(hostname -f 2>/dev/null || hostname)
cert=""
cert_key=""
app_port=8000
https_port=443
http_port=80
start=1

usage() {
    cat <<EOF
usage: install.sh [--root DIR] [--user NAME] [--venv DIR] [--database-url URL] [--server-name NAME]
                  [--cert FILE --cert-key FILE] [--app-port N] [--https-port N] [--http-port N] [--no-start]
  --root DIR          install under DIR instead of / (the paths inside the files too); implies --no-start
  --user NAME         the service user (default doorstep; created when missing, only with the root /)
  --venv DIR          use this virtual environment (with doorstep[pg,serve] installed) instead of building one
  --database-url URL  written in a new doorstep.env (default postgresql+psycopg://USER@/doorstep: peer auth)
  --server-name NAME  nginx's server_name (default: this machine's name)
  --cert, --cert-key  the TLS certificate and key (default Let's Encrypt's paths for the server name)
  --app-port N        gunicorn's port on 127.0.0.1 (default 8000)
  --no-start          install the files only: no systemctl, no nginx reload
EOF
}

while [ $# -gt 0 ]; do
    case "$1" in
        --root) root=$(cd "$2" && pwd); start=""; shift 2 ;;
        --user) user=$2; shift 2 ;;
        --venv) venv=$(cd "$2" && pwd); shift 2 ;;
        --database-url) database_url=$2; shift 2 ;;
        --server-name) server_name=$2; shift 2 ;;
        --cert) cert=$2; shift 2 ;;
        --cert-key) cert_key=$2; shift 2 ;;
        --app-port) app_port=$2; shift 2 ;;
        --https-port) https_port=$2; shift 2 ;;
        --http-port) http_port=$2; shift 2 ;;
        --no-start) start=""; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done
[ "$root" = "/" ] && root=""
database_url=${database_url:-postgresql+psycopg://$user@/doorstep}
cert=${cert:-/etc/letsencrypt/live/$server_name/fullchain.pem}
cert_key=${cert_key:-/etc/letsencrypt/live/$server_name/privkey.pem}
say() { printf '%s\n' "== $*"; }

if [ -z "$root" ] && [ "$(id -u)" != 0 ]; then
    echo "install.sh: chạy với quyền root / run it as root (or with --root DIR)." >&2
    exit 1
fi

# 1. The service user: a system account without a login shell, owning only what it writes.
if ! id -u "$user" >/dev/null 2>&1; then
    if [ -n "$root" ]; then
        echo "install.sh: no user $user; with --root, pass --user of an existing one." >&2
        exit 1
    fi
    say "creating the system user $user"
    useradd --system --user-group --home-dir /srv/doorstep --no-create-home --shell /usr/sbin/nologin "$user"
fi
group=$(id -gn "$user")

# 2. The folders. Only uploads, logs and backups are the service user's; the code and settings stay root's.
say "folders under ${root:-/}"
install -d -m 0755 "$root/srv/doorstep" "$root/etc/doorstep" "$root/etc/systemd/system" \
    "$root/etc/nginx/sites-available" "$root/etc/nginx/sites-enabled" "$root/etc/logrotate.d" \
    "$root/usr/local/sbin" "$root/usr/local/lib/doorstep" "$root/var/log" "$root/var/log/nginx"
install -d -m 0750 -o "$user" -g "$group" "$root/srv/doorstep/uploads" "$root/var/log/doorstep"
install -d -m 0700 -o "$user" -g "$group" "$root/var/backups/doorstep"

# 3. The code: a copy of this tree without its local state, replacing the previous one.
say "code in $root/srv/doorstep/src"
rm -rf "$root/srv/doorstep/src.new"
mkdir "$root/srv/doorstep/src.new"
tar -C "$src_tree" --exclude=./.venv --exclude=./.git --exclude=./instance --exclude='__pycache__' \
    --exclude=./docs/screenshots --exclude=./.pytest_cache -cf - . | tar -C "$root/srv/doorstep/src.new" -xf -
rm -rf "$root/srv/doorstep/src"
mv "$root/srv/doorstep/src.new" "$root/srv/doorstep/src"

# 4. The virtual environment: built from the copy, or the one given.
if [ -n "$venv" ]; then
    say "virtual environment: $venv"
    rm -rf "$root/srv/doorstep/venv"
    ln -s "$venv" "$root/srv/doorstep/venv"
else
    say "virtual environment in $root/srv/doorstep/venv (a few minutes)"
    [ -x "$root/srv/doorstep/venv/bin/pip" ] || python3 -m venv "$root/srv/doorstep/venv"
    "$root/srv/doorstep/venv/bin/pip" install --quiet --upgrade pip
    "$root/srv/doorstep/venv/bin/pip" install --quiet --upgrade "$root/srv/doorstep/src[pg,serve]"
fi

# Every template names its paths and ports with @WORDS@.
escape() { printf '%s' "$1" | sed -e 's/[|&\\]/\\&/g'; }
render() { # template destination mode
    sed -e "s|@ROOT@|$(escape "$root")|g" -e "s|@USER@|$(escape "$user")|g" -e "s|@GROUP@|$(escape "$group")|g" \
        -e "s|@APP_PORT@|$app_port|g" -e "s|@HTTPS_PORT@|$https_port|g" -e "s|@HTTP_PORT@|$http_port|g" \
        -e "s|@SERVER_NAME@|$(escape "$server_name")|g" -e "s|@CERT@|$(escape "$cert")|g" \
        -e "s|@CERT_KEY@|$(escape "$cert_key")|g" \
        -e "s|@DATABASE_URL@|$(escape "$database_url")|g" -e "s|@SECRET_KEY@|$(escape "${secret_key:-}")|g" \
        "$here/$1" > "$2.tmp"
    chmod "$3" "$2.tmp"
    mv "$2.tmp" "$2"
}

# 5. The settings: made once, with a key of this installation's own; never overwritten.
env_file="$root/etc/doorstep/doorstep.env"
if [ -e "$env_file" ]; then
    say "keeping $env_file"
else
    say "writing $env_file (mode 0600) with a new SECRET_KEY"
    secret_key=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
    (umask 077 && render doorstep.env.in "$env_file" 0600)
    secret_key=""
fi
chmod 0600 "$env_file"

# 6. The units, timers, gunicorn's settings, nginx's site, logrotate's file and the commands.
say "systemd units, nginx site, logrotate, commands"
for unit in doorstep.service doorstep-worker.service doorstep-refresh-stats.service doorstep-refresh-stats.timer \
            doorstep-purge.service doorstep-purge.timer doorstep-backup.service doorstep-backup.timer; do
    render "$unit" "$root/etc/systemd/system/$unit" 0644
done
render gunicorn.conf.py "$root/etc/doorstep/gunicorn.conf.py" 0644
render nginx-doorstep.conf "$root/etc/nginx/sites-available/doorstep" 0644
ln -sfn ../sites-available/doorstep "$root/etc/nginx/sites-enabled/doorstep"
render logrotate-doorstep "$root/etc/logrotate.d/doorstep" 0644
render doorstep-env.sh "$root/usr/local/lib/doorstep/doorstep-env.sh" 0644
for command in doorstep doorstep-backup doorstep-restore; do
    render "$command" "$root/usr/local/sbin/$command" 0755
done

# 7. The database: migrated as the service user, with the settings (it refuses, saying why, when they are wrong).
say "migrating the database"
"$root/usr/local/sbin/doorstep" upgrade

# 8. Running it: only on the machine itself, under systemd.
if [ -n "$start" ] && [ -d /run/systemd/system ]; then
    say "enabling and (re)starting the services and timers"
    systemctl daemon-reload
    systemctl enable --quiet doorstep.service doorstep-worker.service doorstep-refresh-stats.timer \
        doorstep-purge.timer doorstep-backup.timer
    systemctl restart doorstep.service doorstep-worker.service
    systemctl start doorstep-refresh-stats.timer doorstep-purge.timer doorstep-backup.timer
    if command -v nginx >/dev/null 2>&1; then
        nginx -t && systemctl reload nginx
    fi
fi
say "done: check it with 'doorstep config check' (docs/deploy.md)"
