// Svix's own npm package, driven by Latchkey's webhook e2e tests
// (tests/e2e/test_webhooks.py). Two modes:
//
//   node svix_tool.mjs receive
//     A webhook receiver on 127.0.0.1 (any free port; prints
//     {"port": N} on its first line). Every POST to /hook is checked with
//     svix's Webhook.verify against the secrets it was told, recorded, and
//     answered with the next status of the plan (then 200). Control:
//       POST /_control {"secrets": [...], "statuses": [500, 500], "delay_ms": 0}
//       GET  /_received  -> [{"verified", "error", "payload", "headers", "status",
//                              "body", "connection" (the client's port)}]
//
//   node svix_tool.mjs client <server_url> <token> <method> <json args>
//     Calls one method of the Svix client (new Svix(token, {serverUrl})),
//     e.g. `endpoint.create '["app_id", {"url": "..."}]'`, and prints
//     {"ok": true, "result": ...} or {"ok": false, "code": status, "body": ...}.
import http from "node:http";
import { Svix, Webhook } from "svix";

function receive() {
  let secrets = [];
  let statuses = [];
  let delayMs = 0;
  const received = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const reply = (status, text) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(text);
      };
      if (req.url === "/_control" && req.method === "POST") {
        const c = JSON.parse(body);
        if (c.secrets) secrets = c.secrets;
        if (c.statuses) statuses = c.statuses;
        if (c.delay_ms !== undefined) delayMs = c.delay_ms;
        return reply(200, "{}");
      }
      if (req.url === "/_received" && req.method === "GET") {
        return reply(200, JSON.stringify(received));
      }
      const headers = {
        "svix-id": req.headers["svix-id"],
        "svix-timestamp": req.headers["svix-timestamp"],
        "svix-signature": req.headers["svix-signature"],
      };
      let payload = null;
      let error = null;
      for (const secret of secrets) {
        try {
          payload = new Webhook(secret).verify(body, headers);
          error = null;
          break;
        } catch (e) {
          error = String(e.message || e);
        }
      }
      if (secrets.length === 0) error = "no secret configured";
      const status = statuses.length ? statuses.shift() : 200;
      // The client's port tells the connections apart (keep-alive).
      const connection = req.socket.remotePort;
      received.push({ verified: payload !== null, error, payload, headers, status, body, connection });
      setTimeout(() => reply(status, JSON.stringify({ received: true })), delayMs);
    });
  });
  server.listen(0, "127.0.0.1", () => {
    process.stdout.write(JSON.stringify({ port: server.address().port }) + "\n");
  });
}

async function client(serverUrl, token, method, args) {
  const svix = new Svix(token, { serverUrl });
  const [group, name] = method.split(".");
  try {
    const result = await svix[group][name](...JSON.parse(args));
    process.stdout.write(JSON.stringify({ ok: true, result: result ?? null }) + "\n");
  } catch (e) {
    process.stdout.write(JSON.stringify({ ok: false, code: e.code ?? null, body: e.body ?? String(e) }) + "\n");
  }
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === "receive") receive();
else if (mode === "client") await client(...rest);
else {
  process.stderr.write("usage: svix_tool.mjs receive | client <server_url> <token> <method> <json args>\n");
  process.exit(2);
}
