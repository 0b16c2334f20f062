// SPDX-License-Identifier: Apache-2.0
// Seals many sessions at once with the real iron-session (the copy pinned
// in tests/interop), for the callgrind run's first-seen cookies: one node
// start instead of one per cookie.
//
//   node seal_many.mjs PASSWORD    stdin: JSON array of objects
//                                  stdout: one seal per line, same order
const lib = new URL('../interop/node_modules/iron-session/dist/index.js',
                    import.meta.url);
const { sealData } = await import(lib.href);

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const items = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const password = process.argv[2];
if (!password || !Array.isArray(items)) {
  process.stderr.write('usage: node seal_many.mjs PASSWORD < array.json\n');
  process.exit(2);
}
const out = [];
for (const data of items) out.push(await sealData(data, { password }));
process.stdout.write(out.join('\n') + '\n');
