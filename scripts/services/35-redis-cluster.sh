#!/usr/bin/env bash
# A three-node Redis Cluster on 127.0.0.1:7001-7003 (no replicas, nothing
# kept on disk), for goredisstore's cluster tests. Uses Debian's
# redis-server, like 30-redis.sh.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

ports=(7001 7002 7003)
dir=$(cache_dir)/redis-cluster

cluster_ok() {
	redis-cli -h 127.0.0.1 -p "${ports[0]}" cluster info 2>/dev/null | grep -q 'cluster_state:ok'
}

if ! cluster_ok; then
	apt_install redis-server
	# Start over: stop what is left of an earlier cluster and wipe its state.
	for p in "${ports[@]}"; do
		port_open 127.0.0.1 "$p" && redis-cli -h 127.0.0.1 -p "$p" shutdown nosave >/dev/null 2>&1 || true
	done
	for p in "${ports[@]}"; do
		for ((i = 0; i < 50; i++)); do port_open 127.0.0.1 "$p" || break; sleep 0.1; done
		rm -rf "${dir:?}/$p" && mkdir -p "$dir/$p"
		redis-server --daemonize yes --bind 127.0.0.1 --port "$p" --save '' --appendonly no \
			--cluster-enabled yes --cluster-config-file "$dir/$p/nodes.conf" \
			--dir "$dir/$p" --logfile "$dir/$p/redis.log"
	done
	for p in "${ports[@]}"; do wait_port 127.0.0.1 "$p" 30; done
	redis-cli --cluster create $(printf '127.0.0.1:%s ' "${ports[@]}") --cluster-replicas 0 --cluster-yes >/dev/null
	for ((i = 0; i < 100; i++)); do cluster_ok && break; sleep 0.1; done
	cluster_ok || { echo "redis cluster: not ok after creation" >&2; exit 1; }
fi
echo "redis cluster: 3 masters on 127.0.0.1:${ports[0]}-${ports[2]}"
