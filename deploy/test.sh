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
