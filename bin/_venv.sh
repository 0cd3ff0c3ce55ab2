# Sourced by bin/run and bin/test: make sure .venv exists and matches requirements.txt.
# Installs only when requirements.txt changed since the last successful install.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

if [[ ! -x .venv/bin/python ]]; then
    PYTHON="$(command -v python3.11 || command -v python3)" || {
        echo "bin: need python3.11 or python3 on PATH" >&2
        exit 1
    }
    "$PYTHON" -m venv .venv
fi

wanted="$(sha256sum requirements.txt | cut -d' ' -f1)"
stamp=.venv/.requirements.sha256
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$wanted" ]]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
    # Written only after a successful install, so a failed one is retried next time.
    echo "$wanted" > "$stamp"
fi
