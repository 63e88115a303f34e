#!/usr/bin/env bash
# Set everything up and run the whole test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/setup.sh

# The tests start their own throwaway PostgreSQL server; it comes from Debian's packages.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "==> installing PostgreSQL from Debian's packages (for the PostgreSQL tests)"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
fi

# The production-shaped tests put nginx from Debian's packages in front of the node, terminating TLS
# (tests/helpers/nginx.py). `nginx` itself: bookworm's nginx-light only adds the echo module to it.
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  echo "==> installing nginx from Debian's packages (for the production-shaped tests)"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nginx >/dev/null
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

exec .venv/bin/python -m pytest "$@"
