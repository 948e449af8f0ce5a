#!/usr/bin/env bash
# Redis on 127.0.0.1:6379, nothing kept on disk.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

if ! port_open 127.0.0.1 6379; then
	apt_install redis-server
	install -d -o redis -g redis /var/lib/redis /var/log/redis 2>/dev/null || mkdir -p /var/lib/redis /var/log/redis
	redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no \
		--dir /var/lib/redis --logfile /var/log/redis/scs-test.log
	wait_port 127.0.0.1 6379 30
fi
echo "redis: $(redis-cli -h 127.0.0.1 INFO server | grep -o 'redis_version:[0-9.]*') on 127.0.0.1:6379"
