import { run } from './app.ts';

// `npm run dev`: the same server with Vite's dev middleware, so an edit shows on the next reload.
run(true);
