# lib.sh - shared by the benchmark scripts
RUNS=${CIPRED_BENCH_RUNS:-5}

# median wall time (ms) of RUNS executions of a query, after one warm-up;
# each run's session loads the cipred library before the clock starts (the
# first call in a new session would otherwise time dlopen and OpenBLAS's
# start-up, about 15 ms):
# median_ms DB SETTINGS QUERY
median_ms() {
	local db=$1 settings=$2 query=$3
	psql -X -q -At -d "$db" -c "$settings" -c "$query" >/dev/null
	for _ in $(seq 1 "$RUNS"); do
		psql -X -q -At -d "$db" -c "LOAD 'cipred'" -c "$settings" -c '\timing on' -c "$query" |
			sed -n -E 's/^Time: ([0-9.]+) ms.*/\1/p'
	done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

# wall time (ms) of one execution of a long query (no warm-up; the session
# loads the library first): once_ms DB SETTINGS QUERY
once_ms() {
	psql -X -q -At -d "$1" -c "LOAD 'cipred'" -c "$2" -c '\timing on' -c "$3" |
		sed -n -E 's/^Time: ([0-9.]+) ms.*/\1/p'
}

# a / b
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN{print a/b}'
}
