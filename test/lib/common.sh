# common.sh - shared by demo.sh, run.sh and the cluster tests

# The PostgreSQL 15 installation we build against and test on.
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
export PGVERSION=15

# Where this checkout's build is installed for its throwaway clusters: a
# directory of its own (Debian's PostgreSQL loads extensions from it with
# extension_destdir), so that two checkouts can build and test side by side
# without one replacing the other's library.  Where the server has no
# extension_destdir, the build goes into the server's own directories.
export CIPRED_DESTDIR=${CIPRED_DESTDIR:-$PWD/.pginstall}
if grep -q extension_destdir "/usr/share/postgresql/$PGVERSION/postgresql.conf.sample" 2>/dev/null; then
	CIPRED_PGOPTS=(-o "extension_destdir=$CIPRED_DESTDIR")
else
	CIPRED_DESTDIR=
	CIPRED_PGOPTS=()
fi

# This run's scratch files, so that runs of two checkouts never share one
# (inherited by the scripts a run starts)
if [ -z "${CIPRED_TMP:-}" ]; then
	CIPRED_TMP=$(mktemp -d /tmp/cipred-run.XXXXXX)
	export CIPRED_TMP
fi

# Build and install the extension (into CIPRED_DESTDIR when it is set).
cipred_build_install() {
	make -s PG_CONFIG="$PG_CONFIG" >/dev/null
	if [ -n "$CIPRED_DESTDIR" ]; then
		make -s PG_CONFIG="$PG_CONFIG" install DESTDIR="$CIPRED_DESTDIR" >/dev/null
	else
		make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
	fi
}

# A throwaway cluster of our own that loads this checkout's build:
# cipred_virtualenv [pg_virtualenv options] command ...
cipred_virtualenv() {
	pg_virtualenv -t -v "$PGVERSION" "${CIPRED_PGOPTS[@]}" "$@"
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
