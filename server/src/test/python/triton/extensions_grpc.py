"""Triton's extension methods through tritonclient.grpc with its defaults (raw input contents):
ModelConfig, ModelStatistics before and after inferences, RepositoryIndex, RepositoryModelLoad and
RepositoryModelUnload with the admin key. Answers as the client's as_json gives them (int64 and
uint64 as strings, zeros left out).

argv: host:port of the gRPC listener, the admin key, a directory holding a checkpoint to load as
model "extra".
"""
import json
import sys

import tritonclient.grpc as grpcclient
from tritonclient.utils import InferenceServerException

from triton_common import emit, state

c = grpcclient.InferenceServerClient(sys.argv[1])
admin = {"authorization": "Bearer " + sys.argv[2]}
out = {
    "metadata": c.get_server_metadata(as_json=True),
    "config": c.get_model_config("sac", as_json=True)["config"],
    "stats_before": c.get_inference_statistics("sac", as_json=True),
}
for rows in (1, 2, 3):
    x = state(rows, rows)
    i = grpcclient.InferInput("state", list(x.shape), "FP32")
    i.set_data_from_numpy(x)
    c.infer("sac", [i])
out["stats_after"] = c.get_inference_statistics("sac", as_json=True)
out["stats_all"] = c.get_inference_statistics(as_json=True)
out["stats_version"] = c.get_inference_statistics("sac", "model_1", as_json=True)
out["index"] = c.get_model_repository_index(headers=admin, as_json=True)
c.load_model("extra", headers=admin, config=json.dumps({"dir": sys.argv[3]}))
out["extra_ready"] = c.is_model_ready("extra")
out["index_loaded"] = c.get_model_repository_index(headers=admin, as_json=True)
c.unload_model("extra", headers=admin)
out["index_unloaded"] = c.get_model_repository_index(headers=admin, as_json=True)
try:
    c.get_model_config("nope")
    out["unknown"] = {"status": "OK"}
except InferenceServerException as e:
    out["unknown"] = {"status": e.status(), "message": e.message()}
try:
    c.get_model_repository_index()
    out["index_without_key"] = {"status": "OK"}
except InferenceServerException as e:
    out["index_without_key"] = {"status": e.status(), "message": e.message()}
emit(out)
