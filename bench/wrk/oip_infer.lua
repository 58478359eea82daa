-- POST /v2/models/sac/infer: the Open Inference Protocol's REST infer, batch 1, the same 28 values as predict.lua,
-- asking for the action only (what /sac/predict answers), deterministic.
wrk.method = "POST"
wrk.path = "/v2/models/sac/infer"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"inputs":[{"name":"state","shape":[1,28],"datatype":"FP32","data":[-0.255880,0.511432,-0.226096,-0.315068,-0.930018,-0.213302,1.111917,0.424147,1.036879,0.248903,0.394770,0.185327,-1.666063,0.855251,0.506385,0.498818,-1.691365,-1.743888,-0.889615,-0.468189,0.305446,-0.045912,0.520975,-0.642235,0.308703,0.394154,-0.661137,1.717530]}],"outputs":[{"name":"action"}]}'
