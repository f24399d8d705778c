// The JSON renderer: the envelope exactly as built, two-space indented, one document.
import type { Envelope } from '../core/envelope.js';

export function renderJson(envelope: Envelope): string {
  return `${JSON.stringify(envelope, null, 2)}\n`;
}
