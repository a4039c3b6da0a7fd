#!/usr/bin/env bash
# One-time Cloudflare set-up (needs `wrangler login` or CLOUDFLARE_API_TOKEN + CLOUDFLARE_ACCOUNT_ID):
# creates the KV namespace and the R2 bucket, writes the KV id into wrangler.toml, uploads the
# frozen model and sets the ADMIN_TOKEN secret (read from $ADMIN_TOKEN, or prompted).
set -euo pipefail
source "$(dirname "$0")/wrangler-env.sh"
kv_out="$(wrangler kv namespace create REGISTRY)"
echo "$kv_out"
kv_id="$(grep -oE '[0-9a-f]{32}' <<<"$kv_out" | head -1)"
[[ -n "$kv_id" ]] || { echo "could not read the KV namespace id" >&2; exit 5; }
sed -i.bak -E "s/^id = \"[0-9a-f]{32}\"/id = \"$kv_id\"/" "$EDGE_DIR/wrangler.toml" && rm "$EDGE_DIR/wrangler.toml.bak"
wrangler r2 bucket create ptune-models
"$INFRA_DIR/upload-model.sh"
if [[ -n "${ADMIN_TOKEN:-}" ]]; then printf '%s' "$ADMIN_TOKEN" | wrangler secret put ADMIN_TOKEN; else wrangler secret put ADMIN_TOKEN; fi
echo "set-up done; deploy with infra/deploy.sh"
