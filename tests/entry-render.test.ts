import { getEventListeners } from 'node:events';
import { Suspense, createElement } from 'react';
import { expect, test, vi } from 'vitest';
import { renderWhole } from '#app/entry.server.tsx';

// A request's signal outlives the request: undici holds each Request's AbortController through a
// WeakRef and a FinalizationRegistry, which only a full collection clears. A listener the render
// left on it kept React's state and every chunk of the page alive until then (decision 029).

test('a finished render leaves no listener on the request’s signal', async () => {
  const controller = new AbortController();
  const rendered = await renderWhole(createElement('p', null, 'Kept only while rendering'), controller.signal, '');
  expect(rendered.html.toString('utf8')).toContain('Kept only while rendering');
  expect(rendered.failed).toBe(false);
  expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
});

test('nor does a render whose shell fails', async () => {
  const controller = new AbortController();
  const Broken = () => {
    throw new Error('the shell cannot render');
  };
  // The render reports it as it would in the server's log.
  const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  await expect(renderWhole(createElement(Broken), controller.signal, '')).rejects.toThrow('the shell cannot render');
  expect(logged).toHaveBeenCalled();
  expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
});

test('a render still in progress is aborted with the request', async () => {
  const controller = new AbortController();
  const never = new Promise<never>(() => undefined);
  const Waiting = () => {
    throw never;
  };
  const suspended = createElement('div', null, createElement(Suspense, null, createElement(Waiting)));
  // React's development build warns about the aborted boundary.
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
  const result = renderWhole(suspended, controller.signal, '');
  // The client goes away once the shell has rendered and the page waits on its data.
  await new Promise((resolve) => setTimeout(resolve, 20));
  controller.abort(new Error('the client went away'));
  // React ends the render with the boundary left to the browser and reports the abort as an error.
  expect((await result).failed).toBe(true);
  expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
});
