#!/usr/bin/env python3
"""Zip archives for tests/models/test_zip_archive.cpp, made with Python's zipfile (the module Keras
uses to write .keras files), plus a zip64 archive laid out by hand and checked with zipfile.

Run from this folder: python3 make_zips.py
"""
import io
import struct
import zipfile
import zlib

TEXT = b"hello keras " * 1000           # compresses well
BINARY = bytes(range(256)) * 50          # 12800 bytes


def write(path, compression, members, stream=False):
    if stream:  # an unseekable stream makes zipfile use data descriptors (flag bit 3)
        class Unseekable(io.RawIOBase):
            def __init__(self):
                self.buf = bytearray()
            def writable(self):
                return True
            def write(self, b):
                self.buf += b
                return len(b)
        out = Unseekable()
        with zipfile.ZipFile(out, "w", compression) as z:
            for name, data in members:
                with z.open(name, "w") as f:
                    f.write(data)
        open(path, "wb").write(bytes(out.buf))
    else:
        with zipfile.ZipFile(path, "w", compression) as z:
            for name, data in members:
                z.writestr(name, data)


write("deflated.zip", zipfile.ZIP_DEFLATED, [("text.txt", TEXT), ("dir/binary.bin", BINARY), ("empty.txt", b"")])
write("data_descriptor.zip", zipfile.ZIP_DEFLATED, [("text.txt", TEXT), ("dir/binary.bin", BINARY)], stream=True)
write("bzip2.zip", zipfile.ZIP_BZIP2, [("text.txt", TEXT)])


def zip64(path):
    """One stored member whose sizes and offset are saturated in the central directory and given in
    a zip64 extra field, and a zip64 end-of-central-directory record with its locator."""
    name = b"text.txt"
    crc = zlib.crc32(TEXT) & 0xFFFFFFFF
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0x21, crc, len(TEXT), len(TEXT), len(name), 0)
    data = local + name + TEXT
    extra = struct.pack("<HHQQQ", 0x0001, 24, len(TEXT), len(TEXT), 0)
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0x21, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                          len(name), len(extra), 0, 0, 0, 0, 0xFFFFFFFF) + name + extra
    cd_offset = len(data)
    z64_offset = cd_offset + len(central)
    z64 = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, 1, 1, len(central), cd_offset)
    locator = struct.pack("<IIQI", 0x07064B50, 0, z64_offset, 1)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    open(path, "wb").write(data + central + z64 + locator + end)


zip64("zip64.zip")

# Every archive reads back with zipfile itself (bzip2 included).
for p, names in [("deflated.zip", ["text.txt", "dir/binary.bin", "empty.txt"]),
                 ("data_descriptor.zip", ["text.txt", "dir/binary.bin"]), ("bzip2.zip", ["text.txt"]),
                 ("zip64.zip", ["text.txt"])]:
    with zipfile.ZipFile(p) as z:
        assert z.testzip() is None, p
        assert z.namelist() == names, (p, z.namelist())
        assert z.read("text.txt") == TEXT
print("ok")
