-- wrk -s bench/wrk/scenario.lua: the scenario comes from the environment (wrk passes no script arguments to every thread):
--   BENCH_SCENARIO = tokenize | read | mixed | baseline, BENCH_API_KEY, BENCH_IDS (file of token ids, one a line).
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local common = require("common")

local scenario = os.getenv("BENCH_SCENARIO") or "tokenize"
local api_key = os.getenv("BENCH_API_KEY") or ""
local ids = {}
local counter = 0

function init(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1e6) + tonumber(tostring({}):sub(8), 16) % 100000)
  if scenario == "read" or scenario == "mixed" then
    ids = common.read_ids(os.getenv("BENCH_IDS"))
  end
end

local function tokenize(path)
  return wrk.format("POST", path, { ["content-type"] = "application/json", ["x-api-key"] = api_key }, common.body())
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
    -- 80 % masked reads, 20 % tokenizations, interleaved deterministically per connection.
    if counter % 5 == 0 then return tokenize("/api/pci/tokens") end
    return read()
  end
  return tokenize("/api/pci/tokens")
end

done = common.done
