-- POST /sac/predict with one 28-wide state (fixed values: every request costs the same).
wrk.method = "POST"
wrk.path = "/sac/predict"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"state":[-0.255880,0.511432,-0.226096,-0.315068,-0.930018,-0.213302,1.111917,0.424147,1.036879,0.248903,0.394770,0.185327,-1.666063,0.855251,0.506385,0.498818,-1.691365,-1.743888,-0.889615,-0.468189,0.305446,-0.045912,0.520975,-0.642235,0.308703,0.394154,-0.661137,1.717530],"deterministic":true}'
