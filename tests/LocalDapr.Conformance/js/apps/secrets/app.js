// Secrets through @dapr/dapr's DaprClient (HTTP and gRPC) from the env secret store the harness configures
// (secretstores.local.env, the launcher's environment), driven by tests/LocalDapr.Conformance/Secrets.
"use strict";

const { DaprClient, CommunicationProtocolEnum } = require("@dapr/dapr");
const { serveControl } = require("../../lib/control");

const http = new DaprClient({ daprHost: "127.0.0.1", daprPort: process.env.DAPR_HTTP_PORT, communicationProtocol: CommunicationProtocolEnum.HTTP });
const grpc = new DaprClient({ daprHost: "127.0.0.1", daprPort: process.env.DAPR_GRPC_PORT, communicationProtocol: CommunicationProtocolEnum.GRPC });

const routes = {
  // { grpc, store, key } -> { secret } (an SDK error answers 500 with { error, code })
  "POST /get": async (body) => ({ secret: await (body.grpc ? grpc : http).secret.get(body.store ?? "secretstore", body.key) }),
  "POST /bulk": async (body) => ({ secrets: await (body.grpc ? grpc : http).secret.getBulk(body.store ?? "secretstore") }),
};

serveControl(routes, async () => {
  await http.start();
  await grpc.start();
}).catch((err) => {
  console.error(err);
  process.exit(1);
});
