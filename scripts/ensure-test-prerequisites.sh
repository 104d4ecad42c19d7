#!/usr/bin/env bash
# What `npm test` needs beyond npm packages: Java 17+ (DynamoDB Local) and Debian's Chromium
# (browser tests). Checked every run (fast when present), installed with apt when missing.
set -euo pipefail
here="$(dirname "$0")"
bash "$here/ensure-java.sh"
bash "$here/ensure-chromium.sh"
