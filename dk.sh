#!/usr/bin/env bash
# dcmkit developer entry point: ./dk.sh setup | build | test | demo | bench [parse|store|python|codecs|qr|bindings|tls|media|scale|web]
# Each command does whatever set-up it needs, so `./dk.sh demo` and `./dk.sh test` work on a fresh
# Debian 12 machine (as root).
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
JOBS=$(nproc 2>/dev/null || echo 2)

# Debian packages: toolchain, libraries, and the peers the tests run against.
PACKAGES=(
  build-essential cmake ninja-build pkg-config python3
  zlib1g-dev libssl-dev libjpeg62-turbo-dev libcharls-dev libopenjp2-7-dev libopenjph-dev libpng-dev
  libgtest-dev libbenchmark-dev libsqlite3-dev
  clang libclang-rt-14-dev abigail-tools
  pybind11-dev python3-dev
  dcmtk libgdcm-tools libopenjp2-tools openjph-tools python3-pydicom python3-pytest python3-numpy
  time
  swig mono-mcs mono-runtime default-jdk-headless junit5
  python3-build python3-setuptools python3-wheel python3-pip python3-venv nuget unzip
  maven libmaven-install-plugin-java libmaven-dependency-plugin-java
  crossbuild-essential-arm64 qemu-user googletest
  libxml2-utils trang rsyslog rsyslog-openssl testssl.sh faketime
  dicom3tools xorriso
  libcivetweb-dev libcurl4-openssl-dev orthanc orthanc-dicomweb python3-hl7 postgresql-15 libpq-dev
)

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

setup() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  log "installing ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# configure DIR [cmake args...] — configure once, then just rebuild.
configure() {
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    cmake -S "$ROOT" -B "$dir" -G Ninja "$@" >/dev/null
  fi
}

build() {
  configure build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDCMKIT_WERROR=ON
  log "building (build/)"
  cmake --build build -j"$JOBS"
}

# The unit suite under ASan+UBSan, and the fuzz targets under libFuzzer (clang).
build_checked() {
  configure build-asan -DCMAKE_BUILD_TYPE=Debug -DDCMKIT_SANITIZE=ON -DDCMKIT_WERROR=ON -DDCMKIT_BUILD_BENCH=OFF
  log "building the sanitized unit suite (build-asan/)"
  cmake --build build-asan -j"$JOBS"
  # The firmware build (CMakePresets.json: no third-party library, not even zlib; no archive, no bindings).
  # Configured every time, so that options a newer preset sets (DCMKIT_WITH_TLS=OFF…) reach an existing tree.
  (cd "$ROOT" && cmake --preset minimal -DDCMKIT_WERROR=ON >/dev/null)
  log "building the minimal (firmware) build (build-minimal/)"
  cmake --build build-minimal -j"$JOBS"
  # The same cross-compiled for aarch64 (Debian's cross toolchain); its tests run under qemu-user.
  (cd "$ROOT" && cmake --preset minimal -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
    -DDCMKIT_WERROR=ON >/dev/null)
  log "cross-building the minimal build for aarch64 (build-aarch64/)"
  cmake --build build-aarch64 -j"$JOBS"
  configure build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDCMKIT_FUZZ=ON -DDCMKIT_BUILD_BENCH=OFF \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++
  log "building the libFuzzer targets (build-fuzz/)"
  cmake --build build-fuzz -j"$JOBS" --target read_fuzzer json_fuzzer pdu_fuzzer dicomdir_fuzzer hl7_fuzzer multipart_fuzzer rle_fuzzer jpeg_baseline_fuzzer \
    jpeg_extended_fuzzer jpeg_lossless_fuzzer jpegls_fuzzer j2k_fuzzer htj2k_fuzzer
}

cmd_test() {
  setup
  build_checked
  # The main build runs everything, the sanitized suite and a short fuzz run included, so that the
  # output ends with one ctest summary over all of it.
  cmake -S "$ROOT" -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDCMKIT_WERROR=ON \
    -DDCMKIT_ASAN_BUILD_DIR="$ROOT/build-asan" -DDCMKIT_FUZZ_BUILD_DIR="$ROOT/build-fuzz" \
    -DDCMKIT_MINIMAL_BUILD_DIR="$ROOT/build-minimal" -DDCMKIT_AARCH64_BUILD_DIR="$ROOT/build-aarch64" >/dev/null
  build
  log "running the tests"
  ctest --test-dir build --output-on-failure -j"$JOBS" --timeout 1200
}

cmd_demo() {
  setup
  build
  local dir=build/demo
  rm -rf "$dir" && mkdir -p "$dir"
  log "making a CT image with DCMTK's dump2dcm"
  cat >"$dir/ct.txt" <<'DUMP'
(0002,0001) OB 00\01
(0002,0002) UI 1.2.840.10008.5.1.4.1.1.2
(0002,0003) UI 1.2.826.0.1.3680043.2.1125.1.1
(0002,0010) UI 1.2.840.10008.1.2.1
(0008,0005) CS [ISO_IR 192]
(0008,0016) UI 1.2.840.10008.5.1.4.1.1.2
(0008,0018) UI 1.2.826.0.1.3680043.2.1125.1.1
(0008,0020) DA [20261126]
(0008,0060) CS [CT]
(0008,1115) SQ (Sequence with undefined length)
  (fffe,e000) na (Item with undefined length)
    (0020,000e) UI 1.2.826.0.1.3680043.2.1125.1.2
  (fffe,e00d) na (ItemDelimitationItem)
(fffe,e0dd) na (SequenceDelimitationItem)
(0010,0010) PN [Müller^Jürgen=ミュラー^ユルゲン]
(0010,0020) LO [DEMO-001]
(0018,0050) DS [1.25]
(0020,000d) UI 1.2.826.0.1.3680043.2.1125.1.3
(0020,0032) DS [-125.0\-125.0\42.5]
(0028,0002) US 1
(0028,0004) CS [MONOCHROME2]
(0028,0010) US 2
(0028,0011) US 2
(0028,0100) US 16
(0028,0101) US 12
(0028,0102) US 11
(0028,0103) US 0
(7fe0,0010) OW 0000\0400\0800\0fff
DUMP
  dump2dcm "$dir/ct.txt" "$dir/ct.dcm"
  log "dcmkit dump $dir/ct.dcm"
  build/bin/dcmkit dump "$dir/ct.dcm"
  log "dcmkit convert to deflated, then to big endian, then back to explicit VR little endian"
  build/bin/dcmkit convert "$dir/ct.dcm" "$dir/ct-deflated.dcm" --ts deflate
  build/bin/dcmkit convert "$dir/ct-deflated.dcm" "$dir/ct-big.dcm" --ts big
  build/bin/dcmkit convert "$dir/ct-big.dcm" "$dir/ct-back.dcm" --ts explicit
  ls -l "$dir"/*.dcm
  log "DCMTK reads our deflated file"
  dcmdump +U8 "$dir/ct-deflated.dcm" | sed -n '/Dicom-Data-Set/,$p'
  # The meta header names the implementation that wrote each file (PS3.10 7.1); the dataset must come back unchanged.
  dataset_of() { dcmdump +L "$1" | sed -n '/# Dicom-Data-Set/,$p'; }
  log "back-converted dataset equals the original, as dcmdump reads them: $(cmp -s <(dataset_of "$dir/ct.dcm") <(dataset_of "$dir/ct-back.dcm") && echo yes || echo no)"
  log "DICOM JSON"
  build/bin/dcmkit dump --json "$dir/ct.dcm"
  log "a damaged file gives a clear error"
  head -c 300 "$dir/ct.dcm" >"$dir/truncated.dcm"
  build/bin/dcmkit dump "$dir/truncated.dcm" >/dev/null || true

  log "codecs: a 256x256 12-bit phantom, transcoded to compressed syntaxes, decoded by DCMTK, exported to PNG"
  python3 - "$dir/phantom.raw" <<'PY'
import math, struct, sys
w = h = 256
px = []
for y in range(h):
    for x in range(w):
        r = math.hypot(x - 128, y - 128)
        v = 1000 + 8 * x if r < 100 else 200 + 2 * y
        if math.hypot(x - 150, y - 100) < 25: v = 3800
        px.append(min(4095, v + (x * 7 + y * 13) % 23))
open(sys.argv[1], "wb").write(struct.pack("<%dH" % len(px), *px))
PY
  sed -e 's/^(0028,0010) US 2$/(0028,0010) US 256/' -e 's/^(0028,0011) US 2$/(0028,0011) US 256/' \
      -e "s|^(7fe0,0010) OW .*|(7fe0,0010) OW =$dir/phantom.raw|" "$dir/ct.txt" >"$dir/phantom.txt"
  dump2dcm "$dir/phantom.txt" "$dir/phantom.dcm"
  build/bin/dcmkit transcode "$dir/phantom.dcm" "$dir/phantom-rle.dcm" --ts rle -v
  build/bin/dcmkit transcode "$dir/phantom.dcm" "$dir/phantom-jls.dcm" --ts jpegls -v
  build/bin/dcmkit transcode "$dir/phantom-jls.dcm" "$dir/phantom-j2k.dcm" --ts j2k-lossless -v
  build/bin/dcmkit transcode "$dir/phantom.dcm" "$dir/phantom-j2k-lossy.dcm" --ts j2k --ratio 20 -v
  ls -l "$dir"/phantom*.dcm
  dcmdjpls "$dir/phantom-jls.dcm" "$dir/phantom-jls-dcmtk.dcm"
  pixels() { dcmdump +L +P 7fe0,0010 "$1"; }
  log "DCMTK decodes our JPEG-LS bit-exactly: $(cmp -s <(pixels "$dir/phantom.dcm") <(pixels "$dir/phantom-jls-dcmtk.dcm") && echo yes || echo no)"
  build/bin/dcmkit export "$dir/phantom-j2k.dcm" "$dir/phantom.png" --window 2000 4000
  log "PNG export: $(file -b "$dir/phantom.png" 2>/dev/null || ls -l "$dir/phantom.png")"

  log "networking: dcmkit recv on a free port, then echo and send the study to it"
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  build/bin/dcmkit recv "$port" --out "$dir/received" -aet DEMO-SCP &
  local scp=$!
  for _ in $(seq 50); do build/bin/dcmkit echo 127.0.0.1 "$port" -aec DEMO-SCP 2>/dev/null && break; sleep 0.1; done
  build/bin/dcmkit echo 127.0.0.1 "$port" -aec DEMO-SCP -v
  build/bin/dcmkit send 127.0.0.1 "$port" "$dir/ct.dcm" "$dir/ct-deflated.dcm" "$dir/ct-big.dcm" -aec DEMO-SCP -v
  log "DCMTK's echoscu and storescu talk to dcmkit recv too"
  TCP_NODELAY=1 echoscu -aec DEMO-SCP 127.0.0.1 "$port" && echo "echoscu: success"
  TCP_NODELAY=1 storescu -aec DEMO-SCP 127.0.0.1 "$port" "$dir/ct.dcm" && echo "storescu: success"
  kill -INT "$scp"
  wait "$scp" || true
  ls -l "$dir/received"
}

cmd_bench() {
  setup
  configure build-release -DCMAKE_BUILD_TYPE=Release -DDCMKIT_BUILD_TESTS=OFF
  log "building (build-release/)"
  cmake --build build-release -j"$JOBS"
  local what=${1:-all}
  case "$what" in
    parse) bench/parse.sh build-release ;;
    store) bench/store.sh build-release ;;
    python) bench/python.sh build-release ;;
    codecs) bench/codecs.sh build-release ;;
    qr) bench/qr.sh build-release "${@:2}" ;;
    bindings) bench/bindings.sh build-release "${@:2}" ;;
    tls) bench/tls.sh build-release "${@:2}" ;;
    media) bench/media_dicomdir.sh build-release "${@:2}" && bench/media_deid.sh build-release "${@:2}" &&
      bench/media_jpeg.sh build-release "${@:2}" && bench/media_export.sh build-release "${@:2}" ;;
    scale) bench/scale.sh build-release "${@:2}" ;;
    web) bench/web.sh build-release "${@:2}" ;;
    all) bench/parse.sh build-release && bench/store.sh build-release && bench/python.sh build-release &&
      bench/codecs.sh build-release && bench/qr.sh build-release && bench/bindings.sh build-release &&
      bench/tls.sh build-release && bench/media_dicomdir.sh build-release && bench/media_deid.sh build-release &&
      bench/media_jpeg.sh build-release && bench/media_export.sh build-release ;;
    *) echo "dk.sh bench: unknown benchmark '$what' (known: parse, store, python, codecs, qr, bindings, tls, media, scale, web)" >&2; exit 2 ;;
  esac
}

case "${1:-}" in
  setup) setup ;;
  build) setup; build ;;
  test) cmd_test ;;
  demo) cmd_demo ;;
  bench) shift; cmd_bench "$@" ;;
  *) echo "usage: ./dk.sh setup|build|test|demo|bench [parse|store|python|codecs|qr|bindings|tls|media|scale|web]" >&2; exit 2 ;;
esac
