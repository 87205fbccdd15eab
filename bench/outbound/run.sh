#!/usr/bin/env bash
# Outbound throughput: the queue worker delivering to Postfix's smtp-sink (plain) and to a
# STARTTLS peer on loopback. Needs PostgreSQL (HOSTEDMAIL_TEST_PG, as script/test sets it) and
# the Debian package postfix (for smtp-sink). Usage: bench/outbound/run.sh [messages]
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${HOSTEDMAIL_TEST_PG:?set HOSTEDMAIL_TEST_PG to a PostgreSQL the tests may create databases in}"
export HOSTEDMAIL_BENCH_MESSAGES="${1:-2000}"
CONFIG="${CONFIG:-Release}"
dotnet build tests/HostedMail.IntegrationTests -c "$CONFIG" -v q
dotnet test tests/HostedMail.IntegrationTests -c "$CONFIG" --no-build \
  --filter "FullyQualifiedName~OutboundThroughputTests" --logger "console;verbosity=detailed" 2>&1 \
  | grep -vE "^\{" | grep -E "outbound to|Passed |Failed "
