import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Root } from 'mdast';
import { getEnv } from '#app/utils/env.server.ts';
import { analyseModuleTree, type ModuleAnalysis } from './remark-kindred.ts';

// Bump when the compile step changes what it produces, so old cache entries are not reused.
const COMPILER_VERSION = '3';

export interface CompiledMdx {
  hash: string;
  code: string;
  frontmatter: Record<string, unknown>;
  analysis: ModuleAnalysis;
}

export class MdxCompileError extends Error {
  constructor(
    message: string,
    readonly line: number | null,
  ) {
    super(message);
  }
}

export function contentHash(source: string): string {
  return crypto.createHash('sha256').update(COMPILER_VERSION).update('\0').update(source).digest('hex');
}

const memoryCache = new Map<string, CompiledMdx>();
const pending = new Map<string, Promise<CompiledMdx>>();
let queue: Promise<unknown> = Promise.resolve();
let compileCount = 0;

/** How many real compiles this process has done (a warm page does none; tests check it). */
export function getCompileCount(): number {
  return compileCount;
}

/** Runs one compile at a time: esbuild is memory-hungry and the box is small. */
function enqueue<T>(task: () => Promise<T>): Promise<T> {
  const run = queue.then(task, task);
  queue = run.catch(() => undefined);
  return run;
}

function cacheFile(hash: string): string {
  return path.join(getEnv().CONTENT_CACHE_PATH, `${hash}.json`);
}

function readDiskCache(hash: string): CompiledMdx | null {
  try {
    const cached = JSON.parse(fs.readFileSync(cacheFile(hash), 'utf8')) as CompiledMdx;
    return cached.hash === hash ? cached : null;
  } catch {
    return null;
  }
}

function writeDiskCache(compiled: CompiledMdx): void {
  try {
    const file = cacheFile(compiled.hash);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // Write then rename, so a crash never leaves half a cache entry.
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify(compiled));
    fs.renameSync(temporary, file);
  } catch (error) {
    console.warn(`[content] could not write the compile cache: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Compiles MDX source, reusing the memory cache, then the disk cache, by content hash (`contentHash(source)`). */
export function compileMdx(source: string, hash = contentHash(source)): Promise<CompiledMdx> {
  const cached = memoryCache.get(hash);
  if (cached) return Promise.resolve(cached);
  let inFlight = pending.get(hash);
  if (!inFlight) {
    inFlight = (async () => {
      const fromDisk = readDiskCache(hash);
      const compiled = fromDisk ?? (await enqueue(() => compileNow(source, hash)));
      if (!fromDisk) writeDiskCache(compiled);
      memoryCache.set(hash, compiled);
      return compiled;
    })().finally(() => pending.delete(hash));
    pending.set(hash, inFlight);
  }
  return inFlight;
}

async function compileNow(source: string, hash: string): Promise<CompiledMdx> {
  compileCount += 1;
  let analysis: ModuleAnalysis = { items: [], wordCount: 0, componentCounts: {}, moduleLinks: [], problems: [] };
  const collect = () => (tree: Root) => {
    analysis = analyseModuleTree(tree);
  };
  try {
    // Loaded on the first compile: a server started on a warm content cache never compiles, and
    // the bundler's modules would otherwise stay in its heap for good (decision 029).
    const { bundleMDX } = await import('mdx-bundler');
    const result = await bundleMDX({
      source,
      mdxOptions(options) {
        options.remarkPlugins = [...(options.remarkPlugins ?? []), collect];
        return options;
      },
      esbuildOptions(options) {
        options.minify = true;
        options.logLevel = 'silent';
        options.target = ['es2022'];
        return options;
      },
    });
    return { hash, code: result.code, frontmatter: result.frontmatter as Record<string, unknown>, analysis };
  } catch (error) {
    throw toCompileError(error);
  }
}

function toCompileError(error: unknown): MdxCompileError {
  const esbuildErrors = (error as { errors?: { text: string; location?: { line: number } | null }[] }).errors;
  const first = esbuildErrors?.[0];
  if (first) {
    // @mdx-js/esbuild reports "line:column: reason", and for an unclosed tag also where the tag
    // opened, "(11:1-11:31)": that is the line an author needs.
    const lines = first.text.split('\n').map((l) => l.trim());
    const text = lines.find((l) => /^\d+:\d+/.test(l)) ?? lines.find(Boolean) ?? first.text;
    const leading = /^(\d+):(\d+)(?:-\d+:\d+)?: (.*)$/.exec(text);
    const opened = /\((\d+):\d+-\d+:\d+\)/.exec(text);
    const reason = (leading?.[3] ?? text).replace(/\s*\(\d+:\d+-\d+:\d+\)/, '').replace(/\s*\[plugin [^\]]+\]$/, '');
    const line = opened ? Number(opened[1]) : leading ? Number(leading[1]) : (first.location?.line ?? null);
    return new MdxCompileError(`MDX syntax error: ${reason}`, line);
  }
  return new MdxCompileError(`MDX could not be compiled: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, null);
}
