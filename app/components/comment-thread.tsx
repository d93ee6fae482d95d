import { Form } from '@remix-run/react';
import { TextAreaField } from './forms.tsx';

export interface ThreadComment {
  id: number;
  authorName: string;
  byOwner: boolean;
  body: string;
  createdAtText: string;
  unread: boolean;
}

/** A reflection's comment thread and a reply box; text is always rendered as text. */
export function CommentThread({ reflectionId, comments, replyLabel, error, submissionKey }: { reflectionId: number; comments: ThreadComment[]; replyLabel: string; error?: string; submissionKey: string }) {
  return (
    <div className="thread">
      {comments.length === 0 ? <p className="muted">No replies yet.</p> : null}
      {comments.map((c) => (
        <div key={c.id} className={c.unread ? 'comment unread' : 'comment'}>
          <p>
            <strong>{c.authorName}</strong> <span className="muted">{c.createdAtText}</span>
            {c.unread ? <span className="badge badge--in-progress"> New</span> : null}
          </p>
          <p className="comment-body">{c.body}</p>
        </div>
      ))}
      <Form method="post" className="stack">
        <input type="hidden" name="intent" value="comment" />
        <input type="hidden" name="reflectionId" value={reflectionId} />
        <input type="hidden" name="submissionKey" value={`${submissionKey}-${reflectionId}`} />
        <TextAreaField label={replyLabel} name="body" rows={3} maxLength={5000} error={error} id={`reply-${reflectionId}`} />
        <div>
          <button type="submit" className="button">
            Send reply
          </button>
        </div>
      </Form>
    </div>
  );
}
