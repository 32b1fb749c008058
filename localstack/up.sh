#!/usr/bin/env bash
# Starts LocalStack (docker compose) and waits until the services this stack needs are ready.
set -euo pipefail
# shellcheck source=localstack/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT_DIR"

if [ -z "${LOCALSTACK_AUTH_TOKEN:-}" ]; then
  echo "error: LOCALSTACK_AUTH_TOKEN is not set." >&2
  echo "  The pinned LocalStack image does not start without one (see docs/local.md#localstack)." >&2
  exit 1
fi

mkdir -p .local/localstack-volume
compose up -d

# Services the stack deploys into; CloudFormation, S3, SSM and IAM come from cdk bootstrap/deploy.
required="cloudformation,s3,ssm,iam,sts,kms,sns,sqs,dynamodb,lambda,logs,cloudwatch"
timeout_s="${LOCALSTACK_WAIT_SECONDS:-180}"
deadline=$(( $(date +%s) + timeout_s ))
printf 'waiting for LocalStack health (up to %ss)' "$timeout_s"
while :; do
  if body=$(curl -fsS --max-time 5 "http://localhost:4566/_localstack/health" 2>/dev/null) &&
    REQUIRED="$required" node -e '
      const health = JSON.parse(process.argv[1]);
      const bad = process.env.REQUIRED.split(",").filter(
        (name) => !["available", "running"].includes(health.services?.[name]));
      process.exit(bad.length === 0 ? 0 : 1);
    ' "$body"; then
    printf '\nLocalStack %s is ready at %s\n' \
      "$(node -e 'console.log(JSON.parse(process.argv[1]).version ?? "")' "$body")" "$ENDPOINT"
    exit 0
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    printf '\nerror: LocalStack not ready after %ss (required: %s); health: %s\nlast logs:\n' \
      "$timeout_s" "$required" "${body:-none}" >&2
    compose logs --tail 40 >&2 || true
    exit 1
  fi
  printf '.'
  sleep 2
done
