#!/usr/bin/env python3
"""Copies the kernel's BTF out of a kernel image that is not an ELF file (an arm64 Image, as
Debian ships it in /boot/vmlinuz-*), for bpftool to turn into a vmlinux.h.
   extract-btf.py IMAGE OUT.btf
The BTF blob is found by its header: magic 0xeB9F, version 1, a 24-byte header; the largest
such blob is the kernel's (smaller matches are chance byte sequences)."""
import struct
import sys

HEADER = b"\x9f\xeb\x01\x00"


def main(image_path, out_path):
    data = open(image_path, "rb").read()
    best = None
    at = data.find(HEADER)
    while at >= 0:
        hdr_len, type_off, type_len, str_off, str_len = struct.unpack_from("<5I", data, at + 4)
        end = at + hdr_len + max(type_off + type_len, str_off + str_len)
        if hdr_len == 24 and end <= len(data) and (best is None or end - at > best[1] - best[0]):
            best = (at, end)
        at = data.find(HEADER, at + 1)
    if best is None:
        sys.exit(f"extract-btf: no BTF in {image_path} (was the kernel built with CONFIG_DEBUG_INFO_BTF=y?)")
    with open(out_path, "wb") as out:
        out.write(data[best[0]:best[1]])


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: extract-btf.py IMAGE OUT.btf")
    main(sys.argv[1], sys.argv[2])
