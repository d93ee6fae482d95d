import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';

import { Link, useLoaderData } from '@remix-run/react';
import { readOutboxFile } from '#app/mail/dev-outbox.server.ts';

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.subject ?? 'Email'} – Local outbox – Kindred` }];

export async function loader({ params }: LoaderFunctionArgs) {
  return await readOutboxFile(params.id ?? '');
}

/** The plain-text part with its web addresses as links, so a reset or invitation link can be followed. */
function TextWithLinks({ text }: { text: string }) {
  const parts = text.split(/(https?:\/\/[^\s<>"]+)/g);
  return (
    <pre className="email-text">
      {parts.map((part, i) => (i % 2 === 1 ? <a key={i} href={part}>{part}</a> : part))}
    </pre>
  );
}

export default function DevOutboxMessage() {
  const mail = useLoaderData<typeof loader>();
  return (
    <div className="stack">
      <p>
        <Link to="/dev/outbox">Local outbox</Link>
      </p>
      <h1>{mail.subject || '(no subject)'}</h1>
      <dl>
        <dt>From</dt>
        <dd>{mail.from}</dd>
        <dt>To</dt>
        <dd>{mail.to}</dd>
        <dt>Message-ID</dt>
        <dd>{mail.messageId}</dd>
        {mail.listUnsubscribe ? (
          <>
            <dt>List-Unsubscribe</dt>
            <dd>{mail.listUnsubscribe}</dd>
          </>
        ) : null}
      </dl>
      <h2>Plain-text part</h2>
      <TextWithLinks text={mail.text} />
      <p className="muted">The file also holds an HTML part; open {mail.id}.eml in the outbox folder with an email program to see it.</p>
    </div>
  );
}
