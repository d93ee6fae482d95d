import crypto from 'node:crypto';
import zlib from 'node:zlib';
import Negotiator from 'negotiator';
import { singleton } from './singleton.server.ts';

// Rendered pages, kept by what they were rendered from (docs/decisions/023-rendered-pages-kept.md).
//
// A page's HTML is a function of its URL and its routes' loader data: the components read nothing
// else (no clock, no randomness, no environment; the course HTML the page carries beside its data
// is named in the data by its content's hash). So a page whose URL and loader data are the same as
// a kept page's is that page, and nothing has to invalidate anything: a write that changes what a
// page shows changes its loader data, and so its key. The only parts of a page that are new on every
// request are the CSP nonce and the random part of the form tokens (app/auth/tokens.server.ts): a
// page is kept in pieces split where those go, and served with the request's own.
//
// A kept page is also kept gzip-compressed, piece by piece (docs/decisions/025-kept-pages-compressed.md),
// so serving it to a browser compresses nothing but the request's fresh values, which are sent as
// stored (uncompressed) deflate blocks between the pieces.

/** Kept pages' total size in bytes, as text and compressed. */
const MAX_KEPT_BYTES = 16_000_000;

interface KeptPage {
  /** The page's UTF-8 bytes, and where each of the request's fresh values goes (its index). */
  pieces: (Buffer | number)[];
  /** The byte length each fresh value had; a request whose values differ in length gets no gzip. */
  freshLengths: number[];
  /**
   * Each piece of text deflated on its own, ending byte-aligned: made the first time the page is
   * served from memory to a browser that takes gzip (most pages rendered under load are never
   * served again); null when the page cannot be.
   */
  deflated: (Buffer | number)[] | null | undefined;
  /** Each piece of text's CRC-32, for the gzip trailer (fresh values are numbers). */
  checksums: (Crc32Part | number)[];
  bytes: number;
}

const kept = singleton('page-cache', () => ({ pages: new Map<string, KeptPage>(), bytes: 0, served: 0 }));

/**
 * Whether loader data is plain JSON, so that two values with one JSON are the same value for the
 * components: no Dates, Maps, class instances, promises (deferred data), undefined in arrays or
 * numbers JSON cannot write.
 */
function isPlainData(value: unknown, depth = 0): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object' || depth > 64) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (item === undefined || !isPlainData(item, depth + 1)) return false;
    return true;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined && !isPlainData(item, depth + 1)) return false;
  }
  return true;
}

/** `text` split where the fresh values are: its texts, and each fresh value's index. */
function splitAtFresh(text: string, fresh: readonly string[]): (string | number)[] {
  const parts: (string | number)[] = [];
  const next = fresh.map((value) => (value ? text.indexOf(value) : -1));
  let from = 0;
  for (;;) {
    let which = -1;
    for (let i = 0; i < next.length; i++) if (next[i]! !== -1 && (which === -1 || next[i]! < next[which]!)) which = i;
    if (which === -1) break;
    const at = next[which]!;
    parts.push(text.slice(from, at), which);
    from = at + fresh[which]!.length;
    for (let i = 0; i < next.length; i++) if (next[i]! !== -1 && next[i]! < from) next[i] = text.indexOf(fresh[i]!, from);
  }
  parts.push(text.slice(from));
  return parts;
}

/**
 * The key of the page for this URL and loader data, or null when the data is not plain JSON (then
 * the page is rendered and not kept). `fresh` are the values new to this request.
 */
export function pageKey(url: string, loaderData: unknown, fresh: readonly string[]): string | null {
  if (!isPlainData(loaderData)) return null;
  const material = fresh.reduce((text, value, index) => (value && text.includes(value) ? text.replaceAll(value, `\u0000fresh-${index}\u0000`) : text), JSON.stringify([url, loaderData]));
  return crypto.createHash('sha256').update(material).digest('base64url');
}

// The gzip file format (RFC 1952) around a deflate stream (RFC 1951).
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff]);
/** An empty stored block marked final: the end of the deflate stream. */
const LAST_BLOCK = Buffer.from([0x01, 0x00, 0x00, 0xff, 0xff]);
const WINDOW_BYTES = 32 * 1024;

/** Bytes as one stored (uncompressed) deflate block, not final; the stream must be at a byte boundary. */
function storedBlock(bytes: Buffer): Buffer {
  const block = Buffer.allocUnsafe(5 + bytes.length);
  block[0] = 0;
  block.writeUInt16LE(bytes.length, 1);
  block.writeUInt16LE(~bytes.length & 0xffff, 3);
  bytes.copy(block, 5);
  return block;
}

// CRC-32 of a whole from the CRC-32s of its parts (zlib's crc32_combine, RFC 1952's polynomial):
// a kept page's pieces are checksummed once, and serving it checksums only the fresh values.
const CRC_POLYNOMIAL = 0xedb88320;

/** a × b modulo the CRC polynomial, in the CRC's bit-reversed representation. */
function multiplyModCrc(a: number, b: number): number {
  let product = 0;
  for (let bit = 0x80000000; bit !== 0; bit >>>= 1) {
    if (a & bit) {
      product ^= b;
      if ((a & (bit - 1)) === 0) break;
    }
    b = b & 1 ? (b >>> 1) ^ CRC_POLYNOMIAL : b >>> 1;
  }
  return product >>> 0;
}

/** x^(2^k) modulo the CRC polynomial, for k = 0…31. */
const X_TO_2_TO_THE: number[] = [0x40000000];
for (let k = 1; k < 32; k++) X_TO_2_TO_THE.push(multiplyModCrc(X_TO_2_TO_THE[k - 1]!, X_TO_2_TO_THE[k - 1]!));

/** A part's CRC-32, and the factor that moves the CRC of what comes before it past it. */
export interface Crc32Part {
  crc: number;
  length: number;
  /** x^(8 × length) modulo the CRC polynomial. */
  shift: number;
}

export function crc32Part(bytes: Buffer): Crc32Part {
  let shift = 0x80000000; // x^0; then one factor x^(2^k) for each bit of 8 × length
  for (let n = bytes.length, k = 3; n > 0; n = Math.floor(n / 2), k++) if (n % 2 === 1) shift = multiplyModCrc(X_TO_2_TO_THE[k % 32]!, shift);
  return { crc: zlib.crc32(bytes), length: bytes.length, shift };
}

/** The CRC-32 of A followed by B, from A's CRC and B's part. */
export function combineCrc32(crcA: number, b: Crc32Part): number {
  return (multiplyModCrc(b.shift, crcA) ^ b.crc) >>> 0;
}

/**
 * Each piece of text deflated on its own, with the text before it as its dictionary and a sync
 * flush at its end, so the pieces and stored blocks of fresh values make one deflate stream. In
 * the dictionary each fresh value is as many zero bytes, which no page contains: no back-reference
 * can point into a fresh value, so the same pieces serve any fresh values of the same lengths.
 */
function deflatePieces(pieces: (Buffer | number)[], freshLengths: number[]): (Buffer | number)[] {
  const seen = Buffer.concat(pieces.map((piece) => (typeof piece === 'number' ? Buffer.alloc(freshLengths[piece]!) : piece)));
  let offset = 0;
  return pieces.map((piece) => {
    if (typeof piece === 'number') {
      offset += freshLengths[piece]!;
      return piece;
    }
    const dictionary = seen.subarray(Math.max(0, offset - WINDOW_BYTES), offset);
    offset += piece.length;
    return zlib.deflateRawSync(piece, { finishFlush: zlib.constants.Z_SYNC_FLUSH, ...(dictionary.length > 0 ? { dictionary } : {}) });
  });
}

/** Buffers as subarrays of one allocation: small buffers would each hold on to an 8 KB pool slab. */
function inOneAllocation(pieces: (Buffer | number)[]): (Buffer | number)[] {
  const buffers = pieces.filter((piece): piece is Buffer => typeof piece !== 'number');
  const whole = Buffer.allocUnsafeSlow(buffers.reduce((sum, piece) => sum + piece.length, 0));
  let offset = 0;
  return pieces.map((piece) => {
    if (typeof piece === 'number') return piece;
    piece.copy(whole, offset);
    offset += piece.length;
    return whole.subarray(offset - piece.length, offset);
  });
}

function byteLength(pieces: (Buffer | number)[] | null | undefined): number {
  return (pieces ?? []).reduce<number>((sum, piece) => sum + (typeof piece === 'number' ? 0 : piece.length), 0);
}

/** Drops the least recently used pages while the kept pages are over the size limit. */
function trimToLimit(): void {
  for (const [oldest, page] of kept.pages) {
    if (kept.bytes <= MAX_KEPT_BYTES) break;
    kept.pages.delete(oldest);
    kept.bytes -= page.bytes;
  }
}

/** Keeps a page just rendered under `key`; the least recently used go beyond the size limit. */
export function keepPage(key: string, html: string, fresh: readonly string[]): void {
  const pieces = inOneAllocation(splitAtFresh(html, fresh).map((part) => (typeof part === 'number' ? part : Buffer.from(part))));
  const freshLengths = fresh.map((value) => Buffer.byteLength(value));
  const compressible = !html.includes('\u0000') && freshLengths.every((length) => length < 0xffff);
  const bytes = byteLength(pieces);
  if (bytes > MAX_KEPT_BYTES / 16) return;
  const previous = kept.pages.get(key);
  if (previous !== undefined) kept.bytes -= previous.bytes;
  kept.pages.delete(key);
  const checksums = pieces.map((piece) => (typeof piece === 'number' ? piece : crc32Part(piece)));
  kept.pages.set(key, { pieces, freshLengths, deflated: compressible ? undefined : null, checksums, bytes });
  kept.bytes += bytes;
  trimToLimit();
}

/** Whether a request's Accept-Encoding takes gzip. */
export function acceptsGzip(acceptEncoding: string | null): boolean {
  if (!acceptEncoding) return false;
  return new Negotiator({ headers: { 'accept-encoding': acceptEncoding } }).encodings(['gzip']).includes('gzip');
}

export interface KeptPageBody {
  body: Buffer;
  /** 'gzip' when the body is compressed. */
  encoding: 'gzip' | null;
}

/**
 * The kept page for `key`, with this request's fresh values in it, gzip-compressed when `gzip` and
 * the page can be; null if none is kept.
 */
export function keptPage(key: string, fresh: readonly string[], gzip: boolean): KeptPageBody | null {
  const page = kept.pages.get(key);
  if (page === undefined) return null;
  kept.pages.delete(key);
  kept.pages.set(key, page); // most recently used last
  kept.served += 1;
  const freshBytes = fresh.map((value) => Buffer.from(value));
  if (!gzip || page.deflated === null || freshBytes.some((value, index) => value.length !== page.freshLengths[index])) {
    return { body: Buffer.concat(page.pieces.map((piece) => (typeof piece === 'number' ? freshBytes[piece]! : piece))), encoding: null };
  }
  let deflated = page.deflated;
  if (deflated === undefined) {
    deflated = page.deflated = inOneAllocation(deflatePieces(page.pieces, page.freshLengths));
    page.bytes += byteLength(deflated);
    kept.bytes += byteLength(deflated);
    trimToLimit();
  }
  const freshParts = freshBytes.map(crc32Part);
  let crc = 0;
  let length = 0;
  for (const checksum of page.checksums) {
    const part = typeof checksum === 'number' ? freshParts[checksum]! : checksum;
    crc = combineCrc32(crc, part);
    length += part.length;
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc, 0);
  trailer.writeUInt32LE(length % 2 ** 32, 4);
  const body = Buffer.concat([GZIP_HEADER, ...deflated.map((piece) => (typeof piece === 'number' ? storedBlock(freshBytes[piece]!) : piece)), LAST_BLOCK, trailer]);
  return { body, encoding: 'gzip' };
}

/** For tests and /__metrics: pages kept now, and pages served from memory so far. */
export function pageCacheStats(): { kept: number; served: number } {
  return { kept: kept.pages.size, served: kept.served };
}
