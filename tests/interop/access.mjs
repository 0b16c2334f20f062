// SPDX-License-Identifier: Apache-2.0
// One access check made by @workos-inc/node's authorization.check, so the
// tests can compare the request it sends with mod_auth_workos's.
//
//   node access.mjs API_BASE OPTIONS_JSON -> the SDK's answer (JSON)
import { WorkOS } from '@workos-inc/node';

async function main() {
  const [baseUrl, opts] = process.argv.slice(2);
  const base = new URL(baseUrl);
  const workos = new WorkOS('sk_test_interop', {
    clientId: 'client_interop', apiHostname: base.hostname,
    port: Number(base.port), https: base.protocol === 'https:' });
  const out = await workos.authorization.check(JSON.parse(opts));
  process.stdout.write(JSON.stringify(out));
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack || err) + '\n');
  process.exit(1);
});
