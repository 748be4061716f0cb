#!/usr/bin/env bash
# Installs every Debian package sonavec needs to build, test and benchmark (Debian 12, run as root).
set -euo pipefail
packages=(
  build-essential cmake pkg-config git ca-certificates
  libopenblas-dev            # matrix products
  libdnnl-dev                # oneDNN: the towers' AVX-512 matrix products
  ocl-icd-opencl-dev opencl-headers  # oneDNN's CMake config looks for OpenCL (its GPU runtime)
  libcurl4-openssl-dev       # model downloads from the Hub
  nlohmann-json3-dev         # config.json / vocab.json / CLI JSON
  libpcre2-dev               # GPT-2 pre-tokenisation regex with Unicode classes
  libavformat-dev libavcodec-dev libavutil-dev libswresample-dev  # audio decoding and resampling
  ffmpeg sox libsox-fmt-all  # test signals in every format, made at test time
  libsqlite3-dev             # the library's catalog
  libssl-dev                 # SHA-256 of downloads and indexed files (libcrypto)
  libfaiss-dev               # approximate nearest-neighbour index for large libraries
  libebur128-dev             # EBU R128 loudness, loudness range, true peak
  libaubio-dev libqm-dsp-dev # tempo and key (aubio, Queen Mary DSP as used by Mixxx)
  libtag1-dev                # writing tags back into audio files (TagLib)
  libchromaprint-dev         # acoustic fingerprints for duplicate detection (Chromaprint, as AcoustID)
  libcairo2-dev fonts-dejavu-core  # the map's picture (PNG through cairo, its legend in DejaVu Sans)
  libcpp-httplib-dev         # sonavec serve's HTTP server (cpp-httplib)
  chromium                   # the web page's browser tests (driven by playwright-core from npm)
  libgtest-dev               # unit tests
  python3                    # test-time HTTP server for the download client
  python3-numpy              # tests load the npy export back; the Python module's arrays
  python3-dev pybind11-dev python3-pybind11  # the Python module (python/)
  python3-pytest             # its tests
  postgresql                 # tests load the pgvector SQL export into a real server
)
need=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
# Node.js and npm for the browser tests' driver (web/package.json): Debian's, unless a newer one is here.
if ! command -v npm >/dev/null; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  # A nodejs of another source may bring its own npm (and refuse Debian's): npm only when still missing.
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends nodejs
  command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends npm
fi
# playwright-core, pinned in web/package-lock.json (the browser is Debian's chromium, not a download).
if [ ! -d "$(dirname "$0")/../web/node_modules/playwright-core" ]; then
  (cd "$(dirname "$0")/../web" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error) ||
    echo "setup: npm could not install web/'s test driver (no registry?): the browser tests will be left out" >&2
fi
