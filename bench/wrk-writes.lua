-- banli-bench compare: the write mix (wrk 4, one Lua state per thread). Every other request
-- is a unit's `submitReply` to an open assignment (each assignment answered once: the
-- threads split the list); the others are the public's `createCaptcha`, then
-- `submitPublicFeedback` with the CAPTCHA's test answer, each from a random address
-- (believed from 127.0.0.1 as a proxy), with content of its own.
-- args: [1] assignment IDs, one per line; [2] published reply IDs, one per line;
--       [3] a bearer token for submitReply; [4] the number of wrk threads.
-- done() prints "WRKJSON {…}" (see wrk-reads.lua), with successes per operation.

local threads = {}
local assignments = {}
local replies = {}
local captchas = {}
local next_assignment = 1
local sent = 0
local token = ""
errors_seen = 0
ok_reply = 0
ok_captcha = 0
ok_feedback = 0

local REPLY = '{"query":"mutation($i: SubmitReplyInput!) { submitReply(input: $i) { reply { id } userErrors { code } } }",' ..
  '"variables":{"i":{"assignmentId":"%s","category":"A","body":"现答复如下：经认真研究，已采纳并落实。","signedBy":"某市人民政府",' ..
  '"contactName":"马友竹","contactPhone":"0554-6678417"}}}'
local CAPTCHA = '{"query":"mutation { createCaptcha { id expiresAt } }"}'
local FEEDBACK = '{"query":"mutation($i: SubmitPublicFeedbackInput!) { submitPublicFeedback(input: $i) { lookupCode userErrors { code } } }",' ..
  '"variables":{"i":{"replyId":"%s","content":"看了答复，希望进一步落实到位。（压测 %d-%d-%d）","captchaId":"%s","captchaAnswer":"TEST"}}}'

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function init(args)
  local count = tonumber(args[4])
  local i = 0
  for line in io.lines(args[1]) do
    if i % count == thread_index then
      assignments[#assignments + 1] = line
    end
    i = i + 1
  end
  for line in io.lines(args[2]) do
    replies[#replies + 1] = line
  end
  token = args[3]
  wrk.method = "POST"
  math.randomseed(os.time() * 1000 + thread_index)
end

local function visitor()
  return {
    ["Content-Type"] = "application/json",
    ["X-Forwarded-For"] = string.format("10.%d.%d.%d", math.random(64, 255), math.random(0, 255), math.random(1, 254)),
  }
end

function request()
  sent = sent + 1
  if sent % 2 == 0 and next_assignment <= #assignments then
    local id = assignments[next_assignment]
    next_assignment = next_assignment + 1
    local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }
    return wrk.format(nil, nil, headers, string.format(REPLY, id))
  end
  local captcha = table.remove(captchas)
  if captcha ~= nil then
    local reply = replies[math.random(#replies)]
    return wrk.format(nil, nil, visitor(), string.format(FEEDBACK, reply, os.time(), thread_index, sent, captcha))
  end
  return wrk.format(nil, nil, visitor(), CAPTCHA)
end

function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) or string.find(body, '"userErrors":[{', 1, true) then
    errors_seen = errors_seen + 1
    return
  end
  if string.find(body, '"createCaptcha"', 1, true) then
    local id = string.match(body, '"id":"([^"]+)"')
    if id ~= nil then
      table.insert(captchas, id)
      ok_captcha = ok_captcha + 1
    end
  elseif string.find(body, '"submitReply"', 1, true) then
    ok_reply = ok_reply + 1
  elseif string.find(body, '"submitPublicFeedback"', 1, true) then
    ok_feedback = ok_feedback + 1
  end
end

function done(summary, latency, requests)
  local errors, replied, captchas_made, feedback = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    errors = errors + (thread:get("errors_seen") or 0)
    replied = replied + (thread:get("ok_reply") or 0)
    captchas_made = captchas_made + (thread:get("ok_captcha") or 0)
    feedback = feedback + (thread:get("ok_feedback") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"errors":%d,"socket_errors":%d,' ..
    '"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"counts":{"submitReply":%d,"createCaptcha":%d,"submitPublicFeedback":%d}}\n',
    summary.requests, summary.duration, errors, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    replied, captchas_made, feedback))
end
