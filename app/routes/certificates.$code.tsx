import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { getSessionUser, requireUser, requireRecentPassword } from '#app/auth/session.server.ts';
import { canDownloadCertificate, canRevokeCertificate } from '#app/auth/policy.server.ts';
import { standardLabelsOfCourse } from '#app/content/catalogue.server.ts';
import { qrSvg, verificationUrl } from '#app/models/certificate-document.server.ts';
import { findCertificateOwner, findPublicCertificate, NAME_WITHHELD, normaliseCertificateCode, REVOCATION_REASONS, revokeCertificate } from '#app/models/certificates.server.ts';
import { credentialUrls, linkedInAddToProfileUrl } from '#app/credentials/open-badge.server.ts';
import { TextAreaField } from '#app/components/forms.tsx';
import { formatDate } from '#app/utils/dates.ts';
import { getEnv } from '#app/utils/env.server.ts';
import { notFound, orNotFound } from '#app/utils/http.server.ts';
import { readForm, text } from '#app/utils/forms.ts';
import { followedUpStepCount } from '#app/models/practice.server.ts';
import { practiceLine } from '#app/models/certificate-document.server.ts';

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data && 'certificate' in data && data.certificate ? `Certificate ${data.certificate.code} – Kindred` : 'Certificate not found – Kindred' },
  { name: 'robots', content: 'noindex' },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const code = normaliseCertificateCode(params.code ?? '');
  const certificate = code ? await findPublicCertificate(code) : null;
  if (!certificate) return data({ found: false as const, code: (params.code ?? '').slice(0, 40) }, { status: 404 });
  if (params.code !== certificate.code) throw redirect(`/certificates/${certificate.code}`);
  const url = verificationUrl(getEnv().PUBLIC_URL, certificate.code);
  const viewer = await getSessionUser(request);
  const owner = await findCertificateOwner(certificate.code);
  const [canDownload, canRevoke] = viewer && owner ? await Promise.all([canDownloadCertificate(viewer, owner.userId), canRevokeCertificate(viewer, owner.userId)]) : [false, false];
  return {
    found: true as const,
    certificate: {
      ...certificate,
      learnerName: certificate.learnerName ?? NAME_WITHHELD,
      completedAtText: formatDate(certificate.completedAt),
      revokedAtText: certificate.revokedAt ? formatDate(certificate.revokedAt) : null,
      revocationReasonText: certificate.revocationReason ? REVOCATION_REASONS[certificate.revocationReason] : null,
    },
    standards: standardLabelsOfCourse(certificate.courseSlug),
    practice: owner ? practiceLine(await followedUpStepCount(owner.userId, certificate.courseSlug)) : null,
    url,
    qr: await qrSvg(url),
    canDownload,
    credential: { ...credentialUrls(certificate.code), linkedIn: viewer && owner && viewer.id === owner.userId && !certificate.revokedAt ? linkedInAddToProfileUrl(certificate) : null },
    canRevoke: canRevoke && !certificate.revokedAt,
    reasons: Object.entries(REVOCATION_REASONS).map(([value, label]) => ({ value, label })),
  };
}

const revokeSchema = z.object({
  reason: z.enum(Object.keys(REVOCATION_REASONS) as [keyof typeof REVOCATION_REASONS], { message: 'Choose a reason' }),
  note: text({ label: 'a note', max: 1000, multiline: true }),
});

export async function action({ request, params }: ActionFunctionArgs) {
  const viewer = await requireUser(request);
  const code = normaliseCertificateCode(params.code ?? '');
  const owner = code ? await findCertificateOwner(code) : null;
  if (!code || !owner || !(await canRevokeCertificate(viewer, owner.userId))) throw notFound('No certificate has that code.');
  const formData = await readForm(request);
  requireRecentPassword(request, viewer);
  const parsed = revokeSchema.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return data({ fieldErrors: { [String(parsed.error.issues[0]?.path[0] ?? 'reason')]: parsed.error.issues[0]?.message } }, { status: 400 });
  await orNotFound(revokeCertificate(viewer, code, parsed.data.reason, parsed.data.note));
  return redirect(`/certificates/${code}`);
}

export default function CertificatePage() {
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  if (!data.found) {
    return (
      <div className="stack">
        <h1>No certificate has that code</h1>
        <p>
          We could not find a certificate with the code <strong>{data.code}</strong>. Check it against the printed certificate: codes have
          three groups of six letters and numbers, like <span className="token-box">ABC234-DEF567-GHJ789</span>.
        </p>
      </div>
    );
  }
  const { certificate, url, qr, canDownload, canRevoke, reasons, standards, credential } = data;
  const revoked = certificate.revokedAtText !== null;
  return (
    <div className="certificate-page">
      <h1>{revoked ? 'This certificate has been revoked' : 'This certificate is valid'}</h1>
      <p className={revoked ? 'alert alert--error' : 'alert alert--success'} role="status">
        {revoked
          ? `Revoked on ${certificate.revokedAtText}. Reason: ${certificate.revocationReasonText}.`
          : `Kindred issued this certificate and it has not been revoked.`}
      </p>
      <dl className="facts">
        <dt>Learner</dt>
        <dd>{certificate.learnerName}</dd>
        <dt>Course</dt>
        <dd>{certificate.courseTitle}</dd>
        <dt>CPD hours</dt>
        <dd>{certificate.cpdHours}</dd>
        <dt>Completed on</dt>
        <dd>{certificate.completedAtText}</dd>
        {data.practice ? (
          <>
            <dt>Classroom practice</dt>
            <dd>{data.practice}</dd>
          </>
        ) : null}
        <dt>Issued by</dt>
        <dd>{certificate.organisationName}</dd>
        <dt>Course content version</dt>
        <dd>{certificate.contentVersion}</dd>
        {standards.length > 0 ? (
          <>
            <dt>{"Teachers' Standards and ITTECF headings the course supports"}</dt>
            <dd>
              <ul>
                {standards.map((standard) => (
                  <li key={standard}>{standard}</li>
                ))}
              </ul>
            </dd>
          </>
        ) : null}
        <dt>Certificate code</dt>
        <dd>{certificate.code}</dd>
      </dl>
      <figure className="qr">
        <div role="img" aria-label={`QR code leading to ${url}`} dangerouslySetInnerHTML={{ __html: qr }} />
        <figcaption>
          Scan to check this certificate, or go to <a href={url}>{url}</a>
        </figcaption>
      </figure>
      {canDownload ? (
        <p>
          <a className="button" href={`/certificates/${certificate.code}/pdf`} download>
            Download the PDF
          </a>
        </p>
      ) : null}
      <section aria-labelledby="credential-title" className="no-print stack">
        <h2 id="credential-title">Digital credential</h2>
        <p>
          This certificate is also an Open Badges 3.0 credential, signed by Kindred, that other systems can check. It names the holder only by a
          protected (salted and hashed) email address.
        </p>
        <ul>
          <li>
            <a href={credential.jwt} download>
              Download the signed credential (.jwt)
            </a>
          </li>
          <li>
            <a href={credential.json} download>
              Download the credential as JSON
            </a>
          </li>
        </ul>
        {credential.linkedIn ? (
          <p>
            <a className="button" href={credential.linkedIn} rel="noopener noreferrer">
              Add to LinkedIn profile
            </a>
          </p>
        ) : null}
      </section>
      {canRevoke ? (
        <section aria-labelledby="revoke-title" className="no-print">
          <h2 id="revoke-title">Revoke this certificate</h2>
          <p>Revoking cannot be undone. The public page will say it was revoked, when, and the kind of reason (not your note).</p>
          <Form method="post" className="stack">
            <div className="field">
              <label htmlFor="reason">Reason</label>
              <select id="reason" name="reason" aria-invalid={actionData?.fieldErrors.reason ? true : undefined}>
                {reasons.map((r) => (
                  <option key={r.value} value={r.value}>
                    {r.label}
                  </option>
                ))}
              </select>
              {actionData?.fieldErrors.reason ? <p className="field-error">{actionData.fieldErrors.reason}</p> : null}
            </div>
            <TextAreaField label="Note for the audit log (optional, not public)" name="note" rows={3} />
            <div>
              <button type="submit" className="button button--danger">
                Revoke certificate
              </button>
            </div>
          </Form>
        </section>
      ) : null}
    </div>
  );
}
