#!/usr/bin/env bash
# Consul on 127.0.0.1:8500: a dev agent (in-memory server, no ACLs). Consul
# is not in Debian, so it is built from source through the Go module proxy
# by the module in tools/consul, once, into the cache outside the clone.
# A cold build takes about 10 minutes on two cores.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

# v1.14.11: the newest Consul under the MPL 2.0 whose build needs no module
# from outside the proxy's allowed set (1.15 and later need consul/envoyextensions).
version=v1.14.11
tools=$(cd "$(dirname "$0")/../../tools/consul" && pwd)
bin="$(cache_dir)/consul-$version"

leader() {
	curl -fsS --max-time 2 http://127.0.0.1:8500/v1/status/leader 2>/dev/null | tr -d '"'
}

if ! port_open 127.0.0.1 8500; then
	command -v curl >/dev/null || apt_install curl ca-certificates
	if [ ! -x "$bin" ]; then
		echo "building consul $version into $bin (takes several minutes)"
		start=$SECONDS
		(cd "$tools" && go build -buildvcs=false -trimpath -ldflags='-s -w' -o "$bin.tmp" github.com/hashicorp/consul)
		mv "$bin.tmp" "$bin"
		echo "built consul $version in $((SECONDS - start))s"
	fi
	log="$(cache_dir)/consul.log"
	setsid -f "$bin" agent -dev -bind=127.0.0.1 -client=127.0.0.1 -log-level=warn >"$log" 2>&1 </dev/null
	if ! wait_port 127.0.0.1 8500 60; then
		tail -20 "$log" >&2
		exit 1
	fi
fi
command -v curl >/dev/null || apt_install curl ca-certificates
for ((i = 0; i < 300; i++)); do
	[ -n "$(leader)" ] && break
	sleep 0.1
done
if [ -z "$(leader)" ]; then
	echo "consul on 127.0.0.1:8500 has elected no leader after 30s" >&2
	exit 1
fi
version_running=$(curl -fsS http://127.0.0.1:8500/v1/agent/self | sed -n 's/^ *"Version": *"\([^"]*\)".*/\1/p' | head -1 || true)
echo "consul: ${version_running} on 127.0.0.1:8500"
