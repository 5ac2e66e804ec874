#!/usr/bin/env python3
"""Writes the PTX (or cubin) of every gpu.binary in an MLIR file.

usage: extract-ptx.py [--select TEXT] FILE.mlir OUTDIR

Each `gpu.binary @NAME [#gpu.object<#nvvm.target<chip = "sm_XX" ...>,
assembly|bin = "..."> ...]` object becomes OUTDIR/NAME.CHIP.ptx (assembly)
or OUTDIR/NAME.CHIP.cubin (bin). MLIR prints the string with \\XX hex
escapes, which are decoded here. Prints one line per file written; exits 1
when the file holds no gpu.binary.

With --select TEXT only the objects whose text contains TEXT are written,
named after their function (the binary name up to "_kernel"):
OUTDIR/FUNC.CHIP.ptx, or FUNC.I.CHIP.ptx when several kernels of FUNC
match. Kernel numbering depends on the whole module; this does not.
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
    args = sys.argv[1:]
    select = None
    if len(args) == 4 and args[0] == "--select":
        select = args[1]
        args = args[2:]
    if len(args) != 2:
        sys.exit("usage: extract-ptx.py [--select TEXT] FILE.mlir OUTDIR")
    source = open(args[0], encoding="utf-8").read()
    os.makedirs(args[1], exist_ok=True)
    found = []
    for binary in re.finditer(r"gpu\.binary @(\w+)", source):
        name = binary.group(1)
        end = source.find("gpu.binary @", binary.end())
        body = source[binary.end():end if end >= 0 else len(source)]
        pattern = (r'#nvvm\.target<chip = "(\w+)"[^>]*>\s*,'
                   r'(?:\s*properties = \{[^}]*\}\s*,)?\s*(assembly|bin)\s*=\s*'
                   r'"((?:[^"\\]|\\.)*)"')
        for obj in re.finditer(pattern, body):
            chip, kind, text = obj.groups()
            data = decode(text)
            if select is not None and select.encode() not in data:
                continue
            found.append((name, chip, "ptx" if kind == "assembly" else "cubin",
                          data))
    if not found:
        sys.exit(f"{args[0]}: no gpu.binary objects"
                 + (f" containing '{select}'" if select else ""))
    counts = {}
    for name, chip, _, _ in found:
        func = name.split("_kernel")[0] if select else name
        counts[(func, chip)] = counts.get((func, chip), 0) + 1
    seen = {}
    for name, chip, ext, data in found:
        stem = name
        if select is not None:
            func = name.split("_kernel")[0]
            index = seen.get((func, chip), 0)
            seen[(func, chip)] = index + 1
            stem = func if counts[(func, chip)] == 1 else f"{func}.{index}"
        path = os.path.join(args[1], f"{stem}.{chip}.{ext}")
        with open(path, "wb") as f:
            f.write(data)
        print(path)


if __name__ == "__main__":
    main()
