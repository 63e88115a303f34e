#!/usr/bin/env bash
# Set up a development/test environment from nothing: a virtualenv in .venv with
# Vidensnet installed (editable) and its test dependencies. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# The Python: $PYTHON when set, else the newest supported one found (deploy/python.sh says which and why).
. deploy/python.sh
if [ -n "${PYTHON:-}" ]; then
  if ! usable_python "$PYTHON"; then
    echo "PYTHON=$PYTHON: Vidensnet needs Python 3.11 or newer with venv and ensurepip" \
         "(found: $("$PYTHON" --version 2>&1)); on Debian: apt-get install python3-venv" >&2
    exit 1
  fi
elif ! PYTHON=$(newest_python); then
  echo "Vidensnet needs Python 3.11 or newer with venv and ensurepip (tried python3.${SUPPORTED_PYTHON_MINORS// /, python3.}," \
       "python3); on Debian: apt-get install python3 python3-venv" >&2
  exit 1
fi
# An existing .venv is kept, whatever Python made it: delete it to move to another one.
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $("$PYTHON" --version 2>&1) ($PYTHON)"
  "$PYTHON" -m venv .venv
fi
echo "==> installing Vidensnet and its dependencies into .venv"
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet --editable '.[test]'

# Search: the project's checked copy of Meilisearch 1.21, and Debian's Danish word list
# (hunspell-da) for splitting compound words. Both are skipped with a note when they
# cannot be installed here; search then runs degraded or without compound splitting.
bash deploy/install-meilisearch.sh || echo "Note: Meilisearch was not installed; search will run in degraded mode." >&2
if [ ! -f /usr/share/hunspell/da_DK.dic ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  if command -v apt-get >/dev/null && { [ -z "$sudo" ] || command -v sudo >/dev/null; }; then
    echo "==> installing Debian's Danish word list (hunspell-da) for compound words"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq hunspell-da >/dev/null \
      || echo "Note: hunspell-da was not installed; Danish compounds are split with the project's word list only." >&2
  fi
fi
