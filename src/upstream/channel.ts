// A message pipe to one upstream instance, whatever carries it (a supervised process's stdio today;
// remote transports later). The connection on top remaps ids; the channel only moves messages.

import type { JsonLine, JsonRpcMessage, ResponseLine } from "../core/index.js";
import type { Instance } from "../supervisor/index.js";

export interface UpstreamChannel {
  /** Writes one message; false when nothing is there to receive it. */
  send(message: JsonRpcMessage): boolean;
  /** Writes one message already encoded as a JSON line (a client's request with its id replaced). */
  sendLine(line: JsonLine): boolean;
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
    send: (message) => instance.send(JSON.stringify(message)),
    sendLine: (line) => instance.send(line),
    setReceiver: (receiver, onResponseLine) =>
      instance.setMessageListener((message) => receiver(message), onResponseLine),
    onEnd: (listener) => instance.onProcessEnd(listener),
  };
}
