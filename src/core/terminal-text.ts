// Text from servers and clients (stderr lines, reasons, messages) shown on a terminal: control
// characters become visible escapes, so a server cannot retitle the window, recolour the output, set
// the clipboard (OSC 52) or overwrite lines (CR) in the operator's terminal.

// C0 except tab, DEL and C1: matching them is the point.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters to escape
const CONTROLS = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters to escape
const CONTROLS_BUT_NEWLINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** `\u001b` for ESC and so on: readable as text, and still the same string inside JSON. */
function escapeOne(character: string): string {
  return `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/**
 * `text` with every control character but tab written as `\uXXXX`; with `keepNewlines`, line feeds
 * stay (output of several lines). Linear time; returns `text` itself when there is nothing to escape.
 */
export function escapeControlCharacters(text: string, keepNewlines = false): string {
  const pattern = keepNewlines ? CONTROLS_BUT_NEWLINE : CONTROLS;
  pattern.lastIndex = 0;
  if (!pattern.test(text)) return text;
  return text.replace(pattern, escapeOne);
}
