# What every bench/*.sh does before it measures, sourced by them after setting `bench_name` (the
# label of their errors, "bench qr"):
#   bench_build_dir DIR      sets `build` to DIR made absolute; DIR must be a configured CMake build
#   bench_build OPTIONS T... unless DCMKIT_BENCH_NO_BUILD is set: checks that each CMake option in
#                            OPTIONS (a space-separated list, may be empty) is ON, then builds the targets
#   bench_need HINT TOOL...  every TOOL (a command or a path) is there, else an error naming the
#                            missing ones and HINT (what installs them)
#   bench_corpus             sets `corpus` to $DCMKIT_BENCH_CORPUS or BUILD/bench-corpus and makes it
#                            (bench/make_corpus does nothing when it is already complete)
# An error prints "$bench_name: error: ..." and exits with 1.

bench_fail() {
  echo "$bench_name: error: $*" >&2
  exit 1
}

bench_build_dir() {
  [[ -f $1/CMakeCache.txt ]] || bench_fail "'$1' is not a configured CMake build folder"
  build=$(cd "$1" && pwd)
}

bench_build() {
  local options=$1 option
  shift
  [[ -z ${DCMKIT_BENCH_NO_BUILD:-} ]] || return 0
  for option in $options; do
    grep -q "^$option:BOOL=ON" "$build/CMakeCache.txt" || bench_fail "$build was configured with $option=OFF"
  done
  cmake --build "$build" --target "$@" >&2
}

bench_need() {
  local hint=$1 tool missing=()
  shift
  for tool in "$@"; do
    command -v "$tool" >/dev/null || [[ -e $tool ]] || missing+=("$tool")
  done
  [[ ${#missing[@]} -eq 0 ]] || bench_fail "not installed: ${missing[*]} ($hint)"
}

bench_corpus() {
  corpus=${DCMKIT_BENCH_CORPUS:-$build/bench-corpus}
  if [[ -x $build/bench/make_corpus ]]; then
    "$build/bench/make_corpus" "$corpus" >&2
  elif [[ ! -f $corpus/corpus.ok ]]; then
    bench_fail "no corpus in $corpus and no $build/bench/make_corpus to make one"
  fi
}
