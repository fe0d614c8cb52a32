#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, and runs every test
# in three builds: the normal one (all tests), ASan+UBSan (everything but the
# slow and browser tests), and TSan (the real runtime). Exits non-zero on any
# failure and ends with one line "total: N passed, N failed". .ci/run runs this.
#
#   scripts/test.sh            all three stages
#   scripts/test.sh --quick    the normal build only
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/install-deps.sh --test || exit 1

jobs=$(nproc)
quick=0
[[ "${1:-}" == "--quick" ]] && quick=1
launcher=()
if command -v ccache >/dev/null; then
  # Paths relative to the checkout, so clones in other folders share the cache.
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
fi

passed=0
failed=0
status=0

# configure_and_build DIR TARGETS [CMAKE ARGS...]
configure_and_build() {
  local dir=$1 targets=$2
  shift 2
  cmake -S . -B "$dir" -G Ninja -DGOSIM_WERROR=ON "${launcher[@]}" "$@" >/dev/null || return 1
  if [[ "$targets" == all ]]; then
    cmake --build "$dir" -j "$jobs"
  else
    # shellcheck disable=SC2086
    cmake --build "$dir" -j "$jobs" --target $targets
  fi
}

# run_ctest NAME DIR [CTEST ARGS...]: runs ctest, adds its counts to the total.
run_ctest() {
  local name=$1 dir=$2
  shift 2
  echo "=== $name: ctest $*"
  (cd "$dir" && ctest --output-on-failure -j "$jobs" --timeout 900 "$@") 2>&1 | tee "$dir/ctest.log"
  local rc=${PIPESTATUS[0]}
  local line
  line=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" "$dir/ctest.log" | tail -n 1)
  if [[ -z "$line" ]]; then
    echo "$name: ctest printed no summary" >&2
    failed=$((failed + 1))
    status=1
    return
  fi
  local f t
  f=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
  t=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
  passed=$((passed + t - f))
  failed=$((failed + f))
  [[ $rc -eq 0 ]] || status=1
}

stage_failed() {
  echo "$1: build failed" >&2
  failed=$((failed + 1))
  status=1
}

# 1. The normal build: every test, with the real runtime's stress tests
# (label "stress") at full size: 1M goroutines, a 10000-goroutine ring and
# ~36 s of random programs on 1-8 Ps.
if configure_and_build build all -DCMAKE_BUILD_TYPE=RelWithDebInfo; then
  run_ctest "normal" build
else
  stage_failed "normal"
fi

if [[ $quick -eq 0 ]]; then
  # 2. ASan + UBSan (LeakSanitizer on): everything but the slow, browser and
  # cross tests. The stress tests shrink themselves under a sanitizer
  # (stress_test.cpp).
  if configure_and_build build-asan all -DCMAKE_BUILD_TYPE=Debug -DGOSIM_SANITIZE=address; then
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      run_ctest "asan+ubsan" build-asan -LE "slow|browser|cross"
  else
    stage_failed "asan+ubsan"
  fi
  # 3. TSan: the real runtime's tests (they run scenarios through run_scenario),
  # the stress tests shrunk to TSan's limit of ~8k live fibers.
  if configure_and_build build-tsan "gosim_runtime_tests" \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGOSIM_SANITIZE=thread; then
    export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
    run_ctest "tsan runtime" build-tsan -R "^gosim_runtime_tests:" -LE "slow|browser|cross"
  else
    stage_failed "tsan"
  fi
fi

echo "total: $passed passed, $failed failed"
exit $status
