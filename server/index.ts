import { run } from './app.ts';

// The production entry: bundled to build/server.js and serving the Remix build beside it.
run(false);
