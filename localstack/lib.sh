# shellcheck shell=bash disable=SC2034  # the variables are used by the scripts that source it
# Shared settings for the localstack/*.sh scripts (sourced, not run).

# The repository root: every script works from there, wherever it is called from.
ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
COMPOSE_FILE="$ROOT_DIR/localstack/docker-compose.yml"
COMPOSE_PROJECT=order-events-localstack

# One stage name for deploy, test and destroy; the stack is OrderEvents-<stage>.
STAGE="${ORDER_EVENTS_STAGE:-dev}"
STACK="OrderEvents-$STAGE"

# LocalStack's default region and account; the outputs file is only valid for this pair.
export AWS_REGION="${AWS_REGION:-us-east-1}"
export AWS_DEFAULT_REGION="$AWS_REGION"
ACCOUNT=000000000000

# localhost.localstack.cloud resolves to 127.0.0.1; its subdomains (s3.…) make virtual-host S3 work.
ENDPOINT="${AWS_ENDPOINT_URL:-http://localhost.localstack.cloud:4566}"
OUTPUTS_FILE="${ORDER_EVENTS_OUTPUTS:-.local/localstack-outputs.json}"

# Run `docker compose` (v2 plugin) or fall back to the standalone docker-compose (v1).
compose() {
  if docker compose version >/dev/null 2>&1; then
    docker compose -p "$COMPOSE_PROJECT" -f "$COMPOSE_FILE" "$@"
  elif command -v docker-compose >/dev/null 2>&1; then
    docker-compose -p "$COMPOSE_PROJECT" -f "$COMPOSE_FILE" "$@"
  else
    echo "error: neither 'docker compose' nor 'docker-compose' is installed" >&2
    return 1
  fi
}

# cdklocal wraps the aws-cdk CLI pinned in package.json (node_modules/.bin), never a global one.
cdklocal() {
  AWS_ENDPOINT_URL="$ENDPOINT" \
    AWS_ENDPOINT_URL_S3="${AWS_ENDPOINT_URL_S3:-http://s3.localhost.localstack.cloud:4566}" \
    AWS_ENVAR_ALLOWLIST=AWS_REGION,AWS_DEFAULT_REGION \
    npx --no-install cdklocal "$@"
}

# Fails unless LocalStack answers its health endpoint.
require_localstack() {
  if ! curl -fsS --max-time 5 "http://localhost:4566/_localstack/health" >/dev/null 2>&1; then
    echo "error: LocalStack is not running on localhost:4566; run localstack/up.sh first" >&2
    return 1
  fi
}
