"""Oracle helper: walk one namespace of an ISO image with pycdlib and print it as JSON lines.

Run with Debian's /usr/bin/python3 (python3-pycdlib):  pycdlib_walk.py IMAGE NAMESPACE [--no-hash]
NAMESPACE is "iso9660" or "joliet".

Output (stdout, one JSON object per line):
  {"kind": "info", "joliet": bool, "rockridge": bool, "udf": bool}                  first line, always
  {"kind": "entry", "path": "/A/B.TXT;1", "type": "file", "size": 3, "sha256": "...", "mtime": 1614834367}
Names are the raw directory-record identifiers: ISO 9660 bytes decoded as UTF-8 (invalid bytes become
U+FFFD), Joliet UCS-2/UTF-16BE. No version or dot stripping happens here (the TypeScript side does it).
mtime is the directory record's recording date converted to UTC Unix seconds (null for an all-zero date).
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


def record_mtime(rec):
    d = rec.date
    if d.month == 0 or d.day_of_month == 0:
        return None
    try:
        local = calendar.timegm(
            (1900 + d.years_since_1900, d.month, d.day_of_month, d.hour, d.minute, d.second, 0, 0, 0)
        )
    except (ValueError, OverflowError):
        return None
    # gmtoffset: signed offset from GMT in 15-minute units; the fields above are local time at that offset.
    return local - d.gmtoffset * 15 * 60


def main():
    args = sys.argv[1:]
    do_hash = "--no-hash" not in args
    args = [a for a in args if a != "--no-hash"]
    if len(args) != 2 or args[1] not in ("iso9660", "joliet"):
        sys.stderr.write("usage: pycdlib_walk.py IMAGE iso9660|joliet [--no-hash]\n")
        return 2
    image, namespace = args
    iso = pycdlib.PyCdlib()
    iso.open(image)
    try:
        info = {"kind": "info", "joliet": iso.has_joliet(), "rockridge": bool(iso.has_rock_ridge()),
                "udf": iso.has_udf()}
        print(json.dumps(info), flush=True)
        if namespace == "joliet" and not info["joliet"]:
            sys.stderr.write("pycdlib: image has no Joliet volume descriptor\n")
            return 3
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
                    if do_hash:
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
