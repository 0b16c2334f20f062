// SPDX-License-Identifier: Apache-2.0
// WorkOS's own emulator (the pinned `workos` CLI, `workos/emulate`), started
// on a free loopback port and seeded for tests/integration/test_emulator.py.
//
//   node emulator.mjs [API_KEY]
//     -> one JSON line on stdout:
//        {"url", "port", "apiKey", "users": {name: {id, email, password}},
//         "orgs": {name: id}, "memberships": {"user/org": om_id}}
//   then serves until stdin closes or SIGTERM/SIGINT, and closes.
//
// The emulator's ids are generated at start, so memberships (which name a
// user id) are created through its own API once users and organisations
// exist, as an administrator would.
import net from 'node:net';
import { createEmulator } from 'workos/emulate';

// createEmulator listens on every interface (it passes no host to
// listen()); the tests use loopback only, so a listen() without a host
// gets 127.0.0.1. The emulator still names itself http://localhost:<port>
// (its issuer), which resolves to this address too.
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' && (args.length < 2
      || args[1] === undefined || typeof args[1] === 'function')) {
    if (typeof args[1] === 'function') args.splice(1, 0, '127.0.0.1');
    else args[1] = '127.0.0.1';
  }
  return listen.apply(this, args);
};

const apiKey = process.argv[2] || 'sk_test_emulator_0123456789';
const PASSWORD = 'Emulator-Password-1!';

// Alice comes first: an authorize without login_hint signs her in.
const USERS = {
  alice: { email: 'alice@example.com', first_name: 'Alice' },
  bob: { email: 'bob@example.com', first_name: 'Bob' },
  carol: { email: 'carol@example.com', first_name: 'Carol' },
  dave: { email: 'dave@example.com', first_name: 'Dave' },
};
const ORGS = { acme: 'Acme', globex: 'Globex' };
const MEMBERSHIPS = [
  ['alice', 'acme', 'admin'], ['alice', 'globex', 'member'],
  ['bob', 'acme', 'member'], ['carol', 'acme', 'member'],
  ['dave', 'acme', 'member'],
];

const seed = {
  apiKeys: { [apiKey]: { environment: 'test' } },
  users: Object.values(USERS).map((u) => ({
    ...u, password: PASSWORD, email_verified: true })),
  organizations: Object.values(ORGS).map((name) => ({ name })),
  permissions: [
    { slug: 'posts:read', name: 'Read posts' },
    { slug: 'posts:write', name: 'Write posts' },
    { slug: 'billing:manage', name: 'Manage billing' },
  ],
  roles: [
    { slug: 'admin', name: 'Admin',
      permissions: ['posts:read', 'posts:write', 'billing:manage'] },
    { slug: 'member', name: 'Member', permissions: ['posts:read'],
      is_default_role: true },
  ],
};

// With a host, listen() binds after a lookup, so createEmulator would read
// no port back from port 0 (its url and issuer would say :0): pick a free
// loopback port first, as the httpd harness does.
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    listen.call(s, 0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const emu = await createEmulator({ port: await freePort(), seed });

// listen() completes after a lookup: wait until the emulator answers
for (let i = 0; ; i++) {
  try {
    if ((await fetch(emu.url + '/health')).ok) break;
  } catch (e) {
    if (i >= 100) throw e;
  }
  await new Promise((r) => setTimeout(r, 50));
}

async function api(method, path, body) {
  const res = await fetch(emu.url + path, {
    method,
    headers: { Authorization: `Bearer ${apiKey}`,
               'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status}`);
  return res.json();
}

async function byName(path, key) {
  const out = {};
  const list = await api('GET', `${path}?limit=100`);
  for (const item of list.data) out[item[key]] = item.id;
  return out;
}

const userIds = await byName('/user_management/users', 'email');
const orgIds = await byName('/organizations', 'name');
const users = {};
for (const [name, u] of Object.entries(USERS)) {
  users[name] = { id: userIds[u.email], email: u.email, password: PASSWORD };
}
const orgs = {};
for (const [name, title] of Object.entries(ORGS)) orgs[name] = orgIds[title];
const memberships = {};
for (const [user, org, role] of MEMBERSHIPS) {
  const m = await api('POST', '/user_management/organization_memberships',
    { user_id: users[user].id, organization_id: orgs[org], role_slug: role });
  memberships[`${user}/${org}`] = m.id;
}

process.stdout.write(JSON.stringify({
  url: emu.url, port: emu.port, apiKey, users, orgs, memberships }) + '\n');

let closing = false;
async function stop() {
  if (closing) return;
  closing = true;
  // keep-alive connections would hold close() open: end them
  await Promise.race([emu.close(),
    new Promise((r) => setTimeout(r, 2000).unref())]);
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
