# Sourced by the infra scripts: telemetry off, and wrangler run from the Worker's folder.
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_HIDE_BANNER=true
INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
EDGE_DIR="$INFRA_DIR/../apps/edge-api"
wrangler() { (cd "$EDGE_DIR" && node ../../node_modules/wrangler/bin/wrangler.js "$@"); }
