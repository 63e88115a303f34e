#!/usr/bin/env bash
# Set everything up and run a demo node on 127.0.0.1 with the demo corpus.
# The node's data lives in var/demo/; delete that folder to start over.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/setup.sh

HOME_DIR=var/demo/aarhus
PORT=${VIDENSNET_DEMO_PORT:-8080}
VN=(.venv/bin/vidensnet --home "$HOME_DIR")
DEMO_PASSWORD=vidensnet-demo

if [ ! -f "$HOME_DIR/node.json" ]; then
  "${VN[@]}" init --name "Aarhus Kommune" --kind municipality --municipality 0751 \
    --url "http://127.0.0.1:$PORT"
  for user in admin:admin redaktoer:publisher laeser:reader; do
    echo "$DEMO_PASSWORD" | "${VN[@]}" user add "${user%%:*}" --role "${user##*:}" --password-stdin
  done
fi
for file in node/demo/*.jsonl; do
  "${VN[@]}" import "$file"
done

cat <<MSG

Vidensnet demo: http://127.0.0.1:$PORT/
Log ind som admin, redaktoer (udgiver) eller laeser (læser); adgangskode: $DEMO_PASSWORD
Stop med Ctrl+C.

MSG
exec "${VN[@]}" run --host 127.0.0.1 --port "$PORT"
