#!/bin/sh
# First start of the Postgres volume only (docker-entrypoint-initdb.d): one role per user of
# the server, passwords from the environment (.env). The read model's tables are made by
# `ruji db upgrade` (Alembic), Temporal's by the temporal-schema job.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v ruji_pw="$RUJI_DB_PASSWORD" -v temporal_pw="$TEMPORAL_DB_PASSWORD" <<'SQL'
CREATE ROLE ruji LOGIN PASSWORD :'ruji_pw';
CREATE DATABASE ruji OWNER ruji;
CREATE ROLE temporal LOGIN PASSWORD :'temporal_pw';
CREATE DATABASE temporal OWNER temporal;
CREATE DATABASE temporal_visibility OWNER temporal;
SQL
