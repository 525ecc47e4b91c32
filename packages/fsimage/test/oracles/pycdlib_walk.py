"""Oracle helper: walk one namespace of an ISO image with pycdlib and print it as JSON lines.

Run with Debian's /usr/bin/python3 (python3-pycdlib):  pycdlib_walk.py IMAGE NAMESPACE [--no-hash]
NAMESPACE is "iso9660", "joliet" or "rockridge".

Output (stdout, one JSON object per line):
  {"kind": "info", "joliet": bool, "rockridge": "1.09"|"1.10"|"1.12"|null, "udf": bool}   first line, always
  {"kind": "entry", "path": "/A/B.TXT;1", "type": "file", "size": 3, "sha256": "...", "mtime": 1614834367}
Names are the raw directory-record identifiers: ISO 9660 bytes decoded as UTF-8 (invalid bytes become
U+FFFD), Joliet UCS-2/UTF-16BE. No version or dot stripping happens here (the TypeScript side does it).
mtime is the directory record's recording date converted to UTC Unix seconds (null for an all-zero date).

rockridge walks the physical ISO 9660 directory records and applies RRIP itself: names from NM (the Rock
Ridge name pycdlib assembles, CE continuations included), a record with CL stands for the relocated directory
it points to (pycdlib's cl_to_moved_dr: attributes and children come from there), a record with RE is hidden
(it is listed again through its CL placeholder). pycdlib's own rr_path listing would show the relocation
directory and its contents as well. Each entry adds, from PX: "mode" (st_mode, file type bits included),
"uid", "gid", "nlink"; from SL: "target" (pycdlib's symlink_path(), UTF-8 decoded); from PN: "rdev_high" and
"rdev_low"; "mtime" comes from TF's modification time when there is one (pycdlib misnames it access_time),
else from the directory record.
Files are hashed through get_file_from_iso_fp(rr_path=...), i.e. by pycdlib resolving the Rock Ridge path.
Exit code 3 means the image has no such namespace (the info line is still printed).
"""

import calendar
import hashlib
import json
import sys

import pycdlib


class HashSink:
    """A write-only file object that feeds everything into SHA-256."""

    def __init__(self):
        self.hash = hashlib.sha256()
        self.size = 0

    def write(self, data):
        self.hash.update(data)
        self.size += len(data)
        return len(data)


def utc_seconds(year, month, day, hour, minute, second, gmtoffset):
    if month == 0 or day == 0:
        return None
    try:
        local = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    except (ValueError, OverflowError):
        return None
    # gmtoffset: signed offset from GMT in 15-minute units; the fields above are local time at that offset.
    return local - gmtoffset * 15 * 60


def record_mtime(rec):
    d = rec.date
    return utc_seconds(1900 + d.years_since_1900, d.month, d.day_of_month, d.hour, d.minute, d.second,
                       d.gmtoffset)


def date_seconds(d):
    """A TF time stamp: 7-byte DirectoryRecordDate or 17-byte VolumeDescriptorDate."""
    if hasattr(d, "years_since_1900"):
        return utc_seconds(1900 + d.years_since_1900, d.month, d.day_of_month, d.hour, d.minute, d.second,
                           d.gmtoffset)
    return utc_seconds(d.year, d.month, d.dayofmonth, d.hour, d.minute, d.second, d.gmtoffset)


def rr_field(rr, name):
    """A Rock Ridge entry from the directory record or, failing that, its continuation area."""
    return getattr(rr.dr_entries, name) or getattr(rr.ce_entries, name)


S_IFMT = 0o170000
TYPES = {0o040000: "dir", 0o100000: "file", 0o120000: "symlink", 0o010000: "fifo", 0o140000: "socket",
         0o020000: "chardev", 0o060000: "blockdev"}


def walk_rockridge(iso, do_hash):
    """Yields the entries of the Rock Ridge tree (see the module docstring)."""
    root = iso.get_record(iso_path="/")
    stack = [("/", root)]
    while stack:
        directory, drec = stack.pop()
        for rec in drec.children:
            if rec.is_dot() or rec.is_dotdot():
                continue
            rr = rec.rock_ridge
            if rr is None:
                raise ValueError("record without Rock Ridge entries in %s" % directory)
            if rr_field(rr, "re_record") is not None:
                continue
            name = rr.name().decode("utf-8", "replace")
            path = "/" + name if directory == "/" else directory + "/" + name
            target_rec = rec
            if rr.child_link_record_exists():
                target_rec = rr.cl_to_moved_dr
                if target_rec is None:
                    raise ValueError("dangling CL in %s" % path)
            trr = target_rec.rock_ridge
            entry = {"kind": "entry", "path": path, "mtime": record_mtime(target_rec)}
            tf = rr_field(trr, "tf_record")
            # pycdlib 1.12 names TF's time stamps in the wrong order: RRIP's flag bit 1 (MODIFY) is parsed into
            # "access_time" and bit 2 (ACCESS) into "modification_time". So the modification time is access_time.
            if tf is not None and tf.access_time is not None:
                entry["mtime"] = date_seconds(tf.access_time)
            px = rr_field(trr, "px_record")
            if px is not None:
                entry["mode"] = px.posix_file_mode
                entry["uid"] = px.posix_user_id
                entry["gid"] = px.posix_group_id
                entry["nlink"] = px.posix_file_links
                entry["type"] = TYPES.get(px.posix_file_mode & S_IFMT)
                if entry["type"] is None:
                    raise ValueError("unknown file type in PX mode %o of %s" % (px.posix_file_mode, path))
            else:
                entry["type"] = "dir" if target_rec.is_dir() else "file"
            if entry["type"] == "dir" and not target_rec.is_dir():
                raise ValueError("PX says directory, record is not one: %s" % path)
            if trr.is_symlink():
                entry["target"] = trr.symlink_path().decode("utf-8", "replace")
            pn = rr_field(trr, "pn_record")
            if pn is not None:
                entry["rdev_high"] = pn.dev_t_high
                entry["rdev_low"] = pn.dev_t_low
            if entry["type"] == "dir":
                stack.append((path, target_rec))
            elif entry["type"] == "file":
                entry["size"] = target_rec.get_data_length()
                if do_hash:
                    sink = HashSink()
                    iso.get_file_from_iso_fp(sink, rr_path=path)
                    if sink.size != entry["size"]:
                        raise ValueError("read %d bytes from %r, record says %d" % (sink.size, path, entry["size"]))
                    entry["sha256"] = sink.hash.hexdigest()
            yield entry


def main():
    args = sys.argv[1:]
    do_hash = "--no-hash" not in args
    args = [a for a in args if a != "--no-hash"]
    if len(args) != 2 or args[1] not in ("iso9660", "joliet", "rockridge"):
        sys.stderr.write("usage: pycdlib_walk.py IMAGE iso9660|joliet|rockridge [--no-hash]\n")
        return 2
    image, namespace = args
    iso = pycdlib.PyCdlib()
    iso.open(image)
    try:
        info = {"kind": "info", "joliet": iso.has_joliet(), "rockridge": iso.rock_ridge or None,
                "udf": iso.has_udf()}
        print(json.dumps(info), flush=True)
        if namespace == "joliet" and not info["joliet"]:
            sys.stderr.write("pycdlib: image has no Joliet volume descriptor\n")
            return 3
        if namespace == "rockridge":
            if info["rockridge"] is None:
                sys.stderr.write("pycdlib: image has no Rock Ridge entries\n")
                return 3
            for entry in walk_rockridge(iso, do_hash):
                print(json.dumps(entry), flush=False)
            return 0
        key = "joliet_path" if namespace == "joliet" else "iso_path"

        def decode(ident):
            if namespace == "joliet":
                return ident.decode("utf-16_be", "surrogatepass")
            return ident.decode("utf-8", "replace")

        stack = ["/"]
        while stack:
            directory = stack.pop()
            for rec in iso.list_children(**{key: directory}):
                if rec.is_dot() or rec.is_dotdot():
                    continue
                name = decode(rec.file_identifier())
                path = "/" + name if directory == "/" else directory + "/" + name
                entry = {"kind": "entry", "path": path, "mtime": record_mtime(rec)}
                if rec.is_dir():
                    entry["type"] = "dir"
                    stack.append(path)
                else:
                    entry["type"] = "file"
                    entry["size"] = rec.get_data_length()
                    if do_hash and entry["size"] == 0:
                        # Also the ISO 9660 / Joliet records of Rock Ridge symlinks and special files, which
                        # get_file_from_iso_fp refuses to read ("Symlinks have no data associated with them").
                        entry["sha256"] = hashlib.sha256().hexdigest()
                    elif do_hash:
                        sink = HashSink()
                        iso.get_file_from_iso_fp(sink, **{key: path})
                        if sink.size != entry["size"]:
                            sys.stderr.write("pycdlib: read %d bytes from %r, record says %d\n"
                                             % (sink.size, path, entry["size"]))
                            return 1
                        entry["sha256"] = sink.hash.hexdigest()
                print(json.dumps(entry), flush=False)
    finally:
        iso.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
