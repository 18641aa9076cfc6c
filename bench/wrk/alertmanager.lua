-- Prometheus Alertmanager webhook (version 4) batches for wrk: 2 to 5 firing alerts per request.
--
--   wrk -t2 -c16 -d20s --timeout 5s -s bench/wrk/alertmanager.lua URL -- RUN_ID
--
-- The URL is SLAR's /api/integrations/{key}/alertmanager or Alerta's /webhooks/prometheus (the
-- body is the same). Every request is a new group (distinct groupKey) of new alerts (distinct
-- fingerprints and instances), with the labels a kube-prometheus rule would carry. Requests cycle
-- through 2, 3, 4, 5 alerts (3.5 on average); done() reports the alerts actually built.
--
-- done() prints one line "BENCHJSON {...}" that bench/ingest.py parses.

local threads = {}
local next_tid = 0

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

local RULES = {
  { "KubePodCrashLooping", "warning", "Pod is crash looping." },
  { "NodeFilesystemSpaceFillingUp", "critical", "Filesystem is predicted to run out of space within the next 4 hours." },
  { "HighRequestLatency", "critical", "p99 request latency above 500ms for 10 minutes." },
  { "TargetDown", "warning", "10% of the targets are down." },
}

function init(args)
  run_id = args[1] or tostring(os.time())
  -- Fingerprints must differ between runs too (SLAR keys alerts by integration and
  -- fingerprint): the first 6 hex digits come from a hash of RUN_ID.
  salt = 0
  for i = 1, #run_id do
    salt = (salt * 31 + string.byte(run_id, i)) % 16777216
  end
  sent = 0
  alerts_sent = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

local function alert(g, i, rule, cluster, namespace)
  local instance = string.format("node-%s-%d-%d-%d:9100", run_id, tid, g, i)
  local pod = string.format("api-%s-%d-%d-%d", run_id, tid, g, i)
  return string.format(
    '{"status":"firing","labels":{"alertname":"%s","severity":"%s","cluster":"%s",' ..
    '"namespace":"%s","pod":"%s","instance":"%s","job":"kubernetes-pods","prometheus":' ..
    '"monitoring/k8s","team":"platform"},"annotations":{"summary":"%s on %s","description":' ..
    '"%s %s in %s/%s.","runbook_url":"https://runbooks.example.com/%s"},' ..
    '"startsAt":"2024-05-01T12:00:00.000Z","endsAt":"0001-01-01T00:00:00Z",' ..
    '"generatorURL":"http://prometheus.example.com/graph?g0.expr=up","fingerprint":"%06x%02x%08x"}',
    rule[1], rule[2], cluster, namespace, pod, instance, rule[1], pod, rule[3], pod, cluster,
    namespace, rule[1], salt, tid % 256, (g * 8 + i) % 4294967296)
end

function request()
  sent = sent + 1
  local g = sent
  local count = 2 + (g % 4)
  local rule = RULES[(g % 4) + 1]
  local cluster = string.format("prod-eu-%d", g % 3)
  local namespace = string.format("ns-%s-%d-%d", run_id, tid, g)
  local alerts = {}
  for i = 1, count do
    alerts[i] = alert(g, i, rule, cluster, namespace)
  end
  alerts_sent = alerts_sent + count
  local body = string.format(
    '{"version":"4","groupKey":"{}/{severity=\\"%s\\"}:{alertname=\\"%s\\", namespace=\\"%s\\"}",' ..
    '"truncatedAlerts":0,"status":"firing","receiver":"slar","groupLabels":{"alertname":"%s",' ..
    '"namespace":"%s"},"commonLabels":{"alertname":"%s","severity":"%s","cluster":"%s",' ..
    '"namespace":"%s"},"commonAnnotations":{},"externalURL":"http://alertmanager.example.com",' ..
    '"alerts":[%s]}',
    rule[2], rule[1], namespace, rule[1], namespace, rule[1], rule[2], cluster, namespace,
    table.concat(alerts, ","))
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  local s, a = 0, 0
  for _, t in ipairs(threads) do
    s = s + t:get("sent")
    a = a + t:get("alerts_sent")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"bytes":%d,"err_connect":%d,"err_read":%d,' ..
    '"err_write":%d,"err_status":%d,"err_timeout":%d,"lat_mean_us":%.1f,"lat_max_us":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d,"sent":%d,"alerts_sent":%d,' ..
    '"events_per_request":%.4f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency.mean, latency.max, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9), s, a, s > 0 and a / s or 0))
end
