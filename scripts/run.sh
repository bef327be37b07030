#!/usr/bin/env bash
# The README's "run" command: set up what is missing, then narrate the bundled sample
# review into audio/ and say where the file is, how long it is and how many chapters it has.
# Extra arguments go to `narrate read` (e.g. scripts/run.sh --voice gmw/en-gb-x-rp).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/bootstrap.sh"
cd "$root"
exec .venv/bin/narrate read "$@"
