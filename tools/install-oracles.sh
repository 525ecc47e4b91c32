#!/usr/bin/env bash
# Installs the independent readers the tests use as oracles (Debian packages; see ../shared/ORACLES.md).
# Run as root (CI runs as root); installs only what is missing.
set -euo pipefail
packages=(xorriso genisoimage libcdio-utils p7zip-full libarchive-tools python3-pycdlib udftools
  # The Linux kernel as a reader under QEMU, and boot payloads (tools/qemu/README.md).
  qemu-system-x86 qemu-block-extra linux-image-amd64 busybox-static cpio xz-utils
  ovmf isolinux syslinux-common grub-efi-amd64-bin mtools)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-oracles: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
