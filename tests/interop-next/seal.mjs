// SPDX-License-Identifier: Apache-2.0
// Seal or unseal with the current majors under this directory's Node: the
// checks of tests/interop/seal.mjs for iron-session, iron-webcrypto,
// @workos/authkit-session 0.7 and @workos-inc/node 11.
//
//   node seal.mjs LIB seal   PASSWORD   stdin: JSON  -> seal
//   node seal.mjs LIB unseal PASSWORD   stdin: seal  -> JSON
//
// LIB: iron-session | iron-webcrypto | authkit-session | workos-node
// (unseal only: @workos-inc/node 11 bundles its sealData out of reach; it
// reads a cookie through userManagement.getSessionFromCookie). Exit 1
// when a library fails or yields an empty object.
import * as ironSession from 'iron-session';
import * as iron from 'iron-webcrypto';
import { WorkOS } from '@workos-inc/node';
import { sessionEncryption } from '@workos/authkit-session';

const libs = {
  'iron-session': {
    seal: (data, password) => ironSession.sealData(data, { password }),
    unseal: (sealed, password) => ironSession.unsealData(sealed, { password }),
  },
  'iron-webcrypto': {
    seal: (data, password) =>
      iron.seal(data, { id: '1', secret: password }, iron.defaults),
    // raw iron knows nothing of the "~N" suffix the session layers add
    unseal: (sealed, password) =>
      iron.unseal(sealed.split('~')[0], { 1: password }, iron.defaults),
  },
  'authkit-session': {
    seal: (data, password) => sessionEncryption.sealData(data, { password }),
    unseal: (sealed, password) =>
      sessionEncryption.unsealData(sealed, { password }),
  },
  'workos-node': {
    unseal: (sealed, password) =>
      new WorkOS('sk_test_interop', { clientId: 'client_interop' })
        .userManagement.getSessionFromCookie({ sessionData: sealed,
                                               cookiePassword: password }),
  },
};

async function readStdin() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function main() {
  const [name, op, password] = process.argv.slice(2);
  const lib = libs[name];
  if (!lib || !lib[op] || !password) {
    process.stderr.write('usage: node seal.mjs LIB seal|unseal PASSWORD\n');
    return 2;
  }
  const input = await readStdin();
  if (op === 'seal') {
    process.stdout.write(await lib.seal(JSON.parse(input), password) + '\n');
    return 0;
  }
  const data = await lib.unseal(input, password);
  if (data === null || data === undefined || (typeof data === 'object'
      && !Array.isArray(data) && Object.keys(data).length === 0)) {
    process.stderr.write(name + ': seal rejected (empty result)\n');
    return 1;
  }
  process.stdout.write(JSON.stringify(data) + '\n');
  return 0;
}

main().then((code) => { process.exitCode = code; }, (err) => {
  process.stderr.write(name() + ': ' + (err && err.message) + '\n');
  process.exitCode = 1;
});

function name() {
  return process.argv[2] || 'seal.mjs';
}
