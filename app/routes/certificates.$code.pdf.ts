import type { LoaderFunctionArgs } from '@remix-run/node';
import { requireUser } from '#app/auth/session.server.ts';
import { canDownloadCertificate } from '#app/auth/policy.server.ts';
import { standardLabelsOfCourse } from '#app/content/catalogue.server.ts';
import { certificatePdf, practiceLine, verificationUrl } from '#app/models/certificate-document.server.ts';
import { followedUpStepCount } from '#app/models/practice.server.ts';
import { findCertificateOwner, findPublicCertificate, normaliseCertificateCode } from '#app/models/certificates.server.ts';
import { getEnv } from '#app/utils/env.server.ts';
import { notFound } from '#app/utils/http.server.ts';

// The PDF: for the learner and the leaders of their organisation; 404 for anyone else.
export async function loader({ request, params }: LoaderFunctionArgs) {
  const viewer = await requireUser(request);
  const code = normaliseCertificateCode(params.code ?? '');
  const owner = code ? await findCertificateOwner(code) : null;
  if (!code || !owner || !(await canDownloadCertificate(viewer, owner.userId))) throw notFound('No certificate has that code.');
  const certificate = (await findPublicCertificate(code))!;
  const pdf = await certificatePdf(certificate, verificationUrl(getEnv().PUBLIC_URL, code), standardLabelsOfCourse(certificate.courseSlug), practiceLine(await followedUpStepCount(owner.userId, certificate.courseSlug)));
  return new Response(new Uint8Array(pdf), {
    headers: {
      'Content-Type': 'application/pdf',
      'Content-Disposition': `attachment; filename="kindred-certificate-${code}.pdf"`,
      'Cache-Control': 'private, no-store',
    },
  });
}
