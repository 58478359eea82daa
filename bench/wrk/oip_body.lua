-- POST /v2/models/sac/infer with the body in the file $OIP_BODY. When $OIP_HEADER_LENGTH is set the
-- body is Triton's binary tensor data form: a JSON header of that many bytes, then the raw tensors.
local f = assert(io.open(os.getenv("OIP_BODY"), "rb"))
wrk.method = "POST"
wrk.path = "/v2/models/sac/infer"
wrk.body = f:read("*a")
f:close()
local header_length = os.getenv("OIP_HEADER_LENGTH")
if header_length and header_length ~= "" then
  wrk.headers["Content-Type"] = "application/octet-stream"
  wrk.headers["Inference-Header-Content-Length"] = header_length
else
  wrk.headers["Content-Type"] = "application/json"
end
