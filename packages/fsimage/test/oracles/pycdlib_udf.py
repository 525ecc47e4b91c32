"""Oracle helper: walk the UDF tree of an image with pycdlib and print it as JSON lines.

Run with Debian's /usr/bin/python3 (python3-pycdlib 1.12):  pycdlib_udf.py IMAGE [--no-hash]

Output (stdout, one JSON object per line):
  {"kind": "info", "udf": true, "revision": "1.02", "domain": "*OSTA UDF Compliant", "label": "CDROM",
   "partitionMaps": ["1"]}   first line; a type 2 map shows as "2:<its identifier>", e.g. "2:*UDF Metadata Partition"
  {"kind": "entry", "path": "/a/b.txt", "type": "file", "size": 3, "sha256": "...", "mtime": 1614834367,
   "atime": ..., "attrTime": ..., "uid": 0, "gid": 0, "mode": 420, "permissions": 5285, "icbFlags": 560,
   "linkCount": 1, "fileType": 5, "uniqueId": 273, "target": "x" (symlinks)}

The walk goes through pycdlib's parsed UDF structures: get_record(udf_path=DIR) and its File Identifier
Descriptors (what list_children(udf_path=) yields the File Entries of; the FIDs also tell a parent FID from a
FID whose File Entry is missing), names decoded with the FID's compression ID (8: Latin-1, 16: UTF-16BE),
file contents through get_file_from_iso_fp(udf_path=). From the UDF File Entry (ECMA-167 4/14.9) it reports:
  type        ICB file type: 4 dir, 5 file, 12 symlink (anything else is an error)
  mtime, atime, attrTime
              the Modification, Access and Attribute time stamps as UTC Unix seconds, converted the way the
              Linux kernel does (udf_disk_stamp_to_time): for type 1 (local time) the recorded offset from UTC
              is subtracted unless it is -2047 (unspecified); other types are taken as UTC
  uid, gid    as recorded; 4294967295 (-1, "not specified" in UDF) is printed as null
  permissions the raw 15-bit UDF permissions (per class: execute 1, write 2, read 4, chattr 8, delete 16;
              other << 0, group << 5, owner << 10)
  icbFlags    the raw ICB tag flags (setuid 0x40, setgid 0x80, sticky 0x100)
  mode        the POSIX mode the kernel derives from both (udf_convert_permissions): rwx per class plus
              setuid/setgid/sticky from the ICB flags; no file-type bits
  linkCount   the File Link Count as recorded
  target      symlinks: the File Entry's data (read like a file's, through pycdlib's inode) decoded as ECMA-167
              4/14.16.1 path components (2: root "/", 3: "..", 4: ".", 5: a name), joined with "/"
pycdlib 1.12 only understands File Entries (tag 261, not Extended File Entries), one type 1 partition (no
metadata partition, no VAT), and images with an ISO 9660 PVD (bridge images): it cannot open a pure UDF image.
Exit code 3 means the image has no UDF (the info line is still printed), 4 that pycdlib cannot open it (the
message goes to stderr).
"""

import calendar
import hashlib
import json
import sys

import pycdlib
import pycdlib.inode
import pycdlib.pycdlibexception
import pycdlib.udf

UNSET_ID = 0xFFFFFFFF
TYPES = {4: "dir", 5: "file", 12: "symlink"}


class HashSink:
    """A write-only file object that feeds everything into SHA-256 (and optionally keeps the bytes)."""

    def __init__(self, keep=False):
        self.hash = hashlib.sha256()
        self.size = 0
        self.data = bytearray() if keep else None

    def write(self, data):
        self.hash.update(data)
        self.size += len(data)
        if self.data is not None:
            self.data.extend(data)
        return len(data)


def stamp_seconds(ts):
    """A UDF timestamp (ECMA-167 1/7.3) as UTC Unix seconds, like the kernel's udf_disk_stamp_to_time."""
    try:
        secs = calendar.timegm((ts.year, ts.month, ts.day, ts.hour, ts.minute, ts.second, 0, 0, 0))
    except (ValueError, OverflowError):
        return None
    if ts.timetype == 1 and ts.tz != -2047:
        secs -= ts.tz * 60
    return secs


def posix_mode(perms, flags):
    """udf_convert_permissions: the rwx bits of each class, setuid/setgid/sticky from the ICB flags."""
    mode = (perms & 0o7) | ((perms >> 2) & 0o70) | ((perms >> 4) & 0o700)
    if flags & 0x40:
        mode |= 0o4000
    if flags & 0x80:
        mode |= 0o2000
    if flags & 0x100:
        mode |= 0o1000
    return mode


def dstring(data):
    """A CS0 identifier with its compression ID byte (8: 8-bit, 16: UTF-16BE)."""
    if not data:
        return ""
    if data[0] == 8:
        return data[1:].decode("latin-1")
    if data[0] == 16:
        return data[1:].decode("utf-16_be", "surrogatepass")
    raise ValueError("unknown compression ID %d in %r" % (data[0], data))


def decode_symlink(data):
    """ECMA-167 4/14.16.1 path components -> a POSIX path (as the kernel's udf_pc_to_char builds it)."""
    parts = []
    absolute = False
    offset = 0
    while offset < len(data):
        if offset + 4 > len(data):
            raise ValueError("truncated path component in symlink data %r" % bytes(data))
        ctype, length = data[offset], data[offset + 1]
        ident = bytes(data[offset + 4:offset + 4 + length])
        offset += 4 + length
        if ctype == 1 and length == 0 or ctype == 2:
            absolute = True
            parts = []
        elif ctype == 3:
            parts.append("..")
        elif ctype == 4:
            parts.append(".")
        elif ctype == 5:
            parts.append(dstring(ident))
        else:
            raise ValueError("unsupported path component type %d in symlink data" % ctype)
    return ("/" if absolute else "") + "/".join(parts)


def read_data(iso, fe):
    """The data of a non-directory File Entry, the way pycdlib reads a file's (through its inode)."""
    sink = HashSink(keep=True)
    if fe.get_data_length() > 0:
        if fe.inode is None:
            raise ValueError("File Entry without data location")
        with pycdlib.inode.InodeOpenData(fe.inode, iso.logical_block_size) as (data_fp, data_len):
            sink.write(data_fp.read(data_len))
    return sink.data


def entry_for(iso, fe, path, do_hash):
    ftype = TYPES.get(fe.icb_tag.file_type)
    if ftype is None:
        raise ValueError("unsupported ICB file type %d at %s" % (fe.icb_tag.file_type, path))
    entry = {
        "kind": "entry",
        "path": path,
        "type": ftype,
        "fileType": fe.icb_tag.file_type,
        "mtime": stamp_seconds(fe.mod_time),
        "atime": stamp_seconds(fe.access_time),
        "attrTime": stamp_seconds(fe.attr_time),
        "uid": None if fe.uid == UNSET_ID else fe.uid,
        "gid": None if fe.gid == UNSET_ID else fe.gid,
        "permissions": fe.perms,
        "icbFlags": fe.icb_tag.flags,
        "mode": posix_mode(fe.perms, fe.icb_tag.flags),
        "linkCount": fe.file_link_count,
        "uniqueId": fe.unique_id,
    }
    if ftype == "file":
        entry["size"] = fe.get_data_length()
        if do_hash:
            sink = HashSink()
            iso.get_file_from_iso_fp(sink, udf_path=path)
            if sink.size != entry["size"]:
                raise ValueError("read %d bytes from %r, File Entry says %d" % (sink.size, path, entry["size"]))
            entry["sha256"] = sink.hash.hexdigest()
    elif ftype == "symlink":
        entry["target"] = decode_symlink(read_data(iso, fe))
    return entry


def volume_info(iso):
    """Revision (Domain Identifier suffix), label and partition maps of the first Logical Volume Descriptor."""
    lv = iso.udf_main_descs.logical_volumes[0]
    suffix = lv.domain_ident.suffix
    maps = []
    for p in lv.partition_maps:
        if isinstance(p, pycdlib.udf.UDFType2PartitionMap):
            # UDF 2.2.8-2.2.10: reserved (2 bytes), then the Partition Type Identifier (an EntityID).
            maps.append("2:" + p.part_ident[3:26].rstrip(b"\x00").decode("latin-1"))
        else:
            maps.append("1" if isinstance(p, pycdlib.udf.UDFType1PartitionMap) else "0")
    return {
        "kind": "info",
        "udf": True,
        "revision": "%x.%02x" % (suffix[1], suffix[0]),
        "domain": lv.domain_ident.identifier.rstrip(b"\x00").decode("latin-1"),
        "label": dstring(lv.logical_vol_ident[:lv.logical_vol_ident[-1]]),
        "partitionMaps": maps,
    }


def main():
    args = sys.argv[1:]
    do_hash = "--no-hash" not in args
    args = [a for a in args if a != "--no-hash"]
    if len(args) != 1:
        sys.stderr.write("usage: pycdlib_udf.py IMAGE [--no-hash]\n")
        return 2
    iso = pycdlib.PyCdlib()
    try:
        iso.open(args[0])
    except pycdlib.pycdlibexception.PyCdlibException as e:
        sys.stderr.write("pycdlib cannot open %s: %s: %s\n" % (args[0], type(e).__name__, e))
        return 4
    try:
        if not iso.has_udf():
            print(json.dumps({"kind": "info", "udf": False}), flush=True)
            sys.stderr.write("pycdlib: image has no UDF volume recognition sequence\n")
            return 3
        print(json.dumps(volume_info(iso)), flush=True)
        stack = ["/"]
        while stack:
            directory = stack.pop()
            for fid in iso.get_record(udf_path=directory).fi_descs:
                if fid.is_parent():
                    continue
                name = dstring(bytes([16 if fid.encoding == "utf-16_be" else 8]) + fid.fi)
                path = "/" + name if directory == "/" else directory + "/" + name
                if fid.file_entry is None:
                    # pycdlib keeps a FID whose File Entry is all zeros without one.
                    raise ValueError("File Identifier without a File Entry: %s" % path)
                entry = entry_for(iso, fid.file_entry, path, do_hash)
                if entry["type"] == "dir":
                    stack.append(path)
                print(json.dumps(entry), flush=False)
    finally:
        iso.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
