// SPDX-License-Identifier: Apache-2.0
// Seal or unseal with WorkOS's and iron's own npm libraries, so the tests
// can prove that mod_auth_workos reads and writes the same cookies.
//
//   node seal.mjs LIB seal   PASSWORD [TTL_SECONDS]   stdin: JSON   -> seal
//   node seal.mjs LIB unseal PASSWORD                 stdin: seal   -> JSON
//
// LIB: iron-session | iron-webcrypto | workos-node | authkit-session.
// TTL_SECONDS omitted: the library's own default (iron-session: 14 days;
// the others: none). Exit 1 when a library fails or yields an empty object
// (iron-session and @workos-inc/node answer {} for a bad seal).
import * as ironSession from 'iron-session';
import * as iron from 'iron-webcrypto';
import { WorkOS } from '@workos-inc/node';
import { sessionEncryption } from '@workos/authkit-session';

// @workos-inc/node exports no sealData: its package "exports" map hides
// lib/. This is the very module its userManagement imports to seal a
// session (sealSessionDataFromAuthenticationResponse), loaded by path.
const workosSeal = await import(
  new URL('./node_modules/@workos-inc/node/lib/common/crypto/seal.js',
          import.meta.url).href);

function workosClient() {
  return new WorkOS('sk_test_interop', { clientId: 'client_interop' });
}

// Raw iron knows nothing of the "~N" suffix the session layers add; strip
// it the way they do (split on "~") before handing the seal to iron.
function withoutVersion(sealed) {
  return sealed.split('~')[0];
}

const libs = {
  'iron-session': {
    seal: (data, password, ttl) =>
      ironSession.sealData(data, ttl === undefined ? { password }
                                                   : { password, ttl }),
    unseal: (sealed, password) => ironSession.unsealData(sealed, { password }),
  },
  'iron-webcrypto': {
    seal: (data, password, ttl) =>
      iron.seal(data, { id: '1', secret: password },
                { ...iron.defaults, ttl: (ttl ?? 0) * 1000 }),
    unseal: (sealed, password) =>
      iron.unseal(withoutVersion(sealed), { 1: password }, iron.defaults),
  },
  'workos-node': {
    // sealData takes no ttl: WorkOS seals never expire.
    seal: (data, password) => workosSeal.sealData(data, { password }),
    // What the SDK uses to read a session cookie.
    unseal: (sealed, password) =>
      workosClient().userManagement.getSessionFromCookie({
        sessionData: sealed, cookiePassword: password }),
  },
  'authkit-session': {
    seal: (data, password, ttl) =>
      sessionEncryption.sealData(data, ttl === undefined ? { password }
                                                         : { password, ttl }),
    unseal: (sealed, password) =>
      sessionEncryption.unsealData(sealed, { password }),
  },
};

async function readStdin() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

function isEmpty(v) {
  return v === null || v === undefined
    || (typeof v === 'object' && !Array.isArray(v)
        && Object.keys(v).length === 0);
}

async function main() {
  const [libName, op, password, ttlArg] = process.argv.slice(2);
  const lib = libs[libName];
  if (!lib || !['seal', 'unseal'].includes(op) || !password) {
    process.stderr.write('usage: node seal.mjs ' + Object.keys(libs).join('|')
      + ' seal|unseal PASSWORD [TTL_SECONDS]\n');
    return 2;
  }
  const input = await readStdin();
  if (op === 'seal') {
    const ttl = ttlArg === undefined ? undefined : Number(ttlArg);
    process.stdout.write(await lib.seal(JSON.parse(input), password, ttl)
                         + '\n');
    return 0;
  }
  const data = await lib.unseal(input.replace(/\r?\n$/, ''), password);
  if (isEmpty(data)) {
    process.stderr.write(libName + ': seal rejected (empty result)\n');
    return 1;
  }
  process.stdout.write(JSON.stringify(data) + '\n');
  return 0;
}

main().then((code) => { process.exitCode = code; }, (err) => {
  process.stderr.write((process.argv[2] || 'seal.mjs') + ': '
                       + (err && err.message) + '\n');
  process.exitCode = 1;
});
