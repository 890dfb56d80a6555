// A WhiteBIT v4 client written only against WhiteBIT's public signing documentation and Node's
// standard library, to prove Strongroom accepts requests signed by someone else's implementation:
//   X-TXC-APIKEY    = the public key
//   X-TXC-PAYLOAD   = base64(JSON body as sent)
//   X-TXC-SIGNATURE = hex(HMAC-SHA512(key = api secret, message = the base64 payload))
// The body carries `request` (the path) and a `nonce` larger than the previous one (Unix ms).
// Usage: STRONGROOM_URL=… WB_API_KEY=… WB_API_SECRET=… node whitebit-client.mjs
import crypto from 'node:crypto';

const base = process.env.STRONGROOM_URL;
const apiKey = process.env.WB_API_KEY;
const apiSecret = process.env.WB_API_SECRET;
let lastNonce = 0;

function sign(path, fields) {
  const nonce = Math.max(Date.now(), lastNonce + 1);
  lastNonce = nonce;
  const body = JSON.stringify({ request: path, nonce, ...fields });
  const payload = Buffer.from(body).toString('base64');
  const signature = crypto.createHmac('sha512', apiSecret).update(payload).digest('hex');
  return {
    body,
    headers: {
      'Content-Type': 'application/json',
      'X-TXC-APIKEY': apiKey,
      'X-TXC-PAYLOAD': payload,
      'X-TXC-SIGNATURE': signature,
    },
  };
}

async function send(path, request) {
  const response = await fetch(base + path, { method: 'POST', headers: request.headers, body: request.body });
  return { status: response.status, json: await response.json() };
}

function expect(condition, message) {
  if (!condition) {
    console.error('FAIL: ' + message);
    process.exit(1);
  }
}

const created = await send('/api/v4/sub-account/create', sign('/api/v4/sub-account/create', { alias: 'node-client' }));
expect(created.status === 201, `create sub-account: ${created.status} ${JSON.stringify(created.json)}`);
const subAccountId = created.json.id;

const keyRequest = sign('/api/v4/sub-account/api-key/create', { type: 1, subAccountId, title: 'Node key' });
const key = await send('/api/v4/sub-account/api-key/create', keyRequest);
expect(key.status === 201, `create key: ${key.status} ${JSON.stringify(key.json)}`);
expect(key.json.subAccountId === subAccountId && key.json.apiSecret.length > 0 && key.json.isEnabled === true, 'key shape');

const listed = await send('/api/v4/sub-account/api-key/list', sign('/api/v4/sub-account/api-key/list', { subAccountId }));
expect(listed.status === 200 && listed.json.data.length === 1 && listed.json.data[0].apiSecret === '', `list keys: ${JSON.stringify(listed.json)}`);

// Replaying the exact signed request must be refused: its nonce is no longer greater than the last one.
const replay = await send('/api/v4/sub-account/api-key/create', keyRequest);
expect(replay.status === 401 && replay.json.message === 'Too many requests.', `replay: ${replay.status} ${JSON.stringify(replay.json)}`);

console.log(JSON.stringify({ ok: true, subAccountId, keys: listed.json.data.length, replayStatus: replay.status }));
