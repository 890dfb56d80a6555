-- wrk -s bench/wrk/scenario.lua: the scenario comes from the environment (wrk passes no script arguments to every thread):
--   BENCH_SCENARIO = baseline | tokenize | read | mixed | tap | card-token | signed-v4
--   BENCH_CREDENTIALS = the directory `strongroom-loadgen seed` wrote (api-key.txt, ids.txt, signing-keys.txt)
--   BENCH_JWT = a fiat-gateway JWT (card-token), BENCH_IDEMPOTENCY_SHARE = share of tokenizations with x-idempotency-key (0.2)
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local common = require("common")

local scenario = os.getenv("BENCH_SCENARIO") or "tokenize"
local credentials = os.getenv("BENCH_CREDENTIALS") or "."
local idempotency_share = tonumber(os.getenv("BENCH_IDEMPOTENCY_SHARE") or "0.2")
local jwt = os.getenv("BENCH_JWT") or ""
local api_key = ""
local ids = {}
local keys = {}
local whitebit
local counter = 0

function init(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1e6) + tonumber(tostring({}):sub(8), 16) % 100000)
  api_key = common.read_first_line(credentials .. "/api-key.txt")
  if scenario == "read" or scenario == "mixed" then
    ids = common.read_ids(credentials .. "/ids.txt")
  end
  if scenario == "signed-v4" then
    whitebit = require("whitebit")
    keys = whitebit.read_keys(credentials .. "/signing-keys.txt")
  end
end

local function tokenize()
  local headers = { ["content-type"] = "application/json", ["x-api-key"] = api_key }
  if math.random() < idempotency_share then headers["x-idempotency-key"] = common.idempotency_key() end
  return wrk.format("POST", "/api/pci/tokens", headers, common.body())
end

local function read()
  return wrk.format("GET", "/api/pci/tokens/" .. ids[math.random(1, #ids)], { ["x-api-key"] = api_key })
end

function request()
  counter = counter + 1
  if scenario == "baseline" then
    return wrk.format("POST", "/bench/baseline", { ["content-type"] = "application/json" }, common.body())
  elseif scenario == "read" then
    return read()
  elseif scenario == "mixed" then
    -- 80 % masked reads, 20 % tokenizations, interleaved deterministically.
    if counter % 5 == 0 then return tokenize() end
    return read()
  elseif scenario == "tap" then
    return wrk.format("POST", "/v2/tokens", { ["content-type"] = "application/json", ["Authorization"] = "Bearer " .. api_key }, common.tap_body())
  elseif scenario == "card-token" then
    return wrk.format("POST", "/api/card-token", { ["content-type"] = "application/json", ["Authorization"] = "Bearer " .. jwt },
      '{"cardNumber":"' .. common.pan() .. '"}')
  elseif scenario == "signed-v4" then
    local headers, body = whitebit.signed(keys[counter % #keys + 1], "/api/v4/jwt")
    return wrk.format("POST", "/api/v4/jwt", headers, body)
  end
  return tokenize()
end

done = common.done
