#!/usr/bin/env bash
# Deploys the edge API (minified): `infra/deploy.sh [--env preview|production] [wrangler deploy flags]`.
# `infra/deploy.sh --dry-run [--env NAME]` bundles without uploading (CI runs it) and prints the
# bundle size, raw and gzip; the bundle goes to $DRY_RUN_OUT (default infra/dist/).
set -euo pipefail
source "$(dirname "$0")/wrangler-env.sh"
if [[ "${1:-}" == "--dry-run" ]]; then
  shift
  out="${DRY_RUN_OUT:-$INFRA_DIR/dist}"
  rm -rf "$out"
  wrangler deploy --dry-run --minify --outdir "$out" "$@"
  for f in "$out"/*.js "$out"/*.wasm; do
    printf '%-60s %8d bytes, gzip %8d\n' "$(basename "$f")" "$(wc -c <"$f")" "$(gzip -9 -c "$f" | wc -c)"
  done
else
  wrangler deploy --minify "$@"
fi
