"""The typed model with JSON and binary inputs mixed, and outputs asked one by one, some binary, some JSON."""
import numpy as np
import tritonclient.http as httpclient

from triton_common import client, emit, outputs, tensor

c = client()
values = {
    "x_fp32": (np.array([[0.5, -1.25, 3.0], [1e-3, 2.0, -7.5]], dtype=np.float32), "FP32", True),
    "x_fp64": (np.array([[0.25, 1.0, 1e300], [-2.5, 0.0, 3.0]], dtype=np.float64), "FP64", False),
    "x_int32": (np.array([[1, -2, 2147483646], [0, 5, -2147483648]], dtype=np.int32), "INT32", True),
    "x_int64": (np.array([[1, 2, 1099511627776], [-3, 9007199254740993, 0]], dtype=np.int64), "INT64", False),
    "x_bool": (np.array([[True, False, True], [False, False, True]]), "BOOL", True),
}
inputs = []
for name, (array, datatype, binary) in values.items():
    i = httpclient.InferInput(name, list(array.shape), datatype)
    i.set_data_from_numpy(array, binary_data=binary)
    inputs.append(i)
asked = [("y_fp32", True), ("y_fp64", True), ("y_int32", False), ("y_int64", False), ("y_bool", True)]
r = c.infer("types", inputs, outputs=[httpclient.InferRequestedOutput(n, binary_data=b) for n, b in asked])
emit({"inputs": {n: tensor(a) for n, (a, _, _) in values.items()}, "response": r.get_response(),
      "outputs": outputs(r, [n for n, _ in asked])})
