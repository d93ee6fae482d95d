import type { LoaderFunctionArgs } from '@remix-run/node';
import { credentialFor, signCredential } from '#app/credentials/open-badge.server.ts';
import { normaliseCertificateCode } from '#app/models/certificates.server.ts';
import { notFound } from '#app/utils/http.server.ts';

// The Open Badges credential as a signed VC-JWT. Public like the verification page: it names the
// holder only by a salted hash of their email.
export async function loader({ params }: LoaderFunctionArgs) {
  const code = normaliseCertificateCode(params.code ?? '');
  const credential = code ? await credentialFor(code) : null;
  if (!code || !credential) throw notFound('No certificate has that code.');
  return new Response(await signCredential(credential), {
    headers: {
      'Content-Type': 'application/jwt; charset=utf-8',
      'Content-Disposition': `attachment; filename="kindred-credential-${code}.jwt"`,
      'Cache-Control': 'no-store',
    },
  });
}
