#!/bin/sh
# Temporal's schema in `temporal` and `temporal_visibility` (made by deploy/postgres), with the
# schema files of this admin-tools image, which matches the server image's version. Re-runs are
# harmless: setup-schema refuses an existing schema, update-schema applies only what is missing.
set -eu
dir=/etc/temporal/schema/postgresql/v12
tool() {
  temporal-sql-tool --plugin postgres12 --ep "$SQL_HOST" -p 5432 -u "$SQL_USER" "$@"
}
for pair in temporal:temporal temporal_visibility:visibility; do
  db=${pair%%:*}
  kind=${pair##*:}
  tool --db "$db" setup-schema -v 0.0 || echo "$db: schema already set up"
  tool --db "$db" update-schema -d "$dir/$kind/versioned"
done
