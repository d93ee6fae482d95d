import type { LoaderFunctionArgs } from '@remix-run/node';

import { credentialFor } from '#app/credentials/open-badge.server.ts';
import { normaliseCertificateCode } from '#app/models/certificates.server.ts';
import { notFound } from '#app/utils/http.server.ts';

// The same OpenBadgeCredential unsigned, for reading; the .jwt beside it is the verifiable form.
export async function loader({ params }: LoaderFunctionArgs) {
  const code = normaliseCertificateCode(params.code ?? '');
  const credential = code ? await credentialFor(code) : null;
  if (!code || !credential) throw notFound('No certificate has that code.');
  return Response.json(credential, { headers: { 'Content-Disposition': `attachment; filename="kindred-credential-${code}.json"`, 'Cache-Control': 'no-store' } });
}
