#!/usr/bin/env bash
# Bootstraps LocalStack's account and deploys OrderEvents-<stage> with cdklocal; writes the stack
# outputs to .local/localstack-outputs.json for localstack/test.sh (and the integration suite).
set -euo pipefail
# shellcheck source=localstack/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT_DIR"
require_localstack

mkdir -p "$(dirname "$OUTPUTS_FILE")"
echo "bootstrapping aws://$ACCOUNT/$AWS_REGION"
cdklocal bootstrap "aws://$ACCOUNT/$AWS_REGION" -c "stage=$STAGE"

echo "deploying $STACK"
cdklocal deploy "$STACK" -c "stage=$STAGE" \
  --require-approval never \
  --outputs-file "$OUTPUTS_FILE" \
  "$@"
echo "outputs: $OUTPUTS_FILE"
