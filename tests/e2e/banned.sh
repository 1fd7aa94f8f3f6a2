#!/usr/bin/env bash
# The unsafe C calls curl bans are banned here too: no unbounded copies or
# formats, no number parsing that cannot report an error.
set -euo pipefail
: "${SRCDIR:?run through meson test}"
if grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|atoll|strtok)[[:space:]]*\(' \
     "$SRCDIR"/engine/*.[ch] "$SRCDIR"/feeds/*.[ch]; then
  echo "FAIL: banned function above (use snprintf, memcpy with a bound, strtol, strtok_r)" >&2
  exit 1
fi
echo "ok: no banned functions in engine/ and feeds/"
