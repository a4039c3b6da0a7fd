#!/usr/bin/env bash
# Deploys the edge API (minified). `infra/deploy.sh --dry-run` bundles without uploading (CI) and
# prints the bundle size, raw and gzip, into infra/dist/.
set -euo pipefail
source "$(dirname "$0")/wrangler-env.sh"
if [[ "${1:-}" == "--dry-run" ]]; then
  out="$INFRA_DIR/dist"
  rm -rf "$out"
  wrangler deploy --dry-run --minify --outdir "$out" | grep -E 'Total Upload|error' || true
  for f in "$out"/*.js "$out"/*.wasm; do
    printf '%-60s %8d bytes, gzip %8d\n' "$(basename "$f")" "$(wc -c <"$f")" "$(gzip -9 -c "$f" | wc -c)"
  done
else
  wrangler deploy --minify "$@"
fi
