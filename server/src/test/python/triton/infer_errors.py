"""Refusals as the client reports them: the status and the server's message, which names the input."""
import numpy as np
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

from triton_common import client, emit

c = client()


def attempt(name, shape, datatype, array, binary=True):
    i = httpclient.InferInput(name, shape, datatype)
    i.set_data_from_numpy(array, binary_data=binary)
    try:
        c.infer("sac", [i])
        return {"status": "200", "message": ""}
    except InferenceServerException as e:
        return {"status": e.status(), "message": e.message()}


emit({
    "wrong_width": attempt("state", [2, 27], "FP32", np.zeros((2, 27), dtype=np.float32)),
    "unknown_input": attempt("observation", [1, 28], "FP32", np.zeros((1, 28), dtype=np.float32)),
    "wrong_datatype": attempt("state", [1, 28], "FP64", np.zeros((1, 28), dtype=np.float64)),
    "non_finite_json": attempt("state", [1, 28], "FP32", np.full((1, 28), np.nan, dtype=np.float32), binary=True),
})
