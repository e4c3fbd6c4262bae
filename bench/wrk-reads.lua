-- banli-bench compare: the read scenarios' load (wrk 4, one Lua state per thread).
-- args: [1] a file of request bodies, one JSON per line (each request takes a random one);
--       [2] a bearer token, or "" for none.
-- A response counts as an error unless it is HTTP 200 without a GraphQL "errors" member.
-- done() prints one line "WRKJSON {…}" that banli-bench reads: requests, errors,
-- latency percentiles in microseconds (wrk's own histogram).

local threads = {}
local bodies = {}
errors_seen = 0

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    bodies[#bodies + 1] = line
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if args[2] ~= nil and args[2] ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. args[2]
  end
  math.randomseed(os.time() * 1000 + (thread_index or 0))
end

function request()
  return wrk.format(nil, nil, nil, bodies[math.random(#bodies)])
end

function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    errors_seen = errors_seen + 1
  end
end

function done(summary, latency, requests)
  local errors = 0
  for _, thread in ipairs(threads) do
    errors = errors + (thread:get("errors_seen") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"errors":%d,"socket_errors":%d,' ..
    '"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,"counts":{}}\n',
    summary.requests, summary.duration, errors, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
