#!/bin/sh
# Creates the namespace and the search attributes the workflows set (VentureId, CampaignStatus, SequenceKey, ContactId).
set -eu
NS="${TEMPORAL_NAMESPACE:-default}"
until temporal operator cluster health --address "$TEMPORAL_ADDRESS" | grep -q SERVING; do sleep 1; done
temporal operator namespace describe -n "$NS" --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1 ||
  temporal operator namespace create -n "$NS" --retention 30d --address "$TEMPORAL_ADDRESS"
for attr in VentureId CampaignStatus SequenceKey ContactId; do
  temporal operator search-attribute create -n "$NS" --name "$attr" --type Keyword --address "$TEMPORAL_ADDRESS" || true
done
