#!/usr/bin/env python3
"""Makes the golden bytes of tests/summary/test_records.cpp with a separate implementation:
a bitwise CRC-32C, struct packing, and the protobuf encoding written out by hand below.

Event { wall_time: 1.5  step: 3  summary { value { tag: "loss"  simple_value: 0.25 } } }
"""
import struct


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def masked(data):
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


value = b"\x0a\x04loss" + b"\x15" + struct.pack("<f", 0.25)
summary = b"\x0a" + bytes([len(value)]) + value
event = b"\x09" + struct.pack("<d", 1.5) + b"\x10\x03" + b"\x2a" + bytes([len(summary)]) + summary
header = struct.pack("<Q", len(event))
record = header + struct.pack("<I", masked(header)) + event + struct.pack("<I", masked(event))
print("crc32c('123456789') = 0x%08X" % crc32c(b"123456789"))
print("record:", ", ".join("0x%02x" % b for b in record))
