// Preloaded (`node --import`) into peer gateways that have no host flag: every TCP listen is forced
// onto 127.0.0.1, and the first TCP address actually bound is printed as
// `bench-listening 127.0.0.1:<port>` so `--port 0` can be used.

import net from "node:net";

const HOST = "127.0.0.1";
const listen = net.Server.prototype.listen;
let reported = false;

function isPort(value) {
  return typeof value === "number" || (typeof value === "string" && /^\d+$/.test(value));
}

net.Server.prototype.listen = function listenOnLoopback(...args) {
  const [first] = args;
  if (isPort(first)) {
    // listen(port[, host][, backlog][, callback])
    if (typeof args[1] === "string") args[1] = HOST;
    else args.splice(1, 0, HOST);
  } else if (first === undefined || typeof first === "function") {
    // listen([callback]): a random port on every interface
    args.unshift(0, HOST);
  } else if (
    typeof first === "object" &&
    first !== null &&
    first.path === undefined &&
    first.fd === undefined
  ) {
    // listen(options[, callback]) with a port (a handle or a unix socket is left alone)
    if (first._handle === undefined && first.handle === undefined) args[0] = { ...first, host: HOST };
  }
  this.once("listening", () => {
    const address = this.address();
    if (reported || address === null || typeof address === "string") return;
    reported = true;
    process.stdout.write(`bench-listening ${address.address}:${address.port}\n`);
  });
  return listen.apply(this, args);
};
