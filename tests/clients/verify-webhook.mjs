// Receiver-side verification of a Strongroom webhook in Node.js (standard crypto only), as in docs/webhooks.md.
// Usage: node verify-webhook.mjs <secret> <signature header> <body file> [now unix seconds]
// Prints "valid" and exits 0, or prints "invalid" and exits 1.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

export function verifyWebhook(signatureHeader, rawBody, secret, toleranceSeconds = 300, nowSeconds = Math.floor(Date.now() / 1000)) {
  let timestamp = null;
  const signatures = [];
  for (const part of signatureHeader.split(',')) {
    const [key, value] = part.split('=', 2);
    if (key === 't') timestamp = Number(value);
    else if (key === 'v1' && value) signatures.push(value);
  }
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest();
  return signatures.some((signature) => {
    const given = Buffer.from(signature, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [secret, header, bodyFile, now] = process.argv.slice(2);
  const ok = verifyWebhook(header, readFileSync(bodyFile), secret, 300, now ? Number(now) : undefined);
  console.log(ok ? 'valid' : 'invalid');
  process.exit(ok ? 0 : 1);
}
