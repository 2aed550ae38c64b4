# Shared by bin/demo and bin/test: a virtualenv in .venv with the pinned requirements.
# Re-running is cheap: requirements are reinstalled only when the file changed.

ensure_venv() {
  local requirements="$1"
  local python="${PYTHON:-python3}"
  if ! "$python" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
    echo "Civic311 needs Python 3.11 or newer ($python is $("$python" --version 2>&1))." >&2
    exit 1
  fi
  if [ ! -x .venv/bin/python ]; then
    echo "==> Creating the virtualenv in .venv"
    "$python" -m venv .venv || {
      echo "Could not create a virtualenv. On Debian/Ubuntu: apt-get install python3-venv" >&2
      exit 1
    }
  fi
  local stamp=".venv/.installed-$(basename "$requirements")"
  local digest
  digest=$(cat requirements*.txt | sha256sum | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
    echo "==> Installing Python packages from $requirements"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements"
    echo "$digest" > "$stamp"
  fi
  export PATH="$PWD/.venv/bin:$PATH"
}

postgres_answers() {
  .venv/bin/python - <<'PY'
import socket, sys
try:
    socket.create_connection(("127.0.0.1", 5432), timeout=3).close()
except OSError:
    sys.exit(1)
PY
}
