"""client.infer with the request gzip- or deflate-compressed and a gzip-compressed answer asked for."""
import tritonclient.http as httpclient

from triton_common import arg, client, emit, outputs, state, tensor

c = client()
algorithm = arg(2, "gzip")
x = state(4, 11)
i = httpclient.InferInput("state", list(x.shape), "FP32")
i.set_data_from_numpy(x)
r = c.infer("sac", [i], request_compression_algorithm=algorithm, response_compression_algorithm="gzip")
emit({"input": tensor(x), "response": r.get_response(), "outputs": outputs(r, ["action"])})
