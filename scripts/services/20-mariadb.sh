#!/usr/bin/env bash
# MariaDB (for the MySQL stores) on 127.0.0.1:3306, root with an empty
# password, database "test".
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

if ! port_open 127.0.0.1 3306; then
	apt_install mariadb-server mariadb-client
	install -d -o mysql -g mysql /run/mysqld
	start-stop-daemon --start --oknodo --background --chuid mysql --exec /usr/sbin/mariadbd
	wait_port 127.0.0.1 3306 60
fi
if ! mariadb -h127.0.0.1 -uroot -e 'SELECT 1' >/dev/null 2>&1; then
	# Debian's root is unix-socket only: let it in over TCP without a password.
	mariadb -uroot -e "ALTER USER root@localhost IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket; FLUSH PRIVILEGES;"
fi
mariadb -h127.0.0.1 -uroot -e 'CREATE DATABASE IF NOT EXISTS test'
echo "mariadb: $(mariadb -h127.0.0.1 -uroot -N -e 'SELECT VERSION()') on 127.0.0.1:3306"
