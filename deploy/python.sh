# Finding a Python for the project's virtualenvs; sourced by deploy/setup.sh and deploy/test.sh.
#
# A usable Python is 3.11 or newer and has `venv` and `ensurepip` (Debian ships them apart, in python3.X-venv),
# and it must really run: a pyenv shim answers to `python3.13` on PATH but exits with "command not found"
# when that version is installed and not selected, so each candidate is run, not just looked up.

# The minor versions tried, newest first. 3.13, 3.12 and 3.11 install the pinned packages (xmlsec 1.3.17 with
# lxml 6.1.3 bring wheels for each) and pass the interpreter-dependent tests (deploy/test.sh); a newer Python
# goes here once the same is checked on it, since without wheels the xmlsec/lxml pair would not install.
SUPPORTED_PYTHON_MINORS="13 12 11"

# usable_python PATH: true when PATH is a Python that deploy/setup.sh can make a virtualenv with.
usable_python() {
  "$1" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1
}

# find_python MINOR: print a usable Python 3.MINOR, or fail. PATH first (Debian's /usr/bin/python3.X, or a
# shim that works), then interpreters installed by pyenv but not selected in it (newest patch release first).
find_python() {
  local minor=$1 candidate root
  candidate=$(command -v "python3.$minor" 2>/dev/null) && usable_python "$candidate" && { echo "$candidate"; return 0; }
  root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
  for candidate in $(ls -d "$root"/versions/3."$minor".*/bin/python3."$minor" 2>/dev/null | sort -rV); do
    usable_python "$candidate" && { echo "$candidate"; return 0; }
  done
  return 1
}

# newest_python: print the newest usable supported Python, else a usable `python3`, or fail.
newest_python() {
  local minor candidate
  for minor in $SUPPORTED_PYTHON_MINORS; do
    find_python "$minor" && return 0
  done
  candidate=$(command -v python3 2>/dev/null) && usable_python "$candidate" && { echo "$candidate"; return 0; }
  return 1
}

# python_minor PATH: print the minor version of that Python (11 for 3.11).
python_minor() {
  "$1" -c 'import sys; print(sys.version_info[1])'
}
