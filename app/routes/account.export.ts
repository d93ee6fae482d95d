import type { LoaderFunctionArgs } from '@remix-run/node';
import { requireUser } from '#app/auth/session.server.ts';
import { exportPersonalData } from '#app/models/personal-data.server.ts';

// The signed-in person's own data as one JSON download (subject access).
export async function loader({ request }: LoaderFunctionArgs) {
  const viewer = await requireUser(request);
  const data = await exportPersonalData(viewer);
  return new Response(JSON.stringify(data, null, 2), {
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Disposition': `attachment; filename="kindred-my-data-${data.exportedAt.slice(0, 10)}.json"`,
      'Cache-Control': 'private, no-store',
    },
  });
}
