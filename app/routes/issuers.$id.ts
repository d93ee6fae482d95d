import type { LoaderFunctionArgs } from '@remix-run/node';

import { issuerProfile } from '#app/credentials/open-badge.server.ts';
import { findIssuingOrganisation } from '#app/models/certificates.server.ts';
import { notFound } from '#app/utils/http.server.ts';

// The issuer Profile a credential's issuer.id points to: Kindred, or a school that has issued certificates.
export async function loader({ params }: LoaderFunctionArgs) {
  if (params.id === 'kindred') return Response.json(issuerProfile(null), { headers: { 'Cache-Control': 'public, max-age=300' } });
  const id = /^\d{1,12}$/.test(params.id ?? '') ? Number(params.id) : null;
  const organisation = id === null ? null : await findIssuingOrganisation(id);
  if (!organisation) throw notFound('No issuer has that id.');
  return Response.json(issuerProfile(organisation), { headers: { 'Cache-Control': 'public, max-age=300' } });
}
