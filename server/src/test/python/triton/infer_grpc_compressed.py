"""tritonclient.grpc with compression_algorithm: gzip and deflate requests, and a deflate bomb.

Emits, per algorithm, the action for a fixed state next to the uncompressed call's; then the error
of argv[2] zero rows sent deflated (a small message that inflates past the server's limit), and
the action of one more plain call after it.
"""
import sys

import numpy as np
import tritonclient.grpc as grpcclient

from triton_common import emit, state, tensor

c = grpcclient.InferenceServerClient(sys.argv[1])


def infer(x, algorithm=None):
    i = grpcclient.InferInput("state", list(x.shape), "FP32")
    i.set_data_from_numpy(x)
    out = [grpcclient.InferRequestedOutput("action")]
    return c.infer("sac", [i], outputs=out, compression_algorithm=algorithm).as_numpy("action")


x = state(3, 11)
got = {"plain": tensor(infer(x))}
for algorithm in ("gzip", "deflate"):
    got[algorithm] = tensor(infer(x, algorithm))
try:
    infer(np.zeros((int(sys.argv[2]), 28), np.float32), "deflate")
    got["bomb"] = "answered"
except Exception as e:
    got["bomb"] = str(e)
got["after"] = tensor(infer(x))
emit(got)
