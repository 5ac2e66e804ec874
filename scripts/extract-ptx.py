#!/usr/bin/env python3
"""Writes the PTX (or cubin) of every gpu.binary in an MLIR file.

usage: extract-ptx.py FILE.mlir OUTDIR

Each `gpu.binary @NAME [#gpu.object<#nvvm.target<chip = "sm_XX" ...>,
assembly|bin = "..."> ...]` object becomes OUTDIR/NAME.CHIP.ptx (assembly)
or OUTDIR/NAME.CHIP.cubin (bin). MLIR prints the string with \\XX hex
escapes, which are decoded here. Prints one line per file written; exits 1
when the file holds no gpu.binary.
"""
import os
import re
import sys


def decode(text):
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            nxt = text[i + 1]
            if nxt in '"\\':
                out.append(ord(nxt))
                i += 2
                continue
            out.append(int(text[i + 1:i + 3], 16))
            i += 3
            continue
        out.extend(c.encode())
        i += 1
    return bytes(out)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: extract-ptx.py FILE.mlir OUTDIR")
    source = open(sys.argv[1], encoding="utf-8").read()
    os.makedirs(sys.argv[2], exist_ok=True)
    written = 0
    for binary in re.finditer(r"gpu\.binary @(\w+)", source):
        name = binary.group(1)
        end = source.find("gpu.binary @", binary.end())
        body = source[binary.end():end if end >= 0 else len(source)]
        pattern = (r'#nvvm\.target<chip = "(\w+)"[^>]*>\s*,'
                   r'(?:\s*properties = \{[^}]*\}\s*,)?\s*(assembly|bin)\s*=\s*'
                   r'"((?:[^"\\]|\\.)*)"')
        for obj in re.finditer(pattern, body):
            chip, kind, text = obj.groups()
            ext = "ptx" if kind == "assembly" else "cubin"
            path = os.path.join(sys.argv[2], f"{name}.{chip}.{ext}")
            with open(path, "wb") as f:
                f.write(decode(text))
            print(path)
            written += 1
    if not written:
        sys.exit(f"{sys.argv[1]}: no gpu.binary objects")


if __name__ == "__main__":
    main()
