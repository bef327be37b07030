#!/usr/bin/env bash
# The README's "test" command: set up what is missing (dev extras too), lint, then run
# the whole suite. Extra arguments go to pytest (e.g. scripts/test.sh -k feed).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/bootstrap.sh" --dev
cd "$root"
.venv/bin/ruff check src tests scripts
exec .venv/bin/python -m pytest "$@"
