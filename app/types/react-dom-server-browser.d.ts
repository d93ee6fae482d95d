// React 18 publishes the web-stream renderer as react-dom/server.browser; its types are those of
// react-dom/server (app/entry.server.tsx says why the page uses it on Node).
declare module 'react-dom/server.browser' {
  export { renderToReadableStream } from 'react-dom/server';
}
