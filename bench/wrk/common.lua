-- Shared by the wrk scenarios of bench/run.sh. Cards are random Luhn-valid numbers on the test BIN 411111
-- (never real cards); request bodies are never printed.
local M = {}

function M.pan()
  local d = { 4, 1, 1, 1, 1, 1 }
  for i = 7, 15 do d[i] = math.random(0, 9) end
  local sum = 0
  for i = 15, 1, -1 do
    local v = d[i]
    if (15 - i) % 2 == 0 then v = v * 2; if v > 9 then v = v - 9 end end
    sum = sum + v
  end
  d[16] = (10 - sum % 10) % 10
  return table.concat(d)
end

function M.body()
  return '{"source":{"type":"pan","account_number":"' .. M.pan() ..
    '","expiry_month":12,"expiry_year":2030,"security_code":"123","cardholder_name":"Bench Holder"},"expires_in":86400}'
end

function M.tap_body()
  return '{"card":{"number":"' .. M.pan() ..
    '","exp_month":12,"exp_year":2030,"cvc":"123","name":"Bench Holder"},"client_ip":"192.0.2.10"}'
end

-- Letters only after the prefix: never a digit run the server would refuse as a card number.
function M.idempotency_key()
  local c = {}
  for i = 1, 20 do c[i] = string.char(math.random(97, 122)) end
  return "bench-" .. table.concat(c)
end

function M.read_first_line(path)
  local f = assert(io.open(path, "r"), path .. " missing")
  local line = f:read("*l") or ""
  f:close()
  return line
end

function M.read_ids(path)
  local ids = {}
  local f = io.open(path, "r")
  if f then
    for line in f:lines() do if #line > 0 then ids[#ids + 1] = line end end
    f:close()
  end
  return ids
end

-- One JSON line on stdout: requests, seconds, errors (socket + non-2xx/3xx), latency percentiles in microseconds.
function M.done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"rps":%.1f,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"p99_9":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max, latency.mean))
end

return M
