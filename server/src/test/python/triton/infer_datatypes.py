"""Every datatype through Triton's own client: argv[2] is "http" or "grpc", argv[3] the gRPC
address, argv[4:] the models to call. For each model its metadata, then one request of edge
values of its input's datatype (the HTTP client sends them as binary data and asks for binary
outputs, its defaults; then again as JSON both ways, where JSON can carry the values; the gRPC
client sends raw contents). Prints what was sent and what came back, values exact: integers as
integers of any size, floats as the double they are, BYTES elements as hex.
"""
import sys

import numpy as np
import tritonclient.grpc as grpcclient
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException, triton_to_np_dtype

from triton_common import emit

VALUES = {
    "BOOL": [[True, False, True], [False, False, True]],
    "UINT8": [[0, 255, 1], [128, 127, 42]],
    "UINT16": [[0, 65535, 1], [32768, 32767, 42]],
    "UINT32": [[0, 4294967295, 1], [2147483648, 2147483647, 42]],
    "UINT64": [[0, 18446744073709551615, 1], [9223372036854775808, 9223372036854775807, 42]],
    "INT8": [[-128, 127, 0], [-1, 1, 42]],
    "INT16": [[-32768, 32767, 0], [-1, 1, 42]],
    "INT32": [[-2147483648, 2147483647, 0], [-1, 1, 42]],
    "INT64": [[-9223372036854775808, 9223372036854775807, 9007199254740993], [-1, 1, 42]],
    "FP16": [[0.0, 65504.0, -2.5], [6.103515625e-05, 0.0999755859375, -0.0]],
    "FP32": [[0.0, 3.4028234663852886e38, -2.5], [1.401298464324817e-45, 0.1, -0.0]],
    "FP64": [[0.0, 1.7976931348623157e308, -2.5], [5e-324, 0.1, -0.0]],
    "BYTES": [[b"", b"a\x00b", b"hello"], ["\u00e9".encode("utf-8"), b"\x00", "\u65e5\u672c".encode("utf-8")]],
}
# Bytes that are not UTF-8: the one BYTES model (an ONNX string tensor) must refuse them naming the input.
NON_UTF8 = [[b"", b"\xff\x00", b"hello"], [b"\xc3", b"\x00", b"\x80"]]


def array(datatype, values):
    if datatype == "BYTES":
        return np.array(values, dtype=np.object_)
    return np.array(values, dtype=triton_to_np_dtype(datatype))


def exact(a):
    """A numpy array as JSON, exactly."""
    flat = a.ravel().tolist()
    if a.dtype == np.object_:
        flat = [(x if isinstance(x, bytes) else str(x).encode("utf-8")).hex() for x in flat]
    elif a.dtype.kind == "f":
        flat = [float(x) for x in flat]
    return {"shape": list(a.shape), "dtype": str(a.dtype), "data": flat}


def refusal(e):
    return {"status": str(e.status()), "message": e.message()}


def http_call(c, model, name, datatype, values, binary):
    i = httpclient.InferInput(name, [2, 3], datatype)
    i.set_data_from_numpy(array(datatype, values), binary_data=binary)
    r = c.infer(model, [i], outputs=[httpclient.InferRequestedOutput("y", binary_data=binary)])
    header = [o for o in r.get_response()["outputs"] if o["name"] == "y"][0]
    return {"output": exact(r.as_numpy("y")), "datatype": header["datatype"], "binary": "data" not in header}


def main():
    protocol = sys.argv[2]
    models = sys.argv[4:]
    c = httpclient.InferenceServerClient(sys.argv[1]) if protocol == "http" else grpcclient.InferenceServerClient(sys.argv[3])
    result = {}
    for model in models:
        md = c.get_model_metadata(model) if protocol == "http" else c.get_model_metadata(model, as_json=True)
        datatype = md["inputs"][0]["datatype"]
        got = {"metadata": {"inputs": [t["datatype"] for t in md["inputs"]], "outputs": [t["datatype"] for t in md["outputs"]]},
               "input": exact(array(datatype, VALUES[datatype]))}
        if protocol == "http":
            got["binary"] = http_call(c, model, "x", datatype, VALUES[datatype], True)
            got["json"] = http_call(c, model, "x", datatype, VALUES[datatype], False)
        else:
            i = grpcclient.InferInput("x", [2, 3], datatype)
            i.set_data_from_numpy(array(datatype, VALUES[datatype]))
            r = c.infer(model, [i])
            got["raw"] = {"output": exact(r.as_numpy("y")), "datatype": r.get_output("y").datatype,
                          "raw_outputs": len(r.get_response().raw_output_contents)}
        if datatype == "BYTES":
            got["non_utf8_input"] = exact(array(datatype, NON_UTF8))
            try:
                if protocol == "http":
                    http_call(c, model, "x", datatype, NON_UTF8, True)
                else:
                    i = grpcclient.InferInput("x", [2, 3], datatype)
                    i.set_data_from_numpy(array(datatype, NON_UTF8))
                    c.infer(model, [i])
                got["non_utf8"] = "accepted"
            except InferenceServerException as e:
                got["non_utf8"] = refusal(e)
        result[model] = got
    if protocol == "http":
        result["_index"] = c.get_model_repository_index()
    emit(result)


if __name__ == "__main__":
    main()
