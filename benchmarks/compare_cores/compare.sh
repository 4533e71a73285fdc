#!/bin/bash
# Times the DSP core of two commits (or working trees) against each other in one program, in
# alternating rounds: on a shared, noisy machine two runs minutes apart differ by more than most
# changes do, while rounds that alternate see the same machine.
#
#   benchmarks/compare_cores/compare.sh <A> <B> <seconds> <rounds> <module or engine> [parameter=value ...]
#
# A and B: a commit (anything git rev-parse takes) or a directory holding a cpp/ tree ("." is the
# working tree). Modules: humanize, bleed, room, tube, drift, noise, glue, or engine (the chain).
# Example: benchmarks/compare_cores/compare.sh HEAD~1 . 4 20 drift drift_tilt_db=0
# It prints B's speed over A's: the median of the rounds' ratios and how many rounds B won. Two
# identical sources built side by side read up to about 3 % apart (code placement), so a smaller
# difference is not shown by it.
set -euo pipefail
if [ $# -lt 5 ]; then sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2; fi
case "$5" in
    humanize | bleed | room | tube | drift | noise | glue | engine) ;;
    *) echo "compare.sh: no module $5 (humanize, bleed, room, tube, drift, noise, glue or engine)" >&2; exit 2 ;;
esac
if ! [[ "$3" =~ ^[0-9]+([.][0-9]+)?$ && "$4" =~ ^[1-9][0-9]*$ ]]; then
    echo "compare.sh: seconds must be a positive number and rounds a whole number >= 1; got $3 and $4" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
repository=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tree() {  # <A or B> <directory to fill>: the cpp/ sources of a commit or a directory
    if [ -d "$1/cpp" ]; then
        cp -r "$1/cpp" "$2/"
    elif git -C "$repository" rev-parse --quiet --verify "$1^{commit}" > /dev/null; then
        git -C "$repository" archive "$1" cpp | tar -x -C "$2"
    else
        echo "compare.sh: $1 is neither a commit nor a directory holding cpp/" >&2
        exit 2
    fi
}
flags=(-O3 -std=c++17 -fno-math-errno -fno-trapping-math -ffp-contract=off -DNDEBUG)  # as cpp/CMakeLists.txt
build() {  # <tree> <namespace> <runner function> <A or B as given>: one object per source, every name in its own namespace
    local failed=0 running=0
    for source in "$1"/cpp/src/*.cpp "$here/runner.cpp"; do
        g++ "${flags[@]}" "-Dstemglue=$2" "-DRUNNER=$3" -I "$1/cpp/include" -c "$source" \
            -o "$work/$2_$(basename "$source" .cpp).o" &
        running=$((running + 1))
        if [ "$running" -ge "$(nproc)" ]; then  # as many compiles at once as there are cores
            wait -n || failed=1
            running=$((running - 1))
        fi
    done
    while [ "$running" -gt 0 ]; do
        wait -n || failed=1
        running=$((running - 1))
    done
    if [ "$failed" = 1 ]; then echo "compare.sh: the core of $4 did not compile" >&2; exit 1; fi
}
mkdir -p "$work/a" "$work/b"
tree "$1" "$work/a"
tree "$2" "$work/b"
build "$work/a" stemglue_a run_a "$1"
build "$work/b" stemglue_b run_b "$2"
g++ -O2 "$here/main.cpp" "$work"/*.o -o "$work/compare"
shift 2
"$work/compare" "$@"
