#!/usr/bin/env bash
# Remakes static/clip.webm, the example's 30-second test picture (a seconds counter, so a seek
# is easy to see), 5 frames a second, VP9 at constant quality: about 31 KB. Needs Debian's ffmpeg
# (apt-get install ffmpeg), which the toolchain leaves out: the clip is kept in the repo.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
ffmpeg -hide_banner -loglevel error -y -f lavfi -i 'testsrc=size=320x180:rate=5:duration=30' \
    -c:v libvpx-vp9 -crf 50 -b:v 0 -g 50 -pix_fmt yuv420p -an -fflags +bitexact static/clip.webm
ls -l static/clip.webm
