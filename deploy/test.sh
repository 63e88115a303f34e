#!/usr/bin/env bash
# Set everything up and run the whole test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/setup.sh
. deploy/python.sh

# The tests start their own throwaway PostgreSQL server; it comes from Debian's packages.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "==> installing PostgreSQL from Debian's packages (for the PostgreSQL tests)"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
fi

# The OpenID Connect tests log in through npm's oidc-provider (a certified OpenID provider), which needs
# Node.js 20 or newer: Node.js and npm come from Debian's packages, and where those are older (bookworm has
# 18) Node.js 22 from the npm registry goes into the provider's folder (tests/helpers/openid_provider.py).
provider=tests/helpers/oidc_provider
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "==> installing Node.js and npm from Debian's packages (for the OpenID Connect tests)"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nodejs npm >/dev/null
fi
if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ] && [ ! -x "$provider/runtime/node_modules/.bin/node" ]; then
  echo "==> installing Node.js 22 from the npm registry into $provider/runtime (for the OpenID Connect tests)"
  npm install --prefix "$provider/runtime" --no-save --no-audit --no-fund --silent node@22
fi
if [ ! -d "$provider/node_modules/oidc-provider" ] \
    || [ "$provider/package-lock.json" -nt "$provider/node_modules/.package-lock.json" ]; then
  echo "==> installing oidc-provider from npm into $provider (for the OpenID Connect tests)"
  npm ci --prefix "$provider" --no-audit --no-fund --silent
fi

# The SAML tests' identity provider: SimpleSAMLphp from Debian's packages, served by PHP's own server (the
# package pulls in apache2, which the tests never start; php-xml and php-mbstring it needs but does not pull in).
if ! { command -v php >/dev/null && [ -d /usr/share/simplesamlphp/www ] && php -m | grep -qx xml \
       && php -m | grep -qx mbstring; }; then
  echo "==> installing SimpleSAMLphp from Debian's packages (for the SAML login tests)"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq simplesamlphp php-xml php-mbstring php-cli >/dev/null
fi

# The nginx site's syntax check (tests/deploy/nginx/) and the production-shaped tests, which run that site in
# front of the node (tests/helpers/nginx.py), need an nginx binary. Debian's package would start a server on
# port 80 when installed, so only its files are unpacked, into var/nginx/; the tests start it themselves.
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ] && [ ! -x var/nginx/usr/sbin/nginx ]; then
  echo "==> unpacking Debian's nginx into var/nginx (for the nginx site's syntax check)"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  download=$(mktemp -d) && chmod 755 "$download"  # apt downloads as _apt
  (cd "$download" && apt-get download -qq nginx) && dpkg-deb -x "$download"/nginx_*.deb var/nginx
  rm -rf "$download"
fi

# The browser tests (tests/browser/) open every page in Debian's Chromium, driven by Playwright (in the test
# extra), and check it with axe-core from npm (pinned in tests/helpers/axe/package-lock.json).
if ! command -v chromium >/dev/null; then
  echo "==> installing Chromium from Debian's packages (for the browser tests)"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
axe=tests/helpers/axe
if [ ! -f "$axe/node_modules/axe-core/axe.min.js" ] \
    || [ "$axe/package-lock.json" -nt "$axe/node_modules/.package-lock.json" ]; then
  echo "==> installing axe-core from npm into $axe (for the browser tests)"
  npm ci --prefix "$axe" --no-audit --no-fund --silent
fi

# The whole suite, on the Python setup.sh chose (the newest supported one).
status=0
# The slowest tests are listed at the end, to keep the suite within its ~30-minute budget (README, Testing).
.venv/bin/python -m pytest --durations=25 "$@" || status=$?

# The interpreter-dependent part of the suite again on a second supported Python, so that both the oldest
# (3.11) and a newer one are tested: 3.11 when .venv is newer, else 3.12. Running everything twice would
# double CI's time (past the project's budget of about 30 minutes); what differs between interpreters is in
# the tests that need no live processes: the cyclic-collector regression (it exists on 3.11 only, where the
# collector runs inside allocations: tests/node/core/test_collector*.py), the rest of node/core's unit tests
# (configuration, canonical JSON, database, migrations and state checks on SQLite), the wire format's
# signatures and test vectors, the privacy guard's detectors (regular expressions), and the style and layer
# checks (ruff, import-linter). A few minutes; `timeout` bounds a hang. Only for the whole suite (no
# arguments): a developer's targeted run stays on .venv.
SECOND_PYTHON_TESTS=(tests/node/core tests/federation/test_wire.py tests/federation/test_wire_key_revocation.py
                     tests/federation/test_wire_plan_endorsements.py tests/node/privacy tests/test_layers.py
                     tests/test_style.py)
# The PostgreSQL variants start a PostgreSQL server: a live process, and the same on every interpreter.
SECOND_PYTHON_SKIPPED=(-k "not postgresql")
main_minor=$(python_minor .venv/bin/python)
if [ "$main_minor" -gt 11 ]; then second_minor=11; else second_minor=12; fi
if [ $# -gt 0 ]; then
  :
elif second=$(find_python "$second_minor"); then
  venv=".venv-3.$second_minor"
  if [ ! -x "$venv/bin/python" ]; then
    echo "==> creating $venv with $("$second" --version 2>&1) ($second) for the interpreter-dependent tests"
    "$second" -m venv "$venv"
  fi
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  "$venv/bin/python" -m pip install --quiet --editable '.[test]'
  echo "==> the interpreter-dependent tests on Python 3.$second_minor ($venv)"
  timeout 15m "$venv/bin/python" -m pytest -q "${SECOND_PYTHON_TESTS[@]}" "${SECOND_PYTHON_SKIPPED[@]}" || status=$?
else
  echo "Note: no Python 3.$second_minor here; the interpreter-dependent tests ran on Python 3.$main_minor only." >&2
fi
exit $status
