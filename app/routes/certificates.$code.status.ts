import type { LoaderFunctionArgs } from '@remix-run/node';

import { credentialStatus } from '#app/credentials/open-badge.server.ts';
import { normaliseCertificateCode } from '#app/models/certificates.server.ts';
import { notFound } from '#app/utils/http.server.ts';

// The credentialStatus endpoint: whether the certificate behind a credential has been revoked.
export async function loader({ params }: LoaderFunctionArgs) {
  const code = normaliseCertificateCode(params.code ?? '');
  const status = code ? await credentialStatus(code) : null;
  if (!status) throw notFound('No certificate has that code.');
  return Response.json(status, { headers: { 'Cache-Control': 'no-store', 'Access-Control-Allow-Origin': '*' } });
}
