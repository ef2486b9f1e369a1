#!/usr/bin/env bash
# Installs every Debian package that tafel's build, demo, tests and benchmarks need.
# Idempotent and quiet: packages already present are not touched; apt-get update runs only
# when something is missing. Nothing is downloaded from anywhere but Debian's archive
# (and, for the browser tests, the npm registry through tests/e2e/package-lock.json).
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git clang-format
  libclang-rt-14-dev   # libFuzzer's driver for the GCC-built fuzz targets (tests/fuzz)
  # media
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev libavfilter-dev
  libvpx-dev libopus-dev libx264-dev
  # rendering
  libcairo2-dev libpango1.0-dev libpoppler-glib-dev librsvg2-dev
  fonts-dejavu-core fonts-noto-color-emoji
  # network, storage, glue
  libboost-dev libboost-system-dev libsqlite3-dev libpq-dev libssl-dev
  nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev libpugixml-dev catch2
  # lesson simulator (linked, not shelled out to)
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  libgstreamer-plugins-bad1.0-dev gstreamer1.0-nice   # webrtcbin + libnice: tafel record --bbb (bbb/)
  libnice-dev   # tests/bbb: a libnice ICE-lite agent plays mediasoup's ICE side
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav
  # independent checkers and peers for tests and benchmarks
  ffmpeg gstreamer1.0-tools tshark wrk nginx-light espeak-ng sox
  postgresql redis-server
  # browser tests (Node.js itself below: the machine may already carry a newer one)
  chromium
)
# Debian's nodejs and npm only where no Node.js is present: a machine image that ships
# Node.js with its own npm conflicts with Debian's npm package.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${#missing[@]} Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # tshark asks whether non-root users may capture; the answer is preseeded.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "setup: all packages present"
