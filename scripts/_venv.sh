# Sourced by scripts/run-lab and scripts/test: a project venv (.venv) with the package installed.
# Re-installs only when pyproject.toml changed since the last install.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MLFLOW_LABS_VENV:-$ROOT/.venv}"
PY="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
  echo "== creating $VENV (first run: installs MLflow and friends, ~2 min)" >&2
  "$PY" -m venv "$VENV"
fi
stamp="$VENV/.mlflow-labs-installed"
if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
  "$VENV/bin/python" -m pip install -q --upgrade pip >&2
  "$VENV/bin/python" -m pip install -q -e "$ROOT" tox tox-ignore-env-name-mismatch >&2
  touch "$stamp"
fi
export PATH="$VENV/bin:$PATH"
