#!/usr/bin/env bash
# Reproduces the comparison table of BENCHMARKS.md in one run on a fresh machine (Linux, the
# Rust toolchain, Python 3.11+ with venv and pip):
#   1. installs the official Python SDK (tencentcloud-sdk-python-common, -tem) from PyPI into
#      a venv (default /tmp/tem-bench-venv; BENCH_VENV to change),
#   2. builds the comparison benchmarks in release mode (this SDK, a plain reqwest client and a
#      raw-socket floor client are all in tests/benches/),
#   3. runs them interleaved against one local keep-alive server that reports its own CPU
#      (tests/benches/compare.rs), and plain reqwest and this SDK over HTTPS against a second,
#      TLS server (a private CA made with rcgen; warm, and a fresh connection per call), then
#      counts allocations per call (tests/benches/allocations.rs); with 2 CPUs or more, the
#      servers run on one CPU and the clients on another (see BENCHMARKS.md, issue 16),
#   4. prints medians and same-run ratios.
# Arguments are passed to the comparison: --rounds R (7), --calls N (2000), --python-calls M (200),
# --tls-fresh-calls F (200: calls on a fresh TLS connection each).
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${BENCH_VENV:-/tmp/tem-bench-venv}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check \
    tencentcloud-sdk-python-common tencentcloud-sdk-python-tem
echo "official Python SDK: $("$venv/bin/pip" show tencentcloud-sdk-python-tem | sed -n 's/^Version: //p')" \
     "($("$venv/bin/python" --version))"

cargo bench -p tem-tests --bench compare --bench allocations --bench one_call --no-run --quiet
bench_binary() {
    cargo bench -p tem-tests --bench "$1" --no-run --message-format=json --quiet |
        "$venv/bin/python" -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == sys.argv[1] and m.get("executable"):
        print(m["executable"])' "$1"
}
compare="$(bench_binary compare)"
allocations="$(bench_binary allocations)"
export ONE_CALL_BINARY="$(bench_binary one_call)"

echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)," \
     "$(free -g | awk '/^Mem:/ {print $2}') GiB; $(rustc --version); $(date -u '+%Y-%m-%d %H:%M UTC')"
"$compare" --python "$venv/bin/python" "$@"
echo
"$allocations"
