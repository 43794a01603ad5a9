#!/bin/sh
# The uploads bucket (private) and ruji's own access key, limited to that bucket; the root
# credentials stay with the operators. Idempotent.
set -eu
mc alias set local http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD"
mc mb --ignore-existing "local/$RUJI_S3_BUCKET"
mc anonymous set none "local/$RUJI_S3_BUCKET"
sed "s/__BUCKET__/$RUJI_S3_BUCKET/g" /deploy/ruji-policy.json > /tmp/ruji-policy.json
mc admin policy create local ruji-objects /tmp/ruji-policy.json  # replaces an older version
mc admin user add local "$RUJI_S3_ACCESS_KEY" "$RUJI_S3_SECRET_KEY"
mc admin policy attach local ruji-objects --user "$RUJI_S3_ACCESS_KEY" \
  || echo "policy already attached"
