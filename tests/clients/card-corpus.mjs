// Braintree's card-validator (with its credit-card-type) as an independent second opinion on card numbers,
// for tests/Strongroom.Core.Tests/Cards/SchemeCorpusTests.cs. Versions are pinned in package.json/package-lock.json;
// install with `npm ci --prefix tests/clients` (test.sh does).
// Usage: node card-corpus.mjs <corpus file, one number per line>
// Prints one JSON line per number, in corpus order:
//   {"n": "<number>", "luhn": <bool>, "type": "<card-validator type>" | null, "isValid": <bool>}
// `luhn` is the package's own mod-10 implementation (dist/luhn-10, the one number() uses), not ours.
import { readFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const cardValidator = require('card-validator');
const luhn10 = require('card-validator/dist/luhn-10');

const file = process.argv[2];
if (!file) {
  console.error('usage: node card-corpus.mjs <corpus file>');
  process.exit(2);
}

const numbers = readFileSync(file, 'utf8').split('\n').map((line) => line.trim()).filter((line) => line.length > 0);
const lines = numbers.map((n) => {
  // luhnValidateUnionPay: UnionPay is Luhn-checked like every other scheme (Strongroom checks it too).
  const verdict = cardValidator.number(n, { luhnValidateUnionPay: true });
  return JSON.stringify({ n, luhn: luhn10(n), type: verdict.card ? verdict.card.type : null, isValid: verdict.isValid });
});

// One synchronous write: a pipe to the test process must receive everything before the process exits.
writeSync(1, lines.join('\n') + '\n');
