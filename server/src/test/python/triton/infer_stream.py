"""tritonclient.grpc's streaming inference (start_stream / async_stream_infer / stop_stream).

Sends argv[2] requests on one stream (rows 1..3, each its own values) with one of a wrong width
at index argv[3], then closes the stream and emits, in the order the callbacks came: each
answer's id and action, or its error; and, for comparison, the same requests sent as unary
infer calls with the same client.
"""
import queue
import sys

import tritonclient.grpc as grpcclient

from triton_common import emit, state, tensor

count, bad = int(sys.argv[2]), int(sys.argv[3])
c = grpcclient.InferenceServerClient(sys.argv[1])
got = queue.Queue()
c.start_stream(callback=lambda result, error: got.put((result, error)))
sent = []
for k in range(count):
    x = state(1 + k % 3, 200 + k)
    if k == bad:
        x = x[:, :27]
    i = grpcclient.InferInput("state", list(x.shape), "FP32")
    i.set_data_from_numpy(x)
    c.async_stream_infer("sac", [i], request_id=str(k), outputs=[grpcclient.InferRequestedOutput("action")])
    sent.append((k, x, i))
c.stop_stream()  # waits for the server to end the stream: every answer is in the queue by then
answers = []
while not got.empty():
    result, error = got.get()
    if error is not None:
        answers.append({"error": str(error)})
    else:
        answers.append({"id": result.get_response().id, "action": tensor(result.as_numpy("action"))})
unary = []
for k, x, i in sent:
    if k != bad:
        r = c.infer("sac", [i], request_id=str(k), outputs=[grpcclient.InferRequestedOutput("action")])
        unary.append({"id": str(k), "action": tensor(r.as_numpy("action"))})
emit({"stream": answers, "unary": unary})
