/**
 * One instance per process, even when a module is loaded twice (the Remix build and the server
 * bundle each carry a copy of app modules; Vite reloads them in development).
 */
export function singleton<T>(name: string, create: () => T): T {
  const store = globalThis as unknown as { __kindredSingletons?: Map<string, unknown> };
  store.__kindredSingletons ??= new Map();
  if (!store.__kindredSingletons.has(name)) store.__kindredSingletons.set(name, create());
  return store.__kindredSingletons.get(name) as T;
}

export function forgetSingleton(name: string): void {
  const store = globalThis as unknown as { __kindredSingletons?: Map<string, unknown> };
  store.__kindredSingletons?.delete(name);
}
