#!/usr/bin/env bash
# etcd on 127.0.0.1:2379 (peer URL 127.0.0.1:2380), a one-member cluster whose
# data is thrown away on each start. Debian's etcd-server package (3.4) is
# used; its init script is not (policy-rc.d or no systemd keeps it from
# starting), so etcd is started here in the background. Log: etcd.log in the
# cache dir.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

etcd_version() {
	curl -fsS --max-time 5 http://127.0.0.1:2379/version 2>/dev/null |
		grep -o '"etcdserver":"[^"]*"' | cut -d'"' -f4
}

if ! port_open 127.0.0.1 2379; then
	apt_install etcd-server curl
fi
# The package's own start (where a init system allows it) may have taken the
# port meanwhile; use that etcd then.
if ! port_open 127.0.0.1 2379; then
	bin=/usr/bin/etcd
	[ -x "$bin" ] || bin=$(command -v etcd)
	dir=$(cache_dir)/etcd
	rm -rf "$dir/data"
	mkdir -p "$dir"
	# setsid + nohup: etcd outlives this script and the shell that ran it.
	setsid nohup "$bin" \
		--name scs-test \
		--data-dir "$dir/data" \
		--listen-client-urls http://127.0.0.1:2379 \
		--advertise-client-urls http://127.0.0.1:2379 \
		--listen-peer-urls http://127.0.0.1:2380 \
		--initial-advertise-peer-urls http://127.0.0.1:2380 \
		--initial-cluster scs-test=http://127.0.0.1:2380 \
		--initial-cluster-state new \
		--logger zap --log-outputs stderr \
		</dev/null >"$dir/etcd.log" 2>&1 &
	wait_port 127.0.0.1 2379 30
	# The port opens a moment before the member is ready to serve.
	for ((i = 0; i < 100; i++)); do
		[ -n "$(etcd_version)" ] && break
		sleep 0.1
	done
fi
v=$(etcd_version)
if [ -z "$v" ]; then
	echo "etcd: 127.0.0.1:2379 answers but /version does not; log: $(cache_dir)/etcd/etcd.log" >&2
	exit 1
fi
echo "etcd: $v on 127.0.0.1:2379"
