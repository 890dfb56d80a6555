'use strict'
// Random Luhn-valid test card numbers on the test BIN 411111 (never real cards).
function pan () {
  const d = [4, 1, 1, 1, 1, 1]
  for (let i = 6; i < 15; i++) d.push(Math.floor(Math.random() * 10))
  let sum = 0
  for (let i = 14; i >= 0; i--) {
    let v = d[i]
    if ((14 - i) % 2 === 0) { v *= 2; if (v > 9) v -= 9 }
    sum += v
  }
  d.push((10 - (sum % 10)) % 10)
  return d.join('')
}

function tokenizeBody () {
  return JSON.stringify({
    source: { type: 'pan', account_number: pan(), expiry_month: 12, expiry_year: 2030, security_code: '123', cardholder_name: 'Bench Holder' },
    expires_in: 86400
  })
}

module.exports = { pan, tokenizeBody }
