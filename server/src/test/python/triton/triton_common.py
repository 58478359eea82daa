"""What the scenario scripts share: the client for argv[1] (host:port), and JSON on stdout.

Each script drives Triton's own Python client (../shared/clients/tritonclient, unmodified) with
its defaults unless the scenario says otherwise, and prints what it sent and what came back as
one JSON object, for the JUnit test to compare with the same request sent as JSON.
"""
import json
import sys

import numpy as np
import tritonclient.http as httpclient


def client():
    return httpclient.InferenceServerClient(sys.argv[1])


def arg(i, default):
    return sys.argv[i] if len(sys.argv) > i else default


def state(rows, seed):
    """rows x 28 float32 values, the same for a given seed."""
    return np.random.default_rng(seed).standard_normal((rows, 28)).astype(np.float32)


def tensor(array):
    """A numpy array as JSON: its shape, numpy dtype and flat values (float32 as the exact double)."""
    return {"shape": list(array.shape), "dtype": str(array.dtype), "data": array.ravel().tolist()}


def outputs(result, names):
    return {n: tensor(result.as_numpy(n)) for n in names}


def emit(obj):
    json.dump(obj, sys.stdout)
    sys.stdout.write("\n")
