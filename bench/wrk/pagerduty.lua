-- PagerDuty-shaped trigger events for wrk: one event per request.
--
--   wrk -t2 -c16 -d20s --timeout 5s -s bench/wrk/pagerduty.lua URL -- MODE KEY REPEAT RUN_ID
--
-- MODE    "pagerduty": Events API v2 body for SLAR's POST /api/v2/enqueue (KEY = routing key)
--         "alerta":    the same event as Alerta's native POST /alert body (KEY unused)
-- REPEAT  fraction of requests that re-send one of the thread's last 50 dedup keys (default 0.2);
--         the rest carry a new key each, so they open a new alert/incident.
-- RUN_ID  prefix of every dedup key, so that runs against one database never collide.
--
-- done() prints one line "BENCHJSON {...}" that bench/ingest.py parses.

local threads = {}
local next_tid = 0

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

local SEVERITIES = { "critical", "error", "warning", "info" }
local ALERTA_SEVERITY = { critical = "critical", error = "major", warning = "warning", info = "informational" }
local COMPONENTS = { "nginx", "postgres", "redis", "api", "worker", "kafka" }

function init(args)
  mode = args[1] or "pagerduty"
  key = args[2] or ""
  repeat_fraction = tonumber(args[3] or "0.2")
  run_id = args[4] or tostring(os.time())
  sent = 0      -- requests built
  distinct = 0  -- new dedup keys
  repeats = 0   -- re-sent dedup keys
  math.randomseed(os.time() * 1000 + tid * 7919)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

local function pagerduty_body(n)
  local sev = SEVERITIES[(n % 4) + 1]
  local comp = COMPONENTS[(n % 6) + 1]
  local host = string.format("host-%d-%d", tid, n % 500)
  return string.format(
    '{"routing_key":"%s","event_action":"trigger","dedup_key":"%s-%d-%d",' ..
    '"payload":{"summary":"High CPU usage on %s (%s): 97%% for 5 minutes",' ..
    '"source":"%s.prod.example.com","severity":"%s","component":"%s","group":"prod-web",' ..
    '"class":"cpu","custom_details":{"cpu_percent":"97","region":"eu-west-1","runbook":' ..
    '"https://runbooks.example.com/cpu","team":"platform"}},' ..
    '"client":"Load generator","client_url":"https://monitoring.example.com/alerts/%d",' ..
    '"links":[{"href":"https://grafana.example.com/d/cpu?var-host=%s","text":"Dashboard"}]}',
    key, run_id, tid, n, host, comp, host, sev, comp, n, host)
end

local function alerta_body(n)
  local sev = ALERTA_SEVERITY[SEVERITIES[(n % 4) + 1]]
  local comp = COMPONENTS[(n % 6) + 1]
  return string.format(
    '{"resource":"%s-%d-%d","event":"HighCPU","environment":"Production","severity":"%s",' ..
    '"service":["web"],"group":"prod-web","value":"97%%","origin":"Load generator",' ..
    '"text":"High CPU usage on host-%d-%d (%s): 97%% for 5 minutes","tags":["cpu","%s"],' ..
    '"attributes":{"region":"eu-west-1","runbook":"https://runbooks.example.com/cpu",' ..
    '"team":"platform","component":"%s"}}',
    run_id, tid, n, sev, tid, n % 500, comp, comp, comp)
end

function request()
  sent = sent + 1
  local n
  if distinct > 0 and math.random() < repeat_fraction then
    n = distinct - math.random(0, math.min(distinct, 50) - 1)
    repeats = repeats + 1
  else
    distinct = distinct + 1
    n = distinct
  end
  local body
  if mode == "alerta" then
    body = alerta_body(n)
  else
    body = pagerduty_body(n)
  end
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  local s, d, r = 0, 0, 0
  for _, t in ipairs(threads) do
    s = s + t:get("sent")
    d = d + t:get("distinct")
    r = r + t:get("repeats")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"bytes":%d,"err_connect":%d,"err_read":%d,' ..
    '"err_write":%d,"err_status":%d,"err_timeout":%d,"lat_mean_us":%.1f,"lat_max_us":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d,"sent":%d,"distinct":%d,"repeats":%d,' ..
    '"events_per_request":1.0}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency.mean, latency.max, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9), s, d, r))
end
