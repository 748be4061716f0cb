#!/usr/bin/env python3
"""Writes the small vector index files the tests keep as fixtures (tests/data/corrupt/index).

Deterministic and stdlib only. valid_*.index load with the fingerprint "fixture"; every other file's name
says what is wrong with it, and vector_index::load must refuse it with an error naming the file. Most
carry a correct checksum, so the checks behind the checksum are reached too. The layout is described at
the top of src/library/vector_index_file.cpp. Run from anywhere: python3 make_corrupt_index.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
M = (1 << 64) - 1
K1, K2, K3 = 0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9


def rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & M


def mix(lane, word):
    return rotl((lane + word * K2) & M, 31) * K1 & M


def checksum(data):
    """src/util/checksum.cpp, byte for byte."""
    lanes = [(K1 + K2) & M, K2, 0, (-K1) & M]
    full = len(data) // 32 * 32
    for i in range(0, full, 32):
        for j in range(4):
            lanes[j] = mix(lanes[j], struct.unpack_from("<Q", data, i + 8 * j)[0])
    h = (rotl(lanes[0], 1) + rotl(lanes[1], 7) + rotl(lanes[2], 12) + rotl(lanes[3], 18)) & M
    for lane in lanes:
        h = ((h ^ mix(0, lane)) * K1 + K3) & M
    h = (h + len(data)) & M
    for b in data[full:]:
        h = rotl(h ^ (b * K3 & M), 11) * K1 & M
    h ^= h >> 33
    h = h * K2 & M
    h ^= h >> 29
    h = h * K3 & M
    h ^= h >> 32
    return h


def pad(data):
    """Zero bytes up to the next multiple of 64, where the next section starts."""
    return data + b"\0" * (-len(data) % 64)


def index_file(ids, rows, dim, kind=0, lists=None, nprobe=1, fingerprint=b"fixture", n=None, nlist=None,
               version=1, magic=b"SONAVIDX", fp_bytes=None, fix_checksum=True):
    """An index file; the keyword arguments override what the header declares."""
    centroids, offsets = lists if lists else ([], [])
    if nlist is None:
        nlist = len(offsets) - 1 if lists else 0
    if not lists and kind == 0:
        nprobe = 0
    head = magic + struct.pack("<IIQQQQQ", version, kind, len(ids) if n is None else n, dim,
                               len(fingerprint) if fp_bytes is None else fp_bytes, nlist, nprobe)
    body = pad(b"\0" * 64 + fingerprint)[64:]  # sections are placed from the start of the file
    body = pad(b"\0" * 64 + body + struct.pack("<%dq" % len(ids), *ids))[64:]
    body += struct.pack("<%df" % len(rows), *rows)
    if lists:
        body = pad(b"\0" * 64 + body)[64:] + struct.pack("<%df" % len(centroids), *centroids)
        body = pad(b"\0" * 64 + body)[64:] + struct.pack("<%dq" % len(offsets), *offsets)
    sum_ = checksum(head + body) if fix_checksum else 0
    return head + struct.pack("<Q", sum_) + body


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def main():
    s = 0.5 ** 0.5
    ids = [11, 12, 13, 14]
    rows = [1, 0, 0, 0, 1, 0, 0, 0, 1, s, s, 0]
    valid_exact = index_file(ids, rows, 3)
    write("valid_exact.index", valid_exact)
    ivf_ids = [21, 22, 23, 24, 25, 26]
    ivf_rows = [1, 0, 0, s, s, 0, s, 0, s, 0, 1, 0, 0, 0, 1, 0, s, s]
    ivf_lists = ([1, 0, 0, 0, 0.6, 0.8], [0, 3, 6])
    write("valid_ivf.index", index_file(ivf_ids, ivf_rows, 3, kind=1, lists=ivf_lists))

    write("empty.index", b"")
    write("short_header.index", valid_exact[:40])
    write("truncated.index", valid_exact[:-5])
    write("trailing_bytes.index", valid_exact + b"\0\0\0\0")
    flipped = bytearray(valid_exact)
    flipped[192 + 5] ^= 0x04  # a bit of the first vector (fingerprint at 64, ids at 128, vectors at 192)
    write("flipped_vector_bit.index", bytes(flipped))
    write("bad_checksum.index", valid_exact[:56] + b"\x01" * 8 + valid_exact[64:])
    write("no_checksum.index", index_file(ids, rows, 3, fix_checksum=False))
    write("bad_magic.index", index_file(ids, rows, 3, magic=b"SONAVIDY"))
    write("future_version.index", index_file(ids, rows, 3, version=2))
    write("unknown_kind.index", index_file(ids, rows, 3, kind=7))
    write("zero_dim.index", index_file(ids, rows, 0, n=4))
    write("huge_dim.index", index_file(ids, rows, 1 << 40))
    write("huge_count.index", index_file(ids, rows, 3, n=1 << 62))
    write("size_overflow.index", index_file(ids, rows, 8, n=(1 << 61) + 1))
    write("huge_fingerprint.index", index_file(ids, rows, 3, fp_bytes=1 << 40))
    write("count_one_short.index", index_file(ids, rows, 3, n=3))
    write("stale_fingerprint.index", index_file(ids, rows, 3, fingerprint=b"another catalog"))
    write("nan_vector.index", index_file(ids, rows[:4] + [float("nan")] + rows[5:], 3))
    write("infinite_vector.index", index_file(ids, rows[:4] + [float("inf")] + rows[5:], 3))
    write("duplicate_ids.index", index_file([11, 12, 11, 14], rows, 3))
    write("exact_with_lists.index", index_file(ids, rows, 3, nlist=2, nprobe=1))
    write("nlist_over_count.index", index_file(ivf_ids, ivf_rows, 3, kind=1, lists=ivf_lists, nlist=7))
    write("nlist_zero.index", index_file(ivf_ids, ivf_rows, 3, kind=1, lists=ivf_lists, nlist=0))
    write("nprobe_zero.index", index_file(ivf_ids, ivf_rows, 3, kind=1, lists=ivf_lists, nprobe=0))
    write("nprobe_over_nlist.index", index_file(ivf_ids, ivf_rows, 3, kind=1, lists=ivf_lists, nprobe=3))
    write("offsets_backwards.index", index_file(ivf_ids, ivf_rows, 3, kind=1, lists=(ivf_lists[0], [0, 7, 6])))
    write("offsets_past_end.index", index_file(ivf_ids, ivf_rows, 3, kind=1, lists=(ivf_lists[0], [0, 3, 9])))
    write("offsets_negative.index", index_file(ivf_ids, ivf_rows, 3, kind=1, lists=(ivf_lists[0], [-3, 3, 6])))
    write("nan_centroid.index", index_file(ivf_ids, ivf_rows, 3, kind=1, lists=([1, 0, 0, 0, float("nan"), 0.8], [0, 3, 6])))


if __name__ == "__main__":
    main()
