"""client.async_infer: several requests in flight at once on the client's pool, each answered with its own values."""
import sys

import tritonclient.http as httpclient

from triton_common import emit, outputs, state, tensor

c = httpclient.InferenceServerClient(sys.argv[1], concurrency=4)
pending = []
for k in range(8):
    x = state(1 + k % 3, 100 + k)
    i = httpclient.InferInput("state", list(x.shape), "FP32")
    i.set_data_from_numpy(x)
    pending.append((x, c.async_infer("sac", [i], request_id=str(k))))
answers = []
for x, handle in pending:
    r = handle.get_result()
    answers.append({"input": tensor(x), "id": r.get_response().get("id"), "outputs": outputs(r, ["action"])})
emit(answers)
