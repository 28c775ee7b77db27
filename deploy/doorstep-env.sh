# Shared by the kit's commands (sourced): the service's settings from the environment file, and the service user.
DOORSTEP_ENV_FILE=${DOORSTEP_ENV_FILE:-@ROOT@/etc/doorstep/doorstep.env}
DOORSTEP_USER=@USER@
DOORSTEP_VENV=@ROOT@/srv/doorstep/venv

# Export each KEY=value line of the file, as systemd's EnvironmentFile= reads it (no quotes, no expansion). The
# service user cannot read the file (0600, root): under a unit, systemd has set the variables already.
doorstep_load_env() {
    if [ ! -r "$DOORSTEP_ENV_FILE" ]; then
        [ -n "${DATABASE_URL:-}" ] && return 0
        echo "Không đọc được $DOORSTEP_ENV_FILE (cần quyền root). / Cannot read $DOORSTEP_ENV_FILE (run as root)." >&2
        exit 1
    fi
    while IFS= read -r line || [ -n "$line" ]; do
        case "$line" in
            ''|'#'*) ;;
            *=*) export "$line" ;;
        esac
    done < "$DOORSTEP_ENV_FILE"
}

# Run as the service user: root reads the file, then drops to it (peer authentication to PostgreSQL as that user;
# the environment goes along).
doorstep_as_user() {
    if [ "$(id -un)" = "$DOORSTEP_USER" ]; then
        "$@"
    else
        runuser -u "$DOORSTEP_USER" -- "$@"
    fi
}

# The libpq form of DATABASE_URL, for pg_dump and pg_restore (SQLAlchemy's names its driver: postgresql+psycopg).
doorstep_libpq_url() {
    printf '%s\n' "$DATABASE_URL" | sed -E 's#^postgres(ql)?\+[a-z0-9]+://#postgresql://#'
}
