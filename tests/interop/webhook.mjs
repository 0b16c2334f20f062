// SPDX-License-Identifier: Apache-2.0
// Webhook signatures with @workos-inc/node's own code.
//   node webhook.mjs sign SECRET       stdin: event JSON -> {"header", "body"}
//   node webhook.mjs verify SECRET HEADER   stdin: raw body -> exit 0 if the
//                                      SDK's constructEvent accepts it
import { WorkOS } from "@workos-inc/node";

const [mode, secret, header] = process.argv.slice(2);
const input = await new Promise((resolve) => {
  let data = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (c) => (data += c));
  process.stdin.on("end", () => resolve(data));
});
const workos = new WorkOS("sk_test_interop", { clientId: "client_interop" });

if (mode === "sign") {
  const payload = JSON.parse(input);
  const t = Date.now();
  const sig = await workos.webhooks.computeSignature(t, payload, secret);
  process.stdout.write(JSON.stringify({
    header: `t=${t}, v1=${sig}`,
    body: JSON.stringify(payload),
  }));
} else if (mode === "verify") {
  try {
    await workos.webhooks.constructEvent({
      payload: JSON.parse(input), sigHeader: header, secret,
    });
  } catch (e) {
    process.stderr.write(String(e && e.message));
    process.exit(1);
  }
} else {
  process.stderr.write("usage: webhook.mjs sign|verify SECRET [HEADER]\n");
  process.exit(2);
}
