#!/usr/bin/env bash
# Installs the independent readers the tests use as oracles (Debian packages; see ../shared/ORACLES.md).
# Run as root (CI runs as root); installs only what is missing, then checks that the tools work.
set -euo pipefail
packages=(xorriso genisoimage libcdio-utils p7zip-full libarchive-tools python3-pycdlib udftools
  # The Linux kernel as a reader under QEMU, and boot payloads (tools/qemu/README.md).
  qemu-system-x86 qemu-block-extra linux-image-amd64 busybox-static cpio xz-utils
  ovmf isolinux syslinux-common grub-efi-amd64-bin mtools
  # A software DVD+R recorder served over iSCSI to QEMU guests (tools/tgt/README.md).
  tgt)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-oracles: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # The tests run their own tgtd (tools/tgt/tgt.mjs: a free port on 127.0.0.1, a private control index). The
  # package's tgt service (every interface, port 3260) is not wanted: while installing, a policy-rc.d keeps it
  # from starting (only when there is none already: an existing one is the administrator's and stays).
  policy=/usr/sbin/policy-rc.d
  if [[ " ${missing[*]} " == *" tgt "* ]] && [ ! -e "$policy" ]; then
    # invoke-rc.d calls it as `[--quiet] tgt ACTION`, deb-systemd-invoke as `tgt.service ACTION`.
    printf '#!/bin/sh\n# install-oracles.sh: do not start the tgt service.\nfor a; do case "$a" in tgt | tgt.service) exit 101 ;; esac; done\nexit 0\n' > "$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
  if [[ " ${missing[*]} " == *" tgt "* ]]; then
    # Not at boot either (this is the service we just installed; a tgt installed before is left alone).
    if command -v systemctl > /dev/null; then
      systemctl disable tgt.service > /dev/null 2>&1 || true
    elif command -v update-rc.d > /dev/null; then
      update-rc.d tgt disable > /dev/null 2>&1 || true
    fi
  fi
fi

# Checks: every program the tests call, and QEMU's iSCSI block driver (a module from qemu-block-extra that
# QEMU loads on demand: a drive on a closed port must fail with an iSCSI error, not "unknown driver").
failed=0
for cmd in xorriso isoinfo genisoimage iso-info iso-read 7z bsdtar udfinfo mkudffs qemu-system-x86_64 busybox cpio xz \
  mformat mcopy grub-mkstandalone tgtd tgtadm; do
  PATH="$PATH:/usr/sbin:/sbin" command -v "$cmd" > /dev/null || { echo "install-oracles: $cmd is missing" >&2; failed=1; }
done
/usr/bin/python3 -c 'import pycdlib' 2> /dev/null || { echo "install-oracles: python3 cannot import pycdlib" >&2; failed=1; }
iscsi_probe=$(qemu-system-x86_64 -nodefaults -display none -machine none -S \
  -blockdev driver=iscsi,node-name=probe,transport=tcp,portal=127.0.0.1:1,target=iqn.2024-01.probe:x,lun=1 2>&1 || true)
case "$iscsi_probe" in
  *iSCSI*) ;;
  *) echo "install-oracles: QEMU has no iSCSI block driver (qemu-block-extra): $iscsi_probe" >&2; failed=1 ;;
esac
exit $failed
