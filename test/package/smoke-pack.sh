#!/usr/bin/env bash
# Packs the project (prepack builds dist/ and the Rego runtime), installs the tarball into a fresh project
# with its dependencies from the registry (the npm cache first, so CI does not fetch twice), and runs
# smoke.test.mjs there: the package as a user installs it.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/agentbus-pack-XXXXXX")"
trap 'rm -rf "$work"' EXIT

cd "$root"
tarball="$(npm pack --silent --pack-destination "$work" | tail -n 1)"
echo "packed $tarball ($(du -k "$work/$tarball" | cut -f1) KiB)"

mkdir "$work/app"
cd "$work/app"
printf '{ "name": "agentbus-smoke", "version": "1.0.0", "private": true, "type": "module" }\n' > package.json
# prom-client is an optional peer dependency, installed here to exercise agentbus/prometheus.
npm install --no-audit --no-fund --prefer-offline --loglevel=error "$work/$tarball" prom-client@^15.1.0
cp "$root/test/package/smoke.test.mjs" .
node --test --test-concurrency=1 smoke.test.mjs
