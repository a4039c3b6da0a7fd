#!/usr/bin/env bash
# One-time Cloudflare set-up of an environment (needs `wrangler login` or CLOUDFLARE_API_TOKEN +
# CLOUDFLARE_ACCOUNT_ID): `infra/setup.sh --env preview|production`. Creates the environment's KV
# namespace and writes its id into wrangler.toml (replacing the <ENV>_KV_NAMESPACE_ID placeholder),
# creates the R2 bucket if needed, uploads the frozen model and sets the ADMIN_TOKEN secret (read
# from $ADMIN_TOKEN, or prompted).
set -euo pipefail
source "$(dirname "$0")/wrangler-env.sh"
env_name=""
[[ "${1:-}" == "--env" && -n "${2:-}" ]] && env_name="$2"
[[ "$env_name" == "preview" || "$env_name" == "production" ]] || { echo "usage: infra/setup.sh --env preview|production" >&2; exit 2; }
placeholder="$(tr '[:lower:]' '[:upper:]' <<<"$env_name")_KV_NAMESPACE_ID"
grep -q "\"$placeholder\"" "$EDGE_DIR/wrangler.toml" || { echo "wrangler.toml has no $placeholder: $env_name is set up already" >&2; exit 5; }
kv_out="$(wrangler kv namespace create REGISTRY --env "$env_name")"
echo "$kv_out"
kv_id="$(grep -oE '[0-9a-f]{32}' <<<"$kv_out" | head -1)"
[[ -n "$kv_id" ]] || { echo "could not read the KV namespace id" >&2; exit 5; }
sed -i.bak "s/\"$placeholder\"/\"$kv_id\"/" "$EDGE_DIR/wrangler.toml" && rm "$EDGE_DIR/wrangler.toml.bak"
wrangler r2 bucket create ptune-models || echo "(bucket ptune-models exists: kept)"
"$INFRA_DIR/upload-model.sh"
if [[ -n "${ADMIN_TOKEN:-}" ]]; then printf '%s' "$ADMIN_TOKEN" | wrangler secret put ADMIN_TOKEN --env "$env_name"; else wrangler secret put ADMIN_TOKEN --env "$env_name"; fi
echo "set-up of $env_name done; deploy with infra/deploy.sh --env $env_name"
