-- WhiteBIT v4 request signing for the wrk scenarios (bench/run.sh): HMAC-SHA512 and base64 through the OpenSSL libcrypto
-- that wrk itself links (LuaJIT FFI), so every request carries a fresh nonce and its own signature, as a client sends it.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct evp_md_st EVP_MD;
  const EVP_MD *EVP_sha512(void);
  unsigned char *HMAC(const EVP_MD *evp_md, const void *key, int key_len, const unsigned char *d, size_t n, unsigned char *md, unsigned int *md_len);
  int EVP_EncodeBlock(unsigned char *t, const unsigned char *f, int n);
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clk_id, bench_timespec *tp);
]]

local ok, crypto = pcall(function() ffi.C.EVP_sha512(); return ffi.C end)
if not ok then crypto = ffi.load("crypto.so.3") end

local M = {}
local md = ffi.new("unsigned char[64]")
local md_len = ffi.new("unsigned int[1]")
local b64 = ffi.new("unsigned char[?]", 4096)
local now = ffi.new("bench_timespec")

local function base64(s)
  local n = crypto.EVP_EncodeBlock(b64, s, #s)
  return ffi.string(b64, n)
end

local function hmac_sha512_hex(secret, message)
  crypto.HMAC(crypto.EVP_sha512(), secret, #secret, message, #message, md, md_len)
  local bytes = ffi.string(md, md_len[0])
  return (bytes:gsub(".", function(c) return string.format("%02x", string.byte(c)) end))
end

local function now_ms()
  ffi.C.clock_gettime(0, now) -- CLOCK_REALTIME
  return tonumber(now.tv_sec) * 1000 + math.floor(tonumber(now.tv_nsec) / 1e6)
end

-- Keys from the file `public secret` lines; each key's nonces are Unix milliseconds bumped past the last one it used
-- (the server's nonceWindow mode: unique and within ±5 s, so concurrent connections never collide).
function M.read_keys(path)
  local keys = {}
  local f = assert(io.open(path, "r"), "signing keys file missing")
  for line in f:lines() do
    local public, secret = line:match("^(%S+)%s+(%S+)$")
    if public then keys[#keys + 1] = { public = public, secret = secret, last = 0 } end
  end
  f:close()
  return keys
end

-- wrk.format arguments of a signed POST to `path` with key `key`.
function M.signed(key, path)
  local nonce = math.max(now_ms(), key.last + 1)
  key.last = nonce
  local body = string.format('{"request":"%s","nonce":%.0f,"nonceWindow":true}', path, nonce)
  local payload = base64(body)
  return {
    ["content-type"] = "application/json",
    ["X-TXC-APIKEY"] = key.public,
    ["X-TXC-PAYLOAD"] = payload,
    ["X-TXC-SIGNATURE"] = hmac_sha512_hex(key.secret, payload),
  }, body
end

return M
