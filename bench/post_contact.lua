-- wrk script: POST the document's example with a token, count the requests sent and
-- every status, and check each 201 body. The body and token come from the environment
-- (set by mock_throughput.py).
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Token " .. os.getenv("BENCH_TOKEN")

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  wrong = 0
  sent = 0
  prepared = wrk.format()
end

function request()
  sent = sent + 1
  return prepared
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  -- A 201 must echo the subject and carry a numeric id, whatever the JSON spacing.
  if status == 201 and not (body:find('"subject":%s*"New Contact"') and body:find('"id":%s*%d')) then
    wrong = wrong + 1
  end
end

function done(summary, latency, requests)
  local counts, wrong_total, sent_total = {}, 0, 0
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + n
    end
    wrong_total = wrong_total + thread:get("wrong")
    sent_total = sent_total + thread:get("sent")
  end
  local parts = {}
  for status, n in pairs(counts) do
    table.insert(parts, string.format('"%d": %d', status, n))
  end
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"wrong_bodies": %d, "sent": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status,
    summary.errors.timeout, wrong_total, sent_total, table.concat(parts, ", ")))
end
