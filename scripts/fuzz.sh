#!/usr/bin/env bash
# Builds the libFuzzer targets of the native scanners (CMake, clang, ASan + UBSan) and runs them.
# See docs/fuzzing.md.
#
#   scripts/fuzz.sh [SECONDS]        fuzz both targets for SECONDS each (default 30), side by side
#   scripts/fuzz.sh --runs N [SEC]   fuzz each target for N executions (at most SEC seconds), from
#                                    the committed seeds only, with a fixed seed: what CI runs
#   scripts/fuzz.sh --replay         run every committed corpus file and fixed crash once
#   scripts/fuzz.sh --build          only build
#
# Exits non-zero when a target crashed (or broke an invariant); the input that did it is left in
# .slotproxy-fuzz/crashes/<target>/, and the log in .slotproxy-fuzz/logs/<target>.log (campaigns)
# or on stderr (the other modes).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=${SLOTPROXY_FUZZ_DIR:-$root/.slotproxy-fuzz}  # .slotproxy-*/ is git-ignored
build=$work/build
src=$root/native/fuzz
targets=(request reply)

mode=time
seconds=30
runs=
while [ $# -gt 0 ]; do
  case $1 in
    --build) mode=build ;;
    --replay) mode=replay ;;
    --runs) mode=runs; runs=${2:?--runs needs a count}; seconds=; shift ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *[!0-9]*|'') echo "fuzz: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    *) seconds=$1 ;;
  esac
  shift
done

missing() {
  echo "fuzz: $1 — run scripts/bootstrap.sh (it installs clang, libclang-rt-14-dev and cmake)" >&2
  exit 3
}
command -v clang++ >/dev/null 2>&1 || missing "clang++ not found"
command -v cmake >/dev/null 2>&1 || missing "cmake not found"
runtime=$(clang++ -print-runtime-dir 2>/dev/null || true)
[ -f "$runtime/libclang_rt.fuzzer-$(uname -m).a" ] || missing "libFuzzer runtime not found in '$runtime'"

# Campaigns keep their logs; the short CI modes log to a directory of their own, so that a test
# run during a campaign (the unit suite includes one) clobbers nothing.
logs=$work/logs
tmp=
if [ "$mode" != time ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  logs=$tmp/logs
fi
mkdir -p "$build" "$logs"
# One build at a time in the shared build directory.
if ! { flock 9 && cmake -S "$root" -B "$build" -DSLOTPROXY_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ &&
       cmake --build "$build" -j "$(nproc)"; } 9>"$work/build.lock" >"$logs/build.log" 2>&1; then
  tail -n 40 "$logs/build.log" >&2
  echo "fuzz: build failed" >&2
  exit 1
fi
bin() { echo "$build/native/fuzz/$1_scanner_fuzzer"; }
dict() { if [ "$1" = request ]; then echo "$build/native/fuzz/request.dict"; else echo "$src/reply.dict"; fi; }
echo "fuzz: built $(bin request) and $(bin reply)"
[ "$mode" = build ] && exit 0

# Open findings are suppressed by name so that fuzzing goes on past them (crashes-open/README.md).
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$src/crashes-open/ubsan.supp"

if [ "$mode" = replay ]; then
  status=0
  for t in "${targets[@]}"; do
    files=()
    for dir in "$src/corpus/$t" "$src/corpus/$t-long" "$src/crashes/$t"; do
      [ -d "$dir" ] && while IFS= read -r f; do files+=("$f"); done < <(find "$dir" -type f ! -name '.*' ! -name '*.md' | sort)
    done
    log=$logs/$t-replay.log
    if "$(bin "$t")" "${files[@]}" >"$log" 2>&1; then
      echo "fuzz: $t: replayed ${#files[@]} files, no crash"
    else
      status=1
      grep -E '^Running: ' "$log" | tail -n 1 | sed "s/^Running: /fuzz: $t: crashed on /" >&2
      tail -n 40 "$log" >&2
    fi
  done
  exit $status
fi

# One process per target, side by side (two cores); each writes new inputs to its own working
# corpus and reads the committed seeds without touching them. CI's runs start from the seeds only.
pids=()
for t in "${targets[@]}"; do
  corpus=${tmp:+$tmp/$t}
  corpus=${corpus:-$work/corpus/$t}
  mkdir -p "$corpus" "$work/crashes/$t"
  args=(-max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -dict="$(dict "$t")"
        -artifact_prefix="$work/crashes/$t/")
  [ -n "$seconds" ] && args+=(-max_total_time="$seconds")
  [ -n "$runs" ] && args+=(-runs="$runs" -seed=1)
  "$(bin "$t")" "${args[@]}" "$corpus" "$src/corpus/$t" >"$logs/$t.log" 2>&1 &
  pids+=($!)
done
status=0
for i in "${!targets[@]}"; do
  t=${targets[$i]}
  log=$logs/$t.log
  rc=0
  wait "${pids[$i]}" || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  if [ "$rc" -eq 0 ]; then
    echo "fuzz: $t: ${execs:-?} executions (${rate:-?}/s), no crash"
  else
    status=1
    echo "fuzz: $t: CRASH (exit $rc) after ${execs:-?} executions" >&2
    if [ -n "$tmp" ]; then tail -n 60 "$log" >&2; else echo "fuzz: $t: log: $log" >&2; fi
    grep -E 'fuzz invariant broken|ERROR: AddressSanitizer|runtime error|ERROR: libFuzzer' "$log" | head -n 3 >&2 || true
    grep -E 'Test unit written to' "$log" | sed "s/^.*Test unit written to /fuzz: $t: input left in /" >&2 || true
  fi
done
exit $status
