#!/usr/bin/env python3
"""Writes the small PyTorch-checkpoint and safetensors fixtures the reader tests use.

Deterministic and stdlib only (no torch): the pickles are assembled opcode by opcode the way
torch.save writes a state dict, and the zips the way torch's writer lays them out (stored entries,
data descriptors, 64-byte aligned data, ZIP64 end records). Valid edge cases go to tests/data/pytorch/,
deliberately broken files to tests/data/corrupt/. Run from anywhere: python3 make_corrupt_fixtures.py
"""
import json
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
VALID_DIR = os.path.join(HERE, "..", "pytorch")


# ---- pickle opcodes (protocol 2, as torch.save emits them) ----

def unicode(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def integer(v):
    if 0 <= v < 256:
        return b"K" + bytes([v])
    if 0 <= v < 65536:
        return b"M" + struct.pack("<H", v)
    if -2**31 <= v < 2**31:
        return b"J" + struct.pack("<i", v)
    return b"\x8a\x08" + struct.pack("<q", v)


def tup(items):
    return b"(" + b"".join(items) + b"t"


def global_(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def ordered_dict():
    return global_("collections", "OrderedDict") + b")R"


def storage_pid(storage_type, key, numel):
    return tup([unicode("storage"), global_("torch", storage_type), unicode(key), unicode("cpu"), integer(numel)])


def tensor(storage_type, key, numel, offset, size, stride, pid=None):
    """_rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks)."""
    pid = pid if pid is not None else storage_pid(storage_type, key, numel)
    return (global_("torch._utils", "_rebuild_tensor_v2") +
            tup([pid + b"Q", integer(offset), tup([integer(d) for d in size]), tup([integer(d) for d in stride]),
                 b"\x89", ordered_dict()]) + b"R")


def state_dict(entries, metadata=True):
    body = b"\x80\x02" + ordered_dict() + b"(" + b"".join(unicode(k) + v for k, v in entries) + b"u"
    if metadata:  # torch pickles the state dict's _metadata as OrderedDict instance state
        body += b"}" + unicode("_metadata") + ordered_dict() + unicode("") + b"}" + unicode("version") + \
            integer(1) + b"s" + b"s" + b"s" + b"b"
    return body + b"."


# ---- zip writers ----

def torch_zip(files, force_zip64=False, align=64):
    """Stored entries laid out like torch's PyTorchStreamWriter: flag bit 3 with data descriptors,
    data 64-byte aligned through an 'FB' padding extra field, ZIP64 end records always present.
    force_zip64 escapes every directory size and offset to 0xffffffff with a ZIP64 extra field."""
    out, cd = bytearray(), bytearray()
    for name, data in files:
        nb = name.encode()
        offset = len(out)
        pad = (-(offset + 30 + len(nb) + 4)) % align
        extra = struct.pack("<HH", 0x4246, pad) + b"Z" * pad
        crc = zlib.crc32(data)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x0808, 0, 0, 0x21, 0, 0, 0, len(nb), len(extra))
        out += nb + extra + data
        out += struct.pack("<IIII", 0x08074B50, crc, len(data), len(data))
        if force_zip64:
            cextra = struct.pack("<HHQQQ", 1, 24, len(data), len(data), offset)
            size32 = offset32 = 0xFFFFFFFF
        else:
            cextra, size32, offset32 = b"", len(data), offset
        cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0x0808, 0, 0, 0x21, crc, size32, size32,
                          len(nb), len(cextra), 0, 0, 0, 0, offset32) + nb + cextra
    cd_offset, n = len(out), len(files)
    out += cd
    zip64_end = len(out)
    out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, n, n, len(cd), cd_offset)
    out += struct.pack("<IIQI", 0x07064B50, 0, zip64_end, 1)
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(cd), cd_offset, 0)
    return bytes(out)


def plain_zip(files, compress=()):
    """A classic zip (no ZIP64, sizes in the local headers), optionally deflating some entries."""
    out, cd = bytearray(), bytearray()
    for name, data in files:
        nb = name.encode()
        offset = len(out)
        method, payload = 0, data
        if name in compress:
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            method, payload = 8, c.compress(data) + c.flush()
        crc = zlib.crc32(data)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(payload), len(data),
                           len(nb), 0) + nb + payload
        cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc, len(payload),
                          len(data), len(nb), 0, 0, 0, 0, 0, offset) + nb
    cd_offset, n = len(out), len(files)
    out += cd
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(cd), cd_offset, 0)
    return bytes(out)


def checkpoint(pickle, storages, writer=torch_zip, **kw):
    files = [("archive/data.pkl", pickle)] + [("archive/data/" + k, v) for k, v in storages.items()]
    return writer(files + [("archive/version", b"3\n")], **kw)


def floats(values):
    return struct.pack("<%df" % len(values), *values)


def write(directory, name, data):
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


# A good one-tensor checkpoint that the corruptions start from.
GOOD_PICKLE = state_dict([("w", tensor("FloatStorage", "0", 4, 0, (2, 2), (2, 1)))])
GOOD_STORAGE = {"0": floats([1, 2, 3, 4])}


def valid_fixtures():
    # Three views of one storage (the pid tuple memoised and fetched again, as torch does), a
    # size-1 dim with an arbitrary stride, and an nn.Parameter through _rebuild_parameter.
    pid = storage_pid("FloatStorage", "0", 12) + b"q\x01"
    half = tensor("HalfStorage", "1", 3, 0, (3,), (1,))
    param = global_("torch._utils", "_rebuild_parameter") + tup([half, b"\x88", ordered_dict()]) + b"R"
    pickle = state_dict([
        ("a", tensor("FloatStorage", "0", 12, 0, (2, 2), (2, 1), pid=pid)),
        ("b", tensor("FloatStorage", "0", 12, 4, (2,), (1,), pid=b"h\x01")),
        ("c", tensor("FloatStorage", "0", 12, 6, (3, 1, 2), (2, 7, 1), pid=b"h\x01")),
        ("param", param),
    ])
    write(VALID_DIR, "shared_storage.bin",
          checkpoint(pickle, {"0": floats(range(12)), "1": struct.pack("<3e", 1, 2, 3)}))

    # Protocol 4 spellings: FRAME, SHORT_BINUNICODE, STACK_GLOBAL, MEMOIZE; a classic zip without ZIP64.
    def short(s):
        return b"\x8c" + bytes([len(s)]) + s.encode()

    def stack_global(module, name):
        return short(module) + short(name) + b"\x93\x94"

    body = (stack_global("collections", "OrderedDict") + b")R\x94(" + short("weight") +
            stack_global("torch._utils", "_rebuild_tensor_v2") +
            b"(" + b"(" + short("storage") + stack_global("torch", "BFloat16Storage") + short("0") + short("cpu") +
            integer(6) + b"tQ" + integer(0) + b"K\x02K\x03\x86K\x03K\x01\x86\x89" +
            stack_global("collections", "OrderedDict") + b")Rt" + b"Ru.")
    pickle = b"\x80\x04\x95" + struct.pack("<Q", len(body)) + body
    write(VALID_DIR, "plain_zip_protocol4.bin",
          checkpoint(pickle, {"0": struct.pack("<6H", *range(0x3F80, 0x3F86))}, writer=plain_zip))

    pickle = state_dict([("ids", tensor("LongStorage", "0", 4, 0, (4,), (1,)))])
    write(VALID_DIR, "zip64_extra.bin",
          checkpoint(pickle, {"0": struct.pack("<4q", 0, 1, 2, -3)}, force_zip64=True))


def corrupt_pytorch():
    good = checkpoint(GOOD_PICKLE, GOOD_STORAGE)
    out = {}
    out["truncated.bin"] = good[: len(good) // 2]
    out["truncated_end_record.bin"] = good[:-5]

    def patch(data, offset, fmt, value):
        b = bytearray(data)
        struct.pack_into(fmt, b, offset, value)
        return bytes(b)

    # The ZIP64 end record sits 56 + 20 + 22 bytes before the end; its directory offset is its last field.
    z64 = len(good) - 22 - 20 - 56
    out["bad_cd_offset.bin"] = patch(good, z64 + 48, "<Q", 1 << 40)
    out["bad_cd_size.bin"] = patch(good, z64 + 40, "<Q", (1 << 64) - 1)
    out["too_many_entries.bin"] = patch(good, z64 + 32, "<Q", 1 << 60)
    out["bad_zip64_locator.bin"] = patch(good, len(good) - 22 - 20 + 8, "<Q", 1 << 50)
    plain = checkpoint(GOOD_PICKLE, GOOD_STORAGE, writer=plain_zip)
    out["bad_cd_offset_classic.bin"] = patch(plain, len(plain) - 22 + 16, "<I", 0xFFFFFF00)

    # Point the first directory entry's local header offset into the middle of the data.
    cd = good.index(b"PK\x01\x02")
    out["bad_local_header_offset.bin"] = patch(good, cd + 42, "<I", 7)
    renamed = bytearray(good)
    renamed[30:38] = b"ARCHIVE/"
    out["local_name_mismatch.bin"] = bytes(renamed)

    out["short_storage.bin"] = checkpoint(GOOD_PICKLE, {"0": floats([1, 2])})
    out["tensor_past_storage.bin"] = checkpoint(
        state_dict([("w", tensor("FloatStorage", "0", 4, 2, (3,), (1,)))]), GOOD_STORAGE)
    out["missing_storage.bin"] = checkpoint(GOOD_PICKLE, {"7": floats([1, 2, 3, 4])})
    out["compressed_entry.bin"] = checkpoint(GOOD_PICKLE, GOOD_STORAGE, writer=plain_zip,
                                             compress=("archive/data.pkl",))
    out["forbidden_global.bin"] = checkpoint(
        b"\x80\x02" + global_("os", "system") + unicode("echo pwned") + b"\x85R.", GOOD_STORAGE)
    out["deep_marks.bin"] = checkpoint(b"\x80\x02" + b"(" * 100000 + b".", GOOD_STORAGE)
    out["deep_tuples.bin"] = checkpoint(
        b"\x80\x02" + ordered_dict() + unicode("w") + b")" + b"\x85" * 200000 + b"s.", GOOD_STORAGE)
    out["negative_size.bin"] = checkpoint(
        state_dict([("w", tensor("FloatStorage", "0", 4, 0, (-1, 4), (4, 1)))]), GOOD_STORAGE)
    out["huge_size.bin"] = checkpoint(
        state_dict([("w", tensor("FloatStorage", "0", 4, 0, (1 << 62, 1 << 62), (1 << 62, 1)))]), GOOD_STORAGE)
    out["huge_offset.bin"] = checkpoint(
        state_dict([("w", tensor("FloatStorage", "0", 4, (1 << 62), (4,), (1,)))]), GOOD_STORAGE)
    out["negative_storage_numel.bin"] = checkpoint(
        state_dict([("w", tensor("FloatStorage", "0", -4, 0, (4,), (1,)))]), GOOD_STORAGE)
    out["noncontiguous.bin"] = checkpoint(
        state_dict([("w", tensor("FloatStorage", "0", 4, 0, (2, 2), (1, 2)))]), GOOD_STORAGE)
    out["huge_string.bin"] = checkpoint(b"\x80\x02X" + struct.pack("<I", 0xFFFFFFF0) + b"abc.", GOOD_STORAGE)
    out["unknown_memo.bin"] = checkpoint(b"\x80\x02h\x63.", GOOD_STORAGE)
    out["unsupported_opcode.bin"] = checkpoint(b"\x80\x02" + global_("collections", "OrderedDict") + b")\x81.",
                                               GOOD_STORAGE)
    out["mixed_storage_types.bin"] = checkpoint(state_dict([
        ("a", tensor("FloatStorage", "0", 4, 0, (4,), (1,))),
        ("b", tensor("IntStorage", "0", 4, 0, (4,), (1,)))]), GOOD_STORAGE)
    out["storage_numel_mismatch.bin"] = checkpoint(state_dict([
        ("a", tensor("FloatStorage", "0", 4, 0, (4,), (1,))),
        ("b", tensor("FloatStorage", "0", 8, 0, (4,), (1,)))]), GOOD_STORAGE)
    out["not_a_state_dict.bin"] = checkpoint(b"\x80\x02]K\x01a.", GOOD_STORAGE)
    out["big_endian.bin"] = torch_zip([("archive/data.pkl", GOOD_PICKLE), ("archive/byteorder", b"big"),
                                       ("archive/data/0", GOOD_STORAGE["0"])])
    return out


def safetensors(header, data=b""):
    h = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + data


def corrupt_safetensors():
    out = {}
    out["header_past_eof.safetensors"] = struct.pack("<Q", 1000) + b"{}"
    out["too_short.safetensors"] = b"\x10\x00\x00"
    out["non_json_header.safetensors"] = safetensors(b"{not json at all")
    out["header_not_object.safetensors"] = safetensors(b"[1, 2, 3]")
    out["overlapping_offsets.safetensors"] = safetensors({
        "a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
        "b": {"dtype": "F32", "shape": [4], "data_offsets": [8, 24]}}, bytes(24))
    out["offsets_out_of_range.safetensors"] = safetensors({
        "a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 1000]}}, bytes(16))
    out["offsets_reversed.safetensors"] = safetensors({
        "a": {"dtype": "F32", "shape": [0], "data_offsets": [16, 8]}}, bytes(16))
    out["wrong_byte_count.safetensors"] = safetensors({
        "a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 12]}}, bytes(16))
    out["huge_dims.safetensors"] = safetensors({
        "a": {"dtype": "F32", "shape": [1 << 40, 1 << 40, 1 << 40], "data_offsets": [0, 16]}}, bytes(16))
    out["implausible_dim.safetensors"] = safetensors({
        "a": {"dtype": "F32", "shape": [1 << 62], "data_offsets": [0, 16]}}, bytes(16))
    out["negative_dim.safetensors"] = safetensors({
        "a": {"dtype": "F32", "shape": [-1, 4], "data_offsets": [0, 16]}}, bytes(16))
    out["unknown_dtype.safetensors"] = safetensors({
        "a": {"dtype": "F128", "shape": [1], "data_offsets": [0, 16]}}, bytes(16))
    return out


def main():
    os.makedirs(VALID_DIR, exist_ok=True)
    valid_fixtures()
    for name, data in {**corrupt_pytorch(), **corrupt_safetensors()}.items():
        write(HERE, name, data)


if __name__ == "__main__":
    main()
