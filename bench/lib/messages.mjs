// The one exchange every setup is measured with: server-everything's `echo` tool, called with a unique
// message of exactly the payload size, whose answer must be exactly `Echo: <message>`.

export const PROTOCOL_VERSION = "2025-06-18";

const FILLER_UNIT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** Unique messages of `bytes` characters (ASCII, so bytes = characters, no JSON escaping). */
export function createMessageFactory(bytes, client) {
  const filler = FILLER_UNIT.repeat(Math.ceil(bytes / FILLER_UNIT.length)).slice(0, bytes);
  let seq = 0;
  return () => {
    const head = `c${client}-${seq++}-`;
    return head.length >= bytes ? head : head + filler.slice(head.length);
  };
}

export function echoParams(message) {
  return { name: "echo", arguments: { message } };
}

/** A `tools/call echo` request serialised by hand (the message needs no escaping). */
export function echoRequestText(id, message) {
  return `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"echo","arguments":{"message":"${message}"}}}`;
}

/** Undefined when `answer` is the right answer to request `id` with `message`; else what is wrong. */
export function checkEchoAnswer(answer, id, message) {
  if (answer === undefined || answer === null) return "no answer";
  if (answer.id !== id) return `answer id ${JSON.stringify(answer.id)} for request ${id}`;
  if (answer.error !== undefined) return `error ${answer.error.code}: ${answer.error.message}`;
  return checkEchoResult(answer.result, message);
}

export function checkEchoResult(result, message) {
  const text = result?.content?.[0]?.text;
  if (text === `Echo: ${message}`) return undefined;
  if (typeof text !== "string") return "answer has no text content";
  return `wrong echo (${text.length} characters for a ${message.length}-character message)`;
}
