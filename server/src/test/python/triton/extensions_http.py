"""Triton's extensions through tritonclient.http with its defaults: model configuration, statistics
before and after inferences, and the repository (index, load, unload) with the admin key.

argv: host:port, the admin key, a directory holding a checkpoint to load as model "extra".
"""
import json
import sys

import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

from triton_common import client, emit, state

c = client()
admin = {"Authorization": "Bearer " + sys.argv[2]}
out = {
    "metadata": c.get_server_metadata(),
    "config": c.get_model_config("sac"),
    "config_version": c.get_model_config("sac", "model_1"),
    "stats_before": c.get_inference_statistics("sac"),
}
for rows in (1, 2, 3):
    x = state(rows, rows)
    i = httpclient.InferInput("state", list(x.shape), "FP32")
    i.set_data_from_numpy(x)
    c.infer("sac", [i])
out["stats_after"] = c.get_inference_statistics("sac")
out["stats_all"] = c.get_inference_statistics()
out["stats_version"] = c.get_inference_statistics("sac", "model_1")
out["index"] = c.get_model_repository_index(headers=admin)
c.load_model("extra", headers=admin, config=json.dumps({"dir": sys.argv[3]}))
out["extra_ready"] = c.is_model_ready("extra")
out["index_loaded"] = c.get_model_repository_index(headers=admin)
c.unload_model("extra", headers=admin)
out["index_unloaded"] = c.get_model_repository_index(headers=admin)
try:
    c.get_model_config("nope")
    out["unknown"] = {"status": "200"}
except InferenceServerException as e:
    out["unknown"] = {"status": e.status(), "message": e.message()}
try:
    c.get_model_repository_index()
    out["index_without_key"] = {"status": "200"}
except InferenceServerException as e:
    out["index_without_key"] = {"status": e.status(), "message": e.message()}
emit(out)
