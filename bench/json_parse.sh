#!/usr/bin/env bash
# bench/json_parse.sh: the measurement behind the choice of yajl for JSON.
# Installs the competing libraries (bench only; the engine does not link
# them), builds bench/json_parse.c and runs it. Figures: docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
FSC_SETUP_EXTRA="libcjson-dev libjansson-dev" tools/setup
mkdir -p build
cc -O2 -std=c11 -D_GNU_SOURCE -o build/bench_json_parse bench/json_parse.c \
  $(pkg-config --cflags --libs yajl libcjson jansson)
build/bench_json_parse
