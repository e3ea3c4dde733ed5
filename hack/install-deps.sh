#!/usr/bin/env bash
# Installs the Debian packages the test suite talks to (DESIGN.md §7: real peers, never mocks).
# Idempotent: packages already installed are not touched, so later runs cost a dpkg query.
set -euo pipefail

PACKAGES=(
  sip-tester              # sipp: the SRC in integration tests
  baresip-core            # SIP over TLS with SDES-SRTP
  ffmpeg                  # RTP/SRTP senders (PCMU, PCMA, G.722, Opus)
  gstreamer1.0-tools      # gst-launch-1.0 for AES-GCM SRTP (srtpenc)
  gstreamer1.0-plugins-base
  gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad
  redis-server            # the shared session store
  sox                     # test audio and WAV checks
  openssl                 # test certificates
  curl                    # health checks of the local Kubernetes control plane
  iproute2
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all Debian packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
# The Debian redis-server package starts a system service; tests start their own
# instances on free ports, so the system ones are not needed.
$SUDO systemctl disable --now redis-server >/dev/null 2>&1 || true
