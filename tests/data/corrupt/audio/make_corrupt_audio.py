#!/usr/bin/env python3
"""Writes the small broken audio files the decoder tests keep as fixtures (tests/data/corrupt/audio).

Deterministic and stdlib only. Each file's name says what is wrong with it; every one must be refused
with a clear error, never a crash. The decoder is also fuzzed from these (scripts/fuzz.sh).
Run from anywhere: python3 make_corrupt_audio.py
"""
import math
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def wav(samples, rate=48000, channels=1, bits=16, fmt_tag=1, declared_data=None, block_align=None):
    data = b"".join(struct.pack("<h", s) for s in samples)
    size = len(data) if declared_data is None else declared_data
    align = channels * bits // 8 if block_align is None else block_align
    fmt = struct.pack("<HHIIHH", fmt_tag, channels, rate, rate * align, align, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", size) + data
    return b"RIFF" + struct.pack("<I", 4 + len(body) - 4 + (size - len(data))) + body


def tone(n, hz=440.0, rate=48000):
    return [int(8000 * math.sin(2 * math.pi * hz * i / rate)) for i in range(n)]


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def main():
    # The data chunk declares a second of samples; 1,000 are there.
    write("truncated_data_chunk.wav", wav(tone(1000), declared_data=96000))
    # A valid header and no samples at all.
    write("zero_samples.wav", wav([]))
    # Nothing at all.
    write("empty_file.mp3", b"")
    # Text with an audio extension.
    write("text_not_audio.mp3", b"This is a shopping list, not an MP3.\nmilk\neggs\n" * 4)
    # A format tag no codec has.
    write("unknown_codec_tag.wav", wav(tone(4800), fmt_tag=0x1234))
    # Zero channels and a zero sample rate.
    write("zero_channels.wav", wav(tone(4800), channels=0, block_align=2))
    write("zero_sample_rate.wav", wav(tone(4800), rate=0))
    # FLAC marker followed by a STREAMINFO block of garbage and no frames.
    write("garbage_streaminfo.flac", b"fLaC" + bytes([0x80, 0, 0, 34]) + bytes([0xFF] * 34))
    # An ID3v2 tag that claims 1 MiB and is followed by nothing.
    write("id3_tag_only.mp3", b"ID3" + bytes([4, 0, 0, 0x00, 0x40, 0x00, 0x00]) + b"TIT2" + bytes(16))
    # An Ogg page header with a garbage body.
    write("garbage_ogg_page.ogg", b"OggS" + bytes([0, 2]) + bytes(20) + bytes([1, 30]) + bytes(range(30)))


if __name__ == "__main__":
    main()
