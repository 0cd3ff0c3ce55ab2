# Sourced by bin/run and bin/test with the requirements file they need: make sure .venv exists
# and holds it. bin/run needs requirements.txt (the service); bin/test needs requirements-dev.txt
# (tests, lint, benchmark and devtools, which includes requirements.txt).
# Installs only when the files changed since the last successful install of that set.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

requirements="${1:?bin/_venv.sh: name the requirements file to install}"

if [[ ! -x .venv/bin/python ]]; then
    PYTHON="$(command -v python3.11 || command -v python3)" || {
        echo "bin: need python3.11 or python3 on PATH" >&2
        exit 1
    }
    "$PYTHON" -m venv .venv
fi

# requirements-dev.txt includes requirements.txt, so a change to either reinstalls the dev set.
wanted="$(cat requirements.txt "$requirements" | sha256sum | cut -d' ' -f1)"
stamp=".venv/.${requirements%.txt}.sha256"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$wanted" ]]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements"
    # Written only after a successful install, so a failed one is retried next time.
    echo "$wanted" > "$stamp"
fi
