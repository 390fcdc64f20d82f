# Sourced by maven.sh and nupkg.sh (after `set -euo pipefail`, with $src the source tree and $work a
# scratch folder): what both packages take from a CMake build tree with the SWIG bindings.

# The project's version: project(dcmkit VERSION x.y.z) of the top CMakeLists.txt.
dk_version() {
  local v
  v=$(sed -n 's/^project(dcmkit VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
  [ -n "$v" ] || { echo "${0##*/}: no version in $src/CMakeLists.txt" >&2; exit 1; }
  echo "$v"
}

# dk_stage_natives BUILD_DIR GLUE_PATH_PATTERN: installs the runtime and swig components, stripped,
# into $work/stage and sets $lib (libdcmkit.so.1) and $glue (the language's glue library).
dk_stage_natives() {
  local c
  for c in runtime swig; do
    cmake --install "$1" --prefix "$work/stage" --component "$c" --strip >/dev/null
  done
  lib=$(find "$work/stage" -name libdcmkit.so.1 | head -1)
  glue=$(find "$work/stage" -path "$2" | head -1)
  [ -n "$lib" ] && [ -n "$glue" ] || { echo "${0##*/}: the build has no libdcmkit.so.1 or ${2##*/}" >&2; exit 1; }
}
