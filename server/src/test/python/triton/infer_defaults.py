"""client.infer with every default: inputs as binary data, all outputs asked for as binary."""
import tritonclient.http as httpclient

from triton_common import arg, client, emit, outputs, state, tensor

c = client()
rows = int(arg(2, "3"))
x = state(rows, 7)
i = httpclient.InferInput("state", list(x.shape), "FP32")
i.set_data_from_numpy(x)
r = c.infer("sac", [i])
emit({"input": tensor(x), "response": r.get_response(), "outputs": outputs(r, ["mean", "log_std", "action"])})
