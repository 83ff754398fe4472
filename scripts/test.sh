#!/usr/bin/env bash
# Install everything the test suite needs on a fresh machine, start what must run, and run
# the whole suite. Extra arguments go to pytest: scripts/test.sh -k route -x
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

# System packages: the PostgreSQL server the storage tests run against, the Secret Service
# (gnome-keyring in a private D-Bus session) the credential tests run against, and the
# headless Chromium the HTML report is checked in.
missing=()
command -v pg_ctlcluster >/dev/null 2>&1 || missing+=(postgresql)
command -v pg_isready >/dev/null 2>&1 || missing+=(postgresql-client)
command -v dbus-daemon >/dev/null 2>&1 || missing+=(dbus dbus-x11)
command -v gnome-keyring-daemon >/dev/null 2>&1 || missing+=(gnome-keyring)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
# The benches' smoke test compares with the sqlite3 CLI and reads /usr/bin/time's peak RSS.
command -v sqlite3 >/dev/null 2>&1 || missing+=(sqlite3)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Python packages: the project and its test tools.
python3 -m pip install -q --disable-pip-version-check -e ".[test]"

# PostgreSQL on 127.0.0.1:5432, started if it is down.
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    for version in $(ls /etc/postgresql); do
        $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    done
    for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
# A fresh Debian cluster asks TCP clients for a password: the tests get a role of their own
# (allowed to create databases, nothing more) rather than the superuser.
if [ -z "${PERSONA_TEST_PG:-}" ] && ! psql -h 127.0.0.1 -U postgres -d postgres -w -qAtc 'select 1' >/dev/null 2>&1; then
    as_postgres="sudo -u postgres"; [ -z "$SUDO" ] && as_postgres="runuser -u postgres --"
    $as_postgres psql -qc "DO \$\$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'persona_test') THEN
            CREATE ROLE persona_test LOGIN CREATEDB PASSWORD 'persona-tests';
        END IF; END \$\$" >/dev/null
    export PERSONA_TEST_PG="postgresql://persona_test:persona-tests@127.0.0.1:5432/postgres"
fi

# One test process per core: the kill loops and real servers wait more than they compute.
# PERSONA_TEST_WORKERS=0 runs everything in this process (for -s, pdb and the like).
exec python3 -m pytest -n "${PERSONA_TEST_WORKERS:-auto}" "$@"
