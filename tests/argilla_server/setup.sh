#!/usr/bin/env bash
# Create, once, the virtualenv that runs the real argilla-server 2.8.0 (SQLite) with noida-db
# (an Elasticsearch 8 + Redis emulator from PyPI) for the Argilla tests. argilla-server pins
# old libraries (pydantic 2.9, typer 0.9, click<8.2), so it never goes into the project's env.
#
#   tests/argilla_server/setup.sh [VENV]
#
# VENV defaults to $DISTIL_ARGILLA_VENV or ~/.cache/distil/argilla-venv. Idempotent: a venv
# whose stamp matches the pinned versions is reused; a half-built one is rebuilt. PYTHON picks
# the interpreter (default python3). About 2 minutes and 600 MB the first time.
set -euo pipefail
VENV="${1:-${DISTIL_ARGILLA_VENV:-$HOME/.cache/distil/argilla-venv}}"
PYTHON="${PYTHON:-python3}"
REQUIREMENTS=("argilla-server==2.8.0" "argilla==2.8.0" "click<8.2" "noida-db==0.2.3")
STAMP="${REQUIREMENTS[*]}"

mkdir -p "$(dirname "$VENV")"
exec 9>"$VENV.lock"
flock 9  # two test sessions at once: the second waits for the first's venv

if [ -f "$VENV/.distil-ready" ] && [ "$(cat "$VENV/.distil-ready")" = "$STAMP" ]; then
    echo "argilla server venv ready: $VENV"
    exit 0
fi
echo "creating the argilla server venv in $VENV (one time, about 2 minutes)"
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
echo "pip install ${REQUIREMENTS[*]} (log: $VENV/pip.log)"
if ! "$VENV/bin/pip" install --disable-pip-version-check --progress-bar off "${REQUIREMENTS[@]}" \
    > "$VENV/pip.log" 2>&1; then
    tail -n 30 "$VENV/pip.log"
    exit 1
fi
chmod +x "$("$VENV/bin/python" -c \
    'import pathlib, noida_db; print(pathlib.Path(noida_db.__file__).parent / "noida-db")')"
echo "$STAMP" > "$VENV/.distil-ready"
echo "argilla server venv ready: $VENV"
