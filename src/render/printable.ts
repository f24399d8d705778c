// Text from the systems we inspect (key names, values) shown safely in a terminal: a key holding escape sequences
// must not clear the screen or recolour the report, and a trailing space must be visible.

/** Control characters as \xNN; the whole text in quotes when it starts or ends with whitespace. */
export function printable(text: string): string {
  // C0 controls, DEL and C1 controls (0x9b is a one-byte CSI).
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is escaped here
  const escaped = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return /^\s|\s$/.test(escaped) ? JSON.stringify(escaped) : escaped;
}
