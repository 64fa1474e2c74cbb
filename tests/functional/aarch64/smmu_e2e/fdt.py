# SPDX-License-Identifier: GPL-2.0-or-later
"""A minimal flattened device tree editor (Devicetree Specification 5):
enough to add one property to a node of the tree QEMU dumps."""

import re
import struct

FDT_BEGIN_NODE, FDT_END_NODE, FDT_PROP, FDT_END = 1, 2, 3, 9


def _walk(blob):
    """Yield (token offset, token, node path, prop name, value)."""
    (magic, _, off_struct, off_strings, _, _, _, _, _,
     size_struct) = struct.unpack_from('>10I', blob)
    if magic != 0xd00dfeed:
        raise ValueError('not a flattened device tree')
    path = []
    pos = off_struct
    while pos < off_struct + size_struct:
        tok, = struct.unpack_from('>I', blob, pos)
        at = pos
        pos += 4
        if tok == FDT_BEGIN_NODE:
            end = blob.index(b'\0', pos)
            path.append(blob[pos:end].decode())
            pos = (end + 4) & ~3
            yield at, tok, '/'.join(path) or '/', None, None
        elif tok == FDT_END_NODE:
            path.pop()
        elif tok == FDT_PROP:
            length, nameoff = struct.unpack_from('>II', blob, pos)
            pos += 8
            name_end = blob.index(b'\0', off_strings + nameoff)
            name = blob[off_strings + nameoff:name_end].decode()
            yield at, tok, '/'.join(path) or '/', name, \
                blob[pos:pos + length]
            pos = (pos + length + 3) & ~3
        elif tok == FDT_END:
            return


def find(blob, node_re, prop):
    """The value of prop in the first node whose path matches node_re."""
    for _, tok, path, name, value in _walk(blob):
        if tok == FDT_PROP and name == prop and re.search(node_re, path):
            return value
    raise KeyError(f'no {prop} in a node matching {node_re}')


def add_prop(blob, node_re, prop, value):
    """A copy of blob with prop = value added to the node matching node_re
    (the memory reservation map, struct and strings blocks in that order,
    as QEMU lays them out)."""
    hdr = list(struct.unpack_from('>10I', blob))
    off_struct, off_strings = hdr[2], hdr[3]
    size_strings, size_struct = hdr[8], hdr[9]
    if off_strings < off_struct + size_struct:
        raise ValueError('unexpected device tree layout')
    at = next((at for at, tok, path, _, _ in _walk(blob)
               if tok == FDT_BEGIN_NODE and re.search(node_re, path)), None)
    if at is None:
        raise KeyError(f'no node matching {node_re}')
    # The node's properties start after its name.
    insert = (blob.index(b'\0', at + 4) + 4) & ~3
    strings = blob[off_strings:off_strings + size_strings]
    new_strings = strings + prop.encode() + b'\0'
    new_prop = struct.pack('>III', FDT_PROP, len(value), len(strings)) + \
        value + b'\0' * (-len(value) % 4)
    rel = insert - off_struct
    structs = blob[off_struct:off_struct + size_struct]
    new_struct = structs[:rel] + new_prop + structs[rel:]
    out = bytearray(blob[:off_struct] + new_struct + new_strings)
    hdr[1] = len(out)
    hdr[3] = off_struct + len(new_struct)
    hdr[8] = len(new_strings)
    hdr[9] = len(new_struct)
    struct.pack_into('>10I', out, 0, *hdr)
    return bytes(out)
