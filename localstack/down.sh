#!/usr/bin/env bash
# Stops LocalStack and removes its container and network. `down.sh --purge` also deletes its state
# directory (.local/localstack-volume). LocalStack stops the Lambda containers it started as it shuts down.
set -euo pipefail
# shellcheck source=localstack/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT_DIR"

compose down --remove-orphans
rm -f "$OUTPUTS_FILE"
if [ "${1:-}" = "--purge" ]; then
  # The container writes as root; on Linux the host user may not be allowed to delete its files.
  if ! rm -rf .local/localstack-volume 2>/dev/null; then
    echo "error: could not delete .local/localstack-volume (files owned by the container's root user);" >&2
    echo "  run: sudo rm -rf .local/localstack-volume" >&2
    exit 1
  fi
fi
