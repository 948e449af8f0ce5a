#!/usr/bin/env bash
# PostgreSQL on 127.0.0.1:5432, trust auth, database "test".
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

if ! port_open 127.0.0.1 5432; then
	apt_install postgresql postgresql-client
	ver=$(ls /etc/postgresql | sort -n | tail -1)
	hba=/etc/postgresql/$ver/main/pg_hba.conf
	if ! grep -q '^# scs-test' "$hba"; then
		{
			echo '# scs-test: trust loopback for the test suite'
			echo 'host all all 127.0.0.1/32 trust'
			echo 'host all all ::1/128 trust'
			cat "$hba"
		} >"$hba.new" && mv "$hba.new" "$hba"
	fi
	pg_ctlcluster --skip-systemctl-redirect "$ver" main start || pg_ctlcluster "$ver" main start
	wait_port 127.0.0.1 5432 30
fi
psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='test'" | grep -q 1 ||
	psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE test"
echo "postgres: $(psql -h 127.0.0.1 -U postgres -tAc 'SHOW server_version') on 127.0.0.1:5432"
