// A message pipe to one upstream instance, whatever carries it (a supervised process's stdio today;
// remote transports later). The connection on top remaps ids; the channel only moves messages.

import type { JsonRpcMessage, ResponseLine } from "../core/index.js";
import type { Instance } from "../supervisor/index.js";

export interface UpstreamChannel {
  /**
   * Writes one message; false when nothing is there to receive it. `encoded`, when given, is the same
   * message already as one JSON line's bytes (a client's request with its id replaced).
   */
  send(message: JsonRpcMessage, encoded?: readonly Buffer[]): boolean;
  /**
   * The one receiver of every message the upstream sends (except supervisor control traffic);
   * plain responses to the connection's numeric ids come unparsed to `onResponseLine`.
   */
  setReceiver(
    receiver: (message: JsonRpcMessage) => void,
    onResponseLine: (response: ResponseLine) => void,
  ): void;
  /** Called when the upstream process ends; returns an unsubscribe function. */
  onEnd(listener: (reason: string) => void): () => void;
}

export function createInstanceChannel(instance: Instance): UpstreamChannel {
  return {
    send: (message, encoded) => instance.send(encoded ?? JSON.stringify(message)),
    setReceiver: (receiver, onResponseLine) =>
      instance.setMessageListener((message) => receiver(message), onResponseLine),
    onEnd: (listener) => instance.onProcessEnd(listener),
  };
}
