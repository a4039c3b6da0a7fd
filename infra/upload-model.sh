#!/usr/bin/env bash
# Uploads the frozen model (llama2.c checkpoint + tokenizer) to the MODELS bucket under MODEL_PREFIX.
#   infra/upload-model.sh [--local [--persist-to DIR]]   (default: the real bucket)
# Model folder: $PT_ASSETS_DIR/stories260K (default ../shared/assets/stories260K).
set -euo pipefail
source "$(dirname "$0")/wrangler-env.sh"
MODEL_DIR="${PT_ASSETS_DIR:-$INFRA_DIR/../../shared/assets}/stories260K"
MODE=(--remote)
[[ "${1:-}" == "--local" ]] && MODE=("$@")
for file in stories260K.bin tok512.bin; do
  [[ -f "$MODEL_DIR/$file" ]] || { echo "missing $MODEL_DIR/$file" >&2; exit 4; }
  # When running wrangler with a relative persist dir, it is relative to apps/edge-api.
  wrangler r2 object put "ptune-models/models/stories260K/$file" --file "$MODEL_DIR/$file" "${MODE[@]}"
done
