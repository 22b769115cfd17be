# common.sh - shared by demo.sh, run.sh and the cluster tests

# The PostgreSQL 15 installation we build against and test on.
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
export PGVERSION=15

# Build and install the extension into the server's directories.
cipred_build_install() {
	make -s PG_CONFIG="$PG_CONFIG" >/dev/null
	make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
}

# Record one test result: cipred_result pass|fail NAME
cipred_result() {
	echo "$1 $2" >> "${CIPRED_RESULTS:?}"
	if [ "$1" = pass ]; then echo "ok - $2"; else echo "not ok - $2"; fi
}

# psql with no user settings, stopping on the first error.
cipred_psql() {
	psql -X -q -v ON_ERROR_STOP=1 "$@"
}
