#!/bin/sh
# The namespace and ruji's search attributes (domain/search.py): operators filter cases by them
# in the Web UI, and workflows fail to upsert attributes that are not registered.
set -eu
until temporal operator cluster health --address "$TEMPORAL_ADDRESS" | grep -q SERVING; do
  echo "waiting for Temporal at $TEMPORAL_ADDRESS"; sleep 2
done
temporal operator namespace describe -n "$TEMPORAL_NAMESPACE" --address "$TEMPORAL_ADDRESS" \
  >/dev/null 2>&1 \
  || temporal operator namespace create -n "$TEMPORAL_NAMESPACE" --retention "$TEMPORAL_RETENTION" \
       --address "$TEMPORAL_ADDRESS"
for attr in RujiStatus=Keyword RujiRegion=Keyword RujiMajor=Keyword RujiLevel=Keyword \
            RujiPeriod=Keyword RujiSubmittedAt=Datetime RujiNeedsManualReview=Bool; do
  name=${attr%%=*}
  type=${attr##*=}
  if temporal operator search-attribute list -n "$TEMPORAL_NAMESPACE" \
       --address "$TEMPORAL_ADDRESS" | grep -qw "$name"; then
    echo "search attribute $name exists"
  else
    temporal operator search-attribute create -n "$TEMPORAL_NAMESPACE" \
      --address "$TEMPORAL_ADDRESS" --name "$name" --type "$type"
  fi
done
