'use strict'
// Fixed-rate latency run with autocannon (bench/run.sh). Prints one JSON line; never prints request bodies.
//   node fixed-rate.cjs <baseUrl> <scenario> <rate> <seconds> <connections> [apiKey] [idsFile]
// autocannon's --overallRate pacing: each connection may send rate/connections requests per wall-clock second and
// sends them as soon as it is free, then waits for the next second. Its own histogram is coordinated-omission
// corrected (recordValueWithExpectedInterval with an expected interval of ceil(1/rate-per-connection) = 1 ms, whole
// milliseconds). Next to it we record every 2xx response time exactly (microseconds, from the moment autocannon
// wrote the request) as the uncorrected figures.
const fs = require('fs')
const autocannon = require('autocannon')
const { tokenizeBody } = require('./lib/cards.cjs')

const [base, scenario, rateText, secondsText, connectionsText, apiKey = '', idsFile = ''] = process.argv.slice(2)
const rate = Number(rateText)
const ids = idsFile ? fs.readFileSync(idsFile, 'utf8').split('\n').filter(Boolean) : []
const json = { 'content-type': 'application/json', 'x-api-key': apiKey }
const tokenize = { method: 'POST', path: '/api/pci/tokens', headers: json, setupRequest: (req) => ({ ...req, body: tokenizeBody() }) }
const read = {
  method: 'GET',
  path: '/api/pci/tokens/x',
  headers: { 'x-api-key': apiKey },
  setupRequest: (req) => ({ ...req, path: '/api/pci/tokens/' + ids[Math.floor(Math.random() * ids.length)] })
}
const baseline = { method: 'POST', path: '/bench/baseline', headers: { 'content-type': 'application/json' }, setupRequest: (req) => ({ ...req, body: tokenizeBody() }) }
// autocannon cycles through the list on every connection: mixed is 4 reads then 1 tokenization (80/20).
const requests = { tokenize: [tokenize], read: [read], mixed: [read, read, read, read, tokenize], baseline: [baseline] }[scenario]

const raw = []
let non2xx = 0
const instance = autocannon({
  url: base,
  connections: Number(connectionsText),
  duration: Number(secondsText),
  overallRate: rate,
  requests
}, (err, result) => {
  if (err) { console.error(String(err)); process.exit(1) }
  raw.sort((a, b) => a - b)
  const q = (p) => raw.length ? raw[Math.min(raw.length - 1, Math.ceil(p / 100 * raw.length) - 1)] : null
  const out = {
    scenario,
    target_rps: rate,
    connections: Number(connectionsText),
    seconds: result.duration,
    achieved_rps: raw.length / result.duration,
    ok: raw.length,
    non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    corrected_ms: { p50: result.latency.p50, p99: result.latency.p99, p99_9: result.latency.p99_9, max: result.latency.max },
    raw_ms: { p50: q(50), p99: q(99), p99_9: q(99.9), max: raw.length ? raw[raw.length - 1] : null }
  }
  process.stdout.write(JSON.stringify(out) + '\n')
})
instance.on('response', (client, statusCode, resBytes, responseTime) => {
  if (statusCode >= 200 && statusCode < 300) raw.push(responseTime)
  else non2xx++
})
