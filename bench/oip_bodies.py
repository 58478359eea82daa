#!/usr/bin/env python3
"""Writes the OIP infer bodies that bench/oip-binary sends: JSON and binary tensor data, batch B.

    oip_bodies.py DIR B

DIR/json-B.body and DIR/binary-B.body (with DIR/binary-B.length, the JSON header's byte count).
The states are deterministic (a fixed linear congruence), the same values in both forms; JSON
outputs are asked for with the JSON body and binary outputs with the binary one, as Triton's
client does by default.
"""
import json
import struct
import sys

WIDTH = 28
out, batch = sys.argv[1], int(sys.argv[2])
seed = 12345
values = []
for _ in range(batch * WIDTH):
    seed = (seed * 1103515245 + 12345) % 2**31
    values.append(round(seed / 2**31 * 4 - 2, 6))

shape = [batch, WIDTH]
with open(f"{out}/json-{batch}.body", "w") as f:
    json.dump({"inputs": [{"name": "state", "shape": shape, "datatype": "FP32", "data": values}],
               "outputs": [{"name": "action"}]}, f, separators=(",", ":"))
raw = struct.pack(f"<{len(values)}f", *values)
header = json.dumps({"inputs": [{"name": "state", "shape": shape, "datatype": "FP32",
                                  "parameters": {"binary_data_size": len(raw)}}],
                     "outputs": [{"name": "action", "parameters": {"binary_data": True}}]},
                    separators=(",", ":")).encode()
with open(f"{out}/binary-{batch}.body", "wb") as f:
    f.write(header + raw)
with open(f"{out}/binary-{batch}.length", "w") as f:
    f.write(str(len(header)))
