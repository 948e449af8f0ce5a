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

# module_services MODULE: the engines MODULE's tests need, as the names of
# their scripts in services/ without number and .sh ("postgres" runs
# services/10-postgres.sh), separated by spaces. This is the one place that
# says which module needs which engine: a module that needs one gets a line
# here, keyed by its folder; a module not listed needs none.
module_services() {
	local m=${1#./}
	case ${m%/} in
	postgresstore | pgxstore | cockroachdbstore) echo postgres ;;
	mysqlstore) echo mariadb ;;
	bunstore | gormstore) echo postgres mariadb ;;
	redisstore) echo redis ;;
	otelscs) echo redis ;;
	goredisstore) echo redis redis-cluster ;;
	etcdstore) echo etcd ;;
	consulstore) echo consul ;;
	mongodbstore) echo ferretdb ;;
	firestore) echo firestore ;;
	compat) echo postgres mariadb redis ;;
	bench) echo postgres mariadb redis ;;
	faults) echo postgres redis ;; # their programs; it runs private servers
	examples/webapp) echo postgres redis chromium ;;
	esac
}

# all_modules [DIR]: the folder of every Go module under DIR (default .),
# relative to it, sorted; "." is the core. tools/ modules only build test
# engines and are left out, as are modules under testdata/ and node_modules/.
all_modules() {
	(cd "${1:-.}" && find . -name go.mod -not -path './tools/*' -not -path '*/testdata/*' -not -path '*/node_modules/*' -printf '%h\n' |
		sed 's|^\./||' | sort)
}

# published MODULE: true for a module that scripts/release.sh releases. Every
# module is published except these, which exist only for this repository's
# own tests, benchmarks and examples; a new module of that kind gets added
# here (and to the list in the README's Versioning section).
published() {
	case $1 in
	bench | compat | releasetest | faults | examples | examples/* | badgerstore/migratev1 | tools/* | */testdata/*) return 1 ;;
	esac
}

# published_modules [DIR]: the folders of the published modules under DIR.
published_modules() {
	local m
	for m in $(all_modules "${1:-.}"); do
		if published "$m"; then echo "$m"; fi
	done
}
