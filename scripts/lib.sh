# Shared helpers for the scripts in this folder; source it, do not run it.

# port_open HOST PORT: true when something listens there.
port_open() {
	(exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# wait_port HOST PORT SECONDS: wait until the port answers.
wait_port() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		port_open "$1" "$2" && return 0
		sleep 0.1
	done
	echo "nothing answers on $1:$2 after $3s" >&2
	return 1
}

# apt_install PKG...: install Debian packages that are missing.
apt_install() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "installing ${missing[*]}"
	if [ -z "${SCS_APT_UPDATED:-}" ]; then
		apt-get update -qq
		export SCS_APT_UPDATED=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# cache_dir: where built engines are kept between runs, outside the clone.
cache_dir() {
	local d="${SCS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/scs-test}"
	mkdir -p "$d"
	echo "$d"
}
