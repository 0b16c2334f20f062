// SPDX-License-Identifier: Apache-2.0
// A sign-in started and finished by @workos/authkit-session itself, so the
// tests can prove mod_auth_workos reads and writes the same per-flow
// verifier cookie and state.
//
//   node pkce.mjs start  PASSWORD CLIENT_ID REDIRECT_URI API_BASE RETURN_PATH
//        -> {"url", "state", "cookieName"}   (authkit-session's own start)
//   node pkce.mjs verify PASSWORD   stdin: state -> the opened state (JSON)
//   node pkce.mjs name   STATE      -> authkit-session's cookie name
import { WorkOS } from '@workos-inc/node';
import { sessionEncryption, getPKCECookieNameForState }
  from '@workos/authkit-session';

// Not in the package's exports map: loaded by path, as seal.mjs does.
const dist = './node_modules/@workos/authkit-session/dist/core/pkce/';
const { generateAuthorizationUrl } = await import(
  new URL(dist + 'generateAuthorizationUrl.js', import.meta.url).href);
const { unsealState } = await import(
  new URL(dist + 'state.js', import.meta.url).href);

async function readStdin() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8').trim();
}

async function main() {
  const [op, a, b, c, d, e] = process.argv.slice(2);
  if (op === 'start') {
    const base = new URL(d);
    const client = new WorkOS('sk_test_interop', {
      clientId: b, apiHostname: base.hostname, port: Number(base.port),
      https: base.protocol === 'https:' });
    const out = await generateAuthorizationUrl({
      client, encryption: sessionEncryption,
      config: { clientId: b, redirectUri: c, cookiePassword: a },
      options: { returnPathname: e } });
    process.stdout.write(JSON.stringify({ url: out.url,
      state: out.sealedState, cookieName: out.cookieName }));
  } else if (op === 'verify') {
    const st = await unsealState(sessionEncryption, a, await readStdin());
    process.stdout.write(JSON.stringify(st));
  } else if (op === 'name') {
    process.stdout.write(getPKCECookieNameForState(a));
  } else {
    process.stderr.write('usage: node pkce.mjs start|verify|name ...\n');
    process.exit(2);
  }
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack || err) + '\n');
  process.exit(1);
});
