// Actors through @dapr/dapr: an AbstractActor served by DaprServer (state manager, timers, reminders) and called
// through ActorProxyBuilder, driven by tests/LocalDapr.Conformance/Actors. The sidecar must give each actor one
// turn at a time: the app counts overlapping calls per actor id.
"use strict";

const { AbstractActor, ActorProxyBuilder, ActorId, Temporal } = require("@dapr/dapr");
const { createServer, startWithControl } = require("../../lib/server-control");

const hits = new Map();
const hit = (key) => hits.set(key, (hits.get(key) ?? 0) + 1);
const inFlight = new Map();
const maxInFlight = new Map();
const arg = (args) => (Array.isArray(args) ? args[0] : args);
const ms = (milliseconds) => Temporal.Duration.from({ milliseconds });

class Counter extends AbstractActor {
  // getState throws for a missing name in this SDK; tryGetState answers [found, value].
  async count() {
    const [found, value] = await this.getStateManager().tryGetState("count");
    return found ? value : 0;
  }

  async add(args) {
    const count = (await this.count()) + arg(args);
    await this.getStateManager().setState("count", count);
    return count;
  }

  async current() {
    return this.count();
  }

  // Holds the turn for a while; a second call overlapping it would show up in maxInFlight.
  async slow(args) {
    const id = this.getActorId().getId();
    inFlight.set(id, (inFlight.get(id) ?? 0) + 1);
    maxInFlight.set(id, Math.max(maxInFlight.get(id) ?? 0, inFlight.get(id)));
    await new Promise((resolve) => setTimeout(resolve, arg(args)));
    inFlight.set(id, inFlight.get(id) - 1);
    return maxInFlight.get(id);
  }

  async arm() {
    await this.registerActorTimer("tick", "onTick", ms(100), ms(200));
    await this.registerActorReminder("nudge", ms(100), ms(200), undefined, "hello");
    return true;
  }

  async disarm() {
    await this.unregisterActorTimer("tick");
    await this.unregisterActorReminder("nudge");
    return true;
  }

  async onTick() {
    hit(`timer:${this.getActorId().getId()}`);
  }

  async receiveReminder() {
    hit(`reminder:${this.getActorId().getId()}`);
  }
}

const { app, server } = createServer();
const proxy = (id) => new ActorProxyBuilder(Counter, server.client).build(new ActorId(id));

const routes = {
  // { id, method, arg } -> what the actor method returned
  "POST /control/call": async (body) => ({ result: await proxy(body.id)[body.method](body.arg) }),
  // { id, calls, ms } -> the most calls the actor ever saw at once
  "POST /control/parallel": async (body) => {
    await Promise.all(Array.from({ length: body.calls }, () => proxy(body.id).slow(body.ms)));
    return { maxInFlight: maxInFlight.get(body.id) ?? 0 };
  },
  "POST /control/hits": async (body) => ({ count: hits.get(body.key) ?? 0 }),
};

startWithControl({ app, server }, routes, async () => {
  await server.actor.init();
  server.actor.registerActor(Counter);
}).catch((err) => {
  console.error(err);
  process.exit(1);
});
