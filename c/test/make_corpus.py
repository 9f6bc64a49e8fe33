#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_frames.c (its input format is described at the top of that file).

The seeds are whole sessions: they reach every message type, interrupts, line settings, names in pieces,
a new HELLO, the driver's ERROR, and garbage on a serial line, so that mutations start from deep states.
Run from c/: python3 test/make_corpus.py (the files are kept in git; this only remakes them).
"""
import os
import struct

HELLO, FEATURES, REQUEST, PING, ERROR = 1, 3, 5, 7, 9


def frame(ftype, queue=0, tag=0, size=0, offset=0, body=b""):
    return struct.pack("<BBHHH", ftype, queue, tag, size, offset) + body


def chunk(f):
    assert len(f) < 0xfb
    return bytes([len(f)]) + f


def req(tag, msg, gpio, value=0, size=2):
    return chunk(frame(REQUEST, 0, tag, size, 0, struct.pack("<HHI", msg, gpio, value)))


def irq(tag, gpio):
    return chunk(frame(REQUEST, 1, tag, 1, 0, struct.pack("<H", gpio)))


def line(gpio, level):
    return bytes([0xff, gpio | level << 7])


def names_size(n):
    return sum(len("GPIO_LINE_%d" % i) + 1 for i in range(n))


def session(n, features=0x3, token=b""):
    s = chunk(frame(HELLO, body=struct.pack("<HHH", 1, 1, len(token)) + token))
    s += chunk(frame(FEATURES, body=struct.pack("<Q", features | 1 << 32)))
    s += req(1, 1, 0, size=1 + names_size(n))
    s += req(2, 2, 0) + req(3, 5, 0, 1) + req(4, 3, 0, 1) + req(5, 4, 0)
    s += req(6, 6, n - 1, 3) + irq(0, n - 1) + line(n - 1, 1) + irq(0, n - 1) + line(n - 1, 0)
    s += req(7, 7, 0) + req(8, 8, 0, 0x0201) + req(9, 8, 0, 0x0102) + req(10, 8, 0, 0x03e803)
    s += chunk(frame(PING, body=b"\x01\x02\x03\x04\x05\x06\x07\x08"))
    s += req(11, 6, 0, 4) + req(12, 3, 0, 0) + req(13, 6, 0, 4) + irq(1, 0) + line(0, 1) + irq(1, 0)
    s += req(14, 6, 0, 8) + req(14, 6, 0, 0) + req(15, 3, 0, 0)
    s += chunk(frame(HELLO, body=struct.pack("<HHH", 1, 1, len(token)) + token))
    s += chunk(frame(FEATURES, body=struct.pack("<Q", features | 1 << 32)))
    s += req(31, 2, 0) + req(32, 2, 0)
    s += chunk(frame(ERROR, body=struct.pack("<HH", 10, 0) + b"bye"))
    return s


def main():
    out = os.path.join(os.path.dirname(__file__), "corpus")
    os.makedirs(out, exist_ok=True)
    eight = 0x80 | 0x30  # 8 lines, interrupts, caps
    seeds = {
        "frames-8.bin": bytes([eight | 3]) + session(8),
        "socket-8.bin": bytes([eight | 1]) + session(8),
        "serial-8.bin": bytes([eight | 2]) + session(8)[:120] + b"\xfe\x06VG\x10\x00zz" + session(8),
        "frames-64-names.bin": bytes([0xc0 | 0x30 | 3]) + session(64) + req(1, 1, 0, size=1 + names_size(64)),
        "token.bin": bytes([eight | 0x08 | 0x04 | 3]) + req(1, 2, 0) + session(8, token=b"tok"),
        "plain-1.bin": bytes([0x00 | 3]) + session(1, features=0),
        "socket-garbage.bin": bytes([eight | 1]) + session(8)[:60] + b"\xfe\x04XXXX" + session(8),
        "serial-disconnect.bin": bytes([eight | 2 | 4]) + irq(0, 0) + b"\xfd" + session(3, 0x1)[:200],
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
