#!/usr/bin/env bash
# Uploads a frozen model to the MODELS bucket as models/{id}/: the files its manifest lists, then
# models/{id}/manifest.json (written by infra/model-manifest.mjs: fingerprint, sizes, sha256s),
# last, so that a listed model never lacks a file.
#   infra/upload-model.sh [--model NAME|DIR] [--id ID] [--local [--persist-to DIR]]   (default: the real bucket)
# Default model: stories260K from $PT_ASSETS_DIR/stories260K (default ../shared/assets/stories260K).
set -euo pipefail
source "$(dirname "$0")/wrangler-env.sh"
export PT_ASSETS_DIR="${PT_ASSETS_DIR:-$INFRA_DIR/../../shared/assets}"
MODEL=stories260K
ID=""
MODE=(--remote)
while [[ $# -gt 0 ]]; do
  case "$1" in
    --model) MODEL="$2"; shift 2 ;;
    --id) ID="$2"; shift 2 ;;
    --local) MODE=("$@"); break ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
[[ -d "$MODEL" ]] && MODEL_DIR="$(cd "$MODEL" && pwd)" || MODEL_DIR="$PT_ASSETS_DIR/$MODEL"
[[ -d "$MODEL_DIR" ]] || { echo "missing model folder $MODEL_DIR" >&2; exit 4; }
ID="${ID:-$(basename "$MODEL_DIR")}"
manifest="$(mktemp)"
trap 'rm -f "$manifest"' EXIT
node "$INFRA_DIR/model-manifest.mjs" "$MODEL_DIR" --id "$ID" --out "$manifest"
# When running wrangler with a relative persist dir, it is relative to apps/edge-api.
for file in $(node -e 'for (const f of JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).files) console.log(f.name)' "$manifest"); do
  wrangler r2 object put "ptune-models/models/$ID/$file" --file "$MODEL_DIR/$file" "${MODE[@]}"
done
wrangler r2 object put "ptune-models/models/$ID/manifest.json" --file "$manifest" --content-type application/json "${MODE[@]}"
