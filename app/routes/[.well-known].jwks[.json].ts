import { keyRing } from '#app/credentials/keys.server.ts';

// The public keys that verify Kindred's credentials: the current one and every previous one still trusted.
export async function loader() {
  const { publicKeys } = await keyRing();
  return Response.json({ keys: publicKeys }, { headers: { 'Cache-Control': 'public, max-age=300', 'Access-Control-Allow-Origin': '*' } });
}
