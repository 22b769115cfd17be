#!/usr/bin/env bash
# cron.special.sh - pipelines in a throwaway cluster with pg_cron preloaded:
# a pipeline scheduled with cipred.schedule_pipeline is really run by the
# pg_cron scheduler (minute granularity: wait for it, at most 150 s), and an
# alert is received by a session that LISTENs on cipred_alerts.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib/common.sh

cipred_virtualenv -o "shared_preload_libraries=pg_cron" -o "cron.database_name=cipred_cron" \
	-o "cron.use_background_workers=on" -o "max_worker_processes=16" bash test/cluster/cron.special.body
