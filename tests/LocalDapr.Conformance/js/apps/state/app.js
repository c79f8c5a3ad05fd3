// State management through @dapr/dapr's DaprClient, over HTTP and over gRPC, driven by
// tests/LocalDapr.Conformance/State: etags, first-write, bulk, transactions, TTL metadata, illegal keys.
// Every route reports what the SDK returned or threw, so the tests assert on what a JavaScript app sees.
"use strict";

const { DaprClient, CommunicationProtocolEnum, StateConcurrencyEnum } = require("@dapr/dapr");
const { serveControl } = require("../../lib/control");

const STORE = "statestore";
const http = new DaprClient({ daprHost: "127.0.0.1", daprPort: process.env.DAPR_HTTP_PORT, communicationProtocol: CommunicationProtocolEnum.HTTP });
const grpc = new DaprClient({ daprHost: "127.0.0.1", daprPort: process.env.DAPR_GRPC_PORT, communicationProtocol: CommunicationProtocolEnum.GRPC });
const clientFor = (body) => (body.grpc ? grpc : http);

// The HTTP client wraps a failed call as Error(JSON {error, error_msg, status}); the gRPC client throws the
// gRPC error ({code, details}). Both become { status | code, body } for the tests.
function failure(err) {
  try {
    const parsed = JSON.parse(err.message);
    let body = parsed.error_msg;
    try {
      body = JSON.parse(parsed.error_msg);
    } catch {
      // Not JSON: keep the text.
    }
    return { failed: true, status: parsed.status, body };
  } catch {
    return { failed: true, code: err.code ?? null, message: String(err.details ?? err.message ?? err) };
  }
}

function item(body) {
  const entry = { key: body.key, value: body.value };
  if (body.etag !== undefined) entry.etag = body.etag;
  if (body.firstWrite) entry.options = { concurrency: StateConcurrencyEnum.CONCURRENCY_FIRST_WRITE };
  if (body.ttlInSeconds !== undefined) entry.metadata = { ttlInSeconds: String(body.ttlInSeconds) };
  return entry;
}

const routes = {
  // save: HTTP returns { error } instead of throwing; gRPC throws.
  "POST /save": async (body) => {
    try {
      const result = await clientFor(body).state.save(STORE, [item(body)]);
      return result?.error ? failure(result.error) : { failed: false };
    } catch (err) {
      return failure(err);
    }
  },
  "POST /get": async (body) => {
    try {
      const value = await clientFor(body).state.get(STORE, body.key);
      return { failed: false, value: value === "" ? null : value };
    } catch (err) {
      return failure(err);
    }
  },
  // getBulk answers [{ key, data, etag, metadata }] as the sidecar sent them.
  "POST /bulk": async (body) => {
    try {
      return { failed: false, items: await clientFor(body).state.getBulk(STORE, body.keys) };
    } catch (err) {
      return failure(err);
    }
  },
  "POST /delete": async (body) => {
    const options = {};
    if (body.etag !== undefined) options.etag = body.etag;
    if (body.firstWrite) options.concurrency = StateConcurrencyEnum.CONCURRENCY_FIRST_WRITE;
    try {
      const result = await clientFor(body).state.delete(STORE, body.key, options);
      return result?.error ? failure(result.error) : { failed: false };
    } catch (err) {
      return failure(err);
    }
  },
  // operations: [{ operation: "upsert" | "delete", key, value?, etag? }]
  "POST /transaction": async (body) => {
    const operations = body.operations.map((op) => ({
      operation: op.operation,
      request: op.etag === undefined ? { key: op.key, value: op.value } : { key: op.key, value: op.value, etag: op.etag },
    }));
    try {
      await clientFor(body).state.transaction(STORE, operations);
      return { failed: false };
    } catch (err) {
      return failure(err);
    }
  },
};

serveControl(routes, async () => {
  await http.start();
  await grpc.start();
}).catch((err) => {
  console.error(err);
  process.exit(1);
});
