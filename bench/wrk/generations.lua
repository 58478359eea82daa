-- POST /sac/predict (as predict.lua) and record every X-Model-Generation seen and every status
-- code, for the swaps-under-load run. The response hook costs a Lua call per response; the
-- steady run it is compared against uses this same script so the two pay alike.
wrk.method = "POST"
wrk.path = "/sac/predict"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"state":[-0.255880,0.511432,-0.226096,-0.315068,-0.930018,-0.213302,1.111917,0.424147,1.036879,0.248903,0.394770,0.185327,-1.666063,0.855251,0.506385,0.498818,-1.691365,-1.743888,-0.889615,-0.468189,0.305446,-0.045912,0.520975,-0.642235,0.308703,0.394154,-0.661137,1.717530],"deterministic":true}'

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   gens = {}
   statuses = {}
   responses = 0
end

function response(status, headers, body)
   responses = responses + 1
   local s = tostring(status)
   statuses[s] = (statuses[s] or 0) + 1
   local g = headers["X-Model-Generation"] or headers["x-model-generation"]
   if g ~= nil then
      gens[g] = (gens[g] or 0) + 1
   end
end

function done(summary, latency, requests)
   local seen = {}
   local total = 0
   local st = {}
   for _, t in ipairs(threads) do
      local g = t:get("gens")
      for k, v in pairs(g) do seen[k] = (seen[k] or 0) + v end
      local s = t:get("statuses")
      for k, v in pairs(s) do st[k] = (st[k] or 0) + v end
      total = total + t:get("responses")
   end
   local n = 0
   local keys = {}
   for k, _ in pairs(seen) do n = n + 1; table.insert(keys, tonumber(k)) end
   table.sort(keys)
   local parts = {}
   for k, v in pairs(st) do table.insert(parts, k .. "=" .. v) end
   io.write(string.format("HOTSERVE_GENERATIONS distinct=%d min=%s max=%s responses=%d statuses=%s\n",
      n, tostring(keys[1]), tostring(keys[#keys]), total, table.concat(parts, ",")))
end
