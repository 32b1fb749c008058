#!/usr/bin/env bash
# Deletes OrderEvents-<stage> from LocalStack (the container keeps running; see down.sh).
set -euo pipefail
# shellcheck source=localstack/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT_DIR"
require_localstack

cdklocal destroy "$STACK" -c "stage=$STAGE" --force
rm -f "$OUTPUTS_FILE"
