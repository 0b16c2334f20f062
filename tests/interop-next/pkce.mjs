// SPDX-License-Identifier: Apache-2.0
// A sign-in started by @workos/authkit-session itself with
// @workos-inc/node 11 as its client, under this directory's Node: the
// "start" of tests/interop/pkce.mjs with the current majors.
//
//   node pkce.mjs start PASSWORD CLIENT_ID REDIRECT_URI API_BASE RETURN_PATH
//        -> {"url", "state", "cookieName"}
import { WorkOS } from '@workos-inc/node';
import { sessionEncryption } from '@workos/authkit-session';

// Not in the package's exports map: loaded by path, as tests/interop does.
const { generateAuthorizationUrl } = await import(new URL(
  './node_modules/@workos/authkit-session/dist/core/pkce/'
  + 'generateAuthorizationUrl.js', import.meta.url).href);

async function main() {
  const [op, password, clientId, redirectUri, apiBase, returnPathname] =
    process.argv.slice(2);
  if (op !== 'start') {
    process.stderr.write('usage: node pkce.mjs start ...\n');
    process.exit(2);
  }
  const base = new URL(apiBase);
  const client = new WorkOS('sk_test_interop', {
    clientId, apiHostname: base.hostname, port: Number(base.port),
    https: base.protocol === 'https:' });
  const out = await generateAuthorizationUrl({
    client, encryption: sessionEncryption,
    config: { clientId, redirectUri, cookiePassword: password },
    options: { returnPathname } });
  process.stdout.write(JSON.stringify({ url: out.url,
    state: out.sealedState, cookieName: out.cookieName }));
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack || err) + '\n');
  process.exit(1);
});
