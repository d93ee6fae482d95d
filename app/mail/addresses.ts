import { z } from 'zod';

// Names come from people and spreadsheets; nothing in one may become a header of its own.
// Nodemailer encodes header values, and these rules hold before it ever sees them.

// eslint-disable-next-line no-control-regex -- control characters are exactly what this removes
const LINE_BREAKS_AND_CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/** A display name or subject on one line: line breaks and control characters become spaces. */
export function oneLine(value: string, max = 200): string {
  return value.replace(LINE_BREAKS_AND_CONTROLS, ' ').replace(/\s+/g, ' ').trim().slice(0, max);
}

const addressSchema = z.email().max(254);

export class UnsafeAddressError extends Error {}

/** An address to send to, refused (never repaired) if it is not a plain email address. */
export function mailbox(name: string, address: string): { name: string; address: string } {
  if (/[\r\n<>,;"\s]/.test(address) || !addressSchema.safeParse(address).success) throw new UnsafeAddressError(`Not a usable email address: ${JSON.stringify(address.slice(0, 80))}`);
  return { name: oneLine(name, 120), address };
}
