#!/usr/bin/env bash
# Start-up cost of persona's commands, as ratios against baselines measured in the same run:
#   persona --help, persona route TEXT  vs  python -c "import typer"    (target <= 1.5)
#   persona post TEXT (sandbox)         vs  python -c "import sqlmodel" (target <= 1.3)
# Medians of hyperfine runs; needs hyperfine (apt-get install hyperfine) and persona installed.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "bench: install hyperfine (apt-get install hyperfine)" >&2; exit 2; }
RUNS=${RUNS:-30}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PERSONA_HOME="$work/home"
mkdir -p "$PERSONA_HOME"
py=$(command -v python3)
persona=$(command -v persona)

# Byte-code compiled once, as an installed package would be (this matters where
# PYTHONDONTWRITEBYTECODE is set).
"$py" -m compileall -q personas router >/dev/null
# The database and sandbox exist before timing starts (a first run also migrates).
"$persona" post "warm-up" >/dev/null 2>&1
# Each timed post sends the same text, so the sandbox's duplicate check is reset first,
# outside the timing.
reset="$py bench/reset_sandbox.py"

hyperfine -N --style basic --warmup 3 --runs "$RUNS" --export-json "$work/r.json" \
  -n typer "$py -c 'import typer'" \
  -n help "$persona --help" \
  -n route "$persona route 'Thinking about communities'" \
  -n sqlmodel "$py -c 'import sqlmodel'" \
  >/dev/null
hyperfine -N --style basic --warmup 3 --runs "$RUNS" --export-json "$work/p.json" \
  --prepare "$reset" -n post "$persona post 'Bench post from persona'" >/dev/null

"$py" - "$work/r.json" "$work/p.json" <<'PY'
import json, sys
m = {}
for path in sys.argv[1:]:
    for r in json.load(open(path))["results"]:
        m[r["command"]] = r["median"]
for name in m:
    print(f"{name:9s} median {m[name] * 1000:7.1f} ms")
rows = [("persona --help / import typer", m["help"] / m["typer"], 1.5),
        ("persona route / import typer", m["route"] / m["typer"], 1.5),
        ("persona post / import sqlmodel", m["post"] / m["sqlmodel"], 1.3)]
for label, ratio, target in rows:
    print(f"{label:32s} {ratio:5.2f}  (target <= {target}) {'ok' if ratio <= target else 'OVER'}")
PY
