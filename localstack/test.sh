#!/usr/bin/env bash
# Runs the integration suite against the stack deployed by localstack/deploy.sh.
set -euo pipefail
# shellcheck source=localstack/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT_DIR"
require_localstack

if [ ! -s "$OUTPUTS_FILE" ]; then
  echo "error: $OUTPUTS_FILE is missing; run localstack/deploy.sh first" >&2
  exit 1
fi

# LocalStack accepts any credentials; these keep the SDK from looking for a real profile.
# ORDER_EVENTS_STACK picks the stack's entry in the outputs file (it is keyed by stack name).
ORDER_EVENTS_TARGET=localstack \
  ORDER_EVENTS_OUTPUTS="$OUTPUTS_FILE" \
  ORDER_EVENTS_STACK="$STACK" \
  AWS_ENDPOINT_URL="$ENDPOINT" \
  AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}" \
  AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}" \
  npx --no-install vitest run --config test/integration/vitest.config.ts "$@"
