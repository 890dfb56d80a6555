'use strict'
// Creates <count> PCI tokens (random test cards) and writes their ids, one a line, to <idsFile>.
//   node seed.cjs <baseUrl> <apiKey> <count> <idsFile>
const fs = require('fs')
const { tokenizeBody } = require('./lib/cards.cjs')
const [base, apiKey, countText, idsFile] = process.argv.slice(2)
const count = Number(countText)
const ids = []
let next = 0
async function worker () {
  while (next < count) {
    next++
    const res = await fetch(base + '/api/pci/tokens', { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': apiKey }, body: tokenizeBody() })
    if (res.status !== 200) throw new Error('seed: HTTP ' + res.status)
    ids.push((await res.json()).id)
  }
}
Promise.all(Array.from({ length: 8 }, worker)).then(() => fs.writeFileSync(idsFile, ids.join('\n') + '\n'), (e) => { console.error(e.message); process.exit(1) })
