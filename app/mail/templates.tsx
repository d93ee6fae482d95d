import { renderToStaticMarkup } from 'react-dom/server';
import { formatDate, formatDateTime } from '#app/utils/dates.ts';

// Every message is described once, as a heading, paragraphs and at most one main link; the HTML
// part (React, rendered to a string) and the plain-text part are both made from that description,
// so they always say the same thing.

export type PreferenceCategory = 'assignments' | 'reminders' | 'coaching' | 'leader_digest';

export interface MessageContent {
  subject: string;
  /** Who the message is from in words: a school's name, or Kindred. */
  sender: string;
  heading: string;
  greeting: string;
  paragraphs: string[];
  action?: { label: string; url: string };
  /** Lines listed under the paragraphs (a digest's items). */
  items?: { text: string; url?: string }[];
  after?: string[];
  /** Set for optional emails: the category a one-click unsubscribe turns off. */
  category?: PreferenceCategory;
}

export interface RenderedMessage {
  subject: string;
  html: string;
  text: string;
  category?: PreferenceCategory;
  unsubscribeUrl?: string;
}

interface RenderContext {
  publicUrl: string;
  /** For optional emails: the signed one-click link (also sent as List-Unsubscribe). */
  unsubscribeUrl?: string;
}

const CATEGORY_TEXT: Record<PreferenceCategory, string> = {
  assignments: 'emails about courses assigned to you',
  reminders: 'reminders about due dates and action-step follow-ups',
  coaching: 'emails about reflections and action steps shared with you',
  leader_digest: 'the weekly summary for leaders',
};

function EmailDocument({ content, context }: { content: MessageContent; context: RenderContext }) {
  const box = { maxWidth: '36rem', margin: '0 auto', padding: '1.5rem', fontFamily: 'Arial, Helvetica, sans-serif', fontSize: '16px', lineHeight: 1.5, color: '#1b1b1b', background: '#ffffff' };
  return (
    <html lang="en-GB">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{content.subject}</title>
      </head>
      <body style={{ margin: 0, background: '#f3f2f1' }}>
        <main style={box}>
          <p style={{ margin: '0 0 1rem', color: '#505a5f' }}>{content.sender}</p>
          <h1 style={{ fontSize: '1.5rem', margin: '0 0 1rem' }}>{content.heading}</h1>
          <p>{content.greeting}</p>
          {content.paragraphs.map((p, i) => (
            <p key={i}>{p}</p>
          ))}
          {content.items?.length ? (
            <ul>
              {content.items.map((item, i) => (
                <li key={i}>{item.url ? <a href={item.url} style={{ color: '#1d70b8' }}>{item.text}</a> : item.text}</li>
              ))}
            </ul>
          ) : null}
          {content.action ? (
            <p style={{ margin: '1.5rem 0' }}>
              <a href={content.action.url} style={{ display: 'inline-block', padding: '0.6rem 1rem', background: '#00703c', color: '#ffffff', textDecoration: 'underline', fontWeight: 'bold' }}>
                {content.action.label}
              </a>
            </p>
          ) : null}
          {content.action ? (
            <p style={{ fontSize: '14px', color: '#505a5f' }}>
              If the button does not work, copy this address into your browser: <span style={{ wordBreak: 'break-all' }}>{content.action.url}</span>
            </p>
          ) : null}
          {content.after?.map((p, i) => (
            <p key={i}>{p}</p>
          ))}
          <hr style={{ border: 0, borderTop: '1px solid #b1b4b6', margin: '1.5rem 0' }} />
          <p style={{ fontSize: '14px', color: '#505a5f' }}>
            Sent by Kindred for {content.sender}. <a href={context.publicUrl} style={{ color: '#1d70b8' }}>Go to Kindred</a>
          </p>
          {content.category && context.unsubscribeUrl ? (
            <p style={{ fontSize: '14px', color: '#505a5f' }}>
              You get this because {CATEGORY_TEXT[content.category]} are on.{' '}
              <a href={context.unsubscribeUrl} style={{ color: '#1d70b8' }}>
                Stop {CATEGORY_TEXT[content.category]}
              </a>{' '}
              or choose your emails on <a href={`${context.publicUrl}/account#emails`} style={{ color: '#1d70b8' }}>your account page</a>.
            </p>
          ) : null}
        </main>
      </body>
    </html>
  );
}

function plainText(content: MessageContent, context: RenderContext): string {
  const lines: string[] = [content.sender, '', content.heading, '', content.greeting, ''];
  for (const p of content.paragraphs) lines.push(p, '');
  if (content.items?.length) {
    for (const item of content.items) lines.push(`- ${item.text}${item.url ? `: ${item.url}` : ''}`);
    lines.push('');
  }
  if (content.action) lines.push(`${content.action.label}: ${content.action.url}`, '');
  for (const p of content.after ?? []) lines.push(p, '');
  lines.push('--', `Sent by Kindred for ${content.sender}. ${context.publicUrl}`);
  if (content.category && context.unsubscribeUrl) {
    lines.push(`To stop ${CATEGORY_TEXT[content.category]}: ${context.unsubscribeUrl}`, `Choose your emails: ${context.publicUrl}/account#emails`);
  }
  return lines.join('\n') + '\n';
}

export function renderMessage(content: MessageContent, context: RenderContext): RenderedMessage {
  const html = '<!DOCTYPE html>' + renderToStaticMarkup(<EmailDocument content={content} context={context} />);
  return { subject: content.subject, html, text: plainText(content, context), category: content.category, unsubscribeUrl: content.category ? context.unsubscribeUrl : undefined };
}

// ---------------------------------------------------------------------------------------------
// The messages. Each takes the row's params (JSON from the outbox) and the recipient's name.

type Params = Record<string, unknown>;
const str = (params: Params, key: string): string => String(params[key] ?? '');
const optional = (params: Params, key: string): string | null => (typeof params[key] === 'string' ? (params[key] as string) : null);

export interface TemplateInput {
  toName: string;
  params: Params;
  publicUrl: string;
  courseTitle: (slug: string) => string;
}

export const TEMPLATES: Record<string, (input: TemplateInput) => MessageContent> = {
  invitation: ({ toName, params }) => {
    const organisation = str(params, 'organisationName');
    const inviter = optional(params, 'inviterName');
    return {
      subject: `Your invitation to Kindred from ${organisation}`,
      sender: organisation,
      heading: `Join ${organisation} on Kindred`,
      greeting: `Dear ${toName},`,
      paragraphs: [
        `${inviter ? `${inviter} has` : 'You have been'} invited you to Kindred, where ${organisation} runs short professional-learning courses for its staff.`,
        'Open the link to check your name and choose a password. The link works once.',
      ],
      action: { label: 'Accept your invitation', url: str(params, 'url') },
      after: [`The link expires on ${formatDateTime(str(params, 'expiresAt'))}. If it has expired, ask ${inviter ?? 'a leader at your school'} for a new one.`, 'If you were not expecting this, you can ignore it.'],
    };
  },
  'password-reset': ({ toName, params }) => {
    const by = optional(params, 'requestedByName');
    return {
      subject: 'Reset your Kindred password',
      sender: 'Kindred',
      heading: 'Reset your password',
      greeting: `Dear ${toName},`,
      paragraphs: [
        by ? `${by} has sent you a link to choose a new Kindred password.` : 'Someone, hopefully you, asked to reset the password of your Kindred account.',
        'Open the link to choose a new password. It works once, and signs you out everywhere else.',
      ],
      action: { label: 'Choose a new password', url: str(params, 'url') },
      after: [`The link expires on ${formatDateTime(str(params, 'expiresAt'))}.`, 'If you did not ask for this, you can ignore this email: your password stays as it is.'],
    };
  },
  'password-changed': ({ toName, params, publicUrl }) => ({
    subject: 'Your Kindred password was changed',
    sender: 'Kindred',
    heading: 'Your password was changed',
    greeting: `Dear ${toName},`,
    paragraphs: [`The password of your Kindred account was changed on ${formatDateTime(str(params, 'at'))}. Any other sessions that were open were signed out.`],
    after: [`If this was not you, reset your password now at ${publicUrl}/forgot-password and tell a leader at your school.`],
  }),
  'assignment-made': ({ toName, params, publicUrl, courseTitle }) => {
    const organisation = str(params, 'organisationName');
    const due = optional(params, 'dueDate');
    return {
      subject: `New course to complete: ${courseTitle(str(params, 'courseSlug'))}`,
      sender: organisation,
      heading: `${courseTitle(str(params, 'courseSlug'))} has been assigned to you`,
      greeting: `Dear ${toName},`,
      paragraphs: [`${str(params, 'assignedByName')} at ${organisation} has asked you to complete this course${due ? ` by ${formatDate(due)}` : ''}.`],
      action: { label: 'Start the course', url: `${publicUrl}/courses/${str(params, 'courseSlug')}` },
      category: 'assignments',
    };
  },
  'due-soon': ({ toName, params, publicUrl, courseTitle }) => {
    const due = str(params, 'dueDate');
    const tomorrow = params.days === 1;
    return {
      subject: `${tomorrow ? 'Due tomorrow' : 'Due in a week'}: ${courseTitle(str(params, 'courseSlug'))}`,
      sender: str(params, 'organisationName'),
      heading: `${courseTitle(str(params, 'courseSlug'))} is due ${tomorrow ? 'tomorrow' : 'in a week'}`,
      greeting: `Dear ${toName},`,
      paragraphs: [`This course is due on ${formatDate(due)}, and you have not finished it yet.`],
      action: { label: 'Carry on with the course', url: `${publicUrl}/courses/${str(params, 'courseSlug')}` },
      category: 'reminders',
    };
  },
  overdue: ({ toName, params, publicUrl, courseTitle }) => ({
    subject: `Overdue: ${courseTitle(str(params, 'courseSlug'))}`,
    sender: str(params, 'organisationName'),
    heading: `${courseTitle(str(params, 'courseSlug'))} is overdue`,
    greeting: `Dear ${toName},`,
    paragraphs: [`This course was due on ${formatDate(str(params, 'dueDate'))}. You can still complete it.`],
    action: { label: 'Carry on with the course', url: `${publicUrl}/courses/${str(params, 'courseSlug')}` },
    after: ['This is the only separate reminder; after this, overdue courses are listed in one weekly email.'],
    category: 'reminders',
  }),
  'overdue-digest': ({ toName, params, publicUrl, courseTitle }) => {
    const items = (params.items as { courseSlug: string; dueDate: string }[] | undefined) ?? [];
    return {
      subject: `${items.length === 1 ? 'A course is' : `${items.length} courses are`} overdue`,
      sender: str(params, 'organisationName'),
      heading: 'Your overdue courses',
      greeting: `Dear ${toName},`,
      paragraphs: ['These courses assigned to you are past their due dates:'],
      items: items.map((i) => ({ text: `${courseTitle(i.courseSlug)} (due ${formatDate(i.dueDate)})`, url: `${publicUrl}/courses/${i.courseSlug}` })),
      action: { label: 'Go to your learning', url: `${publicUrl}/learn` },
      category: 'reminders',
    };
  },
  'reflection-shared': ({ toName, params, publicUrl }) => ({
    subject: `${str(params, 'teacherName')} shared a reflection with you`,
    sender: str(params, 'organisationName'),
    heading: `${str(params, 'teacherName')} shared a reflection`,
    greeting: `Dear ${toName},`,
    paragraphs: [`${str(params, 'teacherName')}, whom you coach, has shared a reflection with you. Read it and reply on Kindred.`],
    action: { label: 'Read the reflection', url: `${publicUrl}/coach/people/${str(params, 'teacherUserId')}#reflections` },
    category: 'coaching',
  }),
  'reflection-reply': ({ toName, params, publicUrl }) => ({
    subject: `${str(params, 'teacherName')} replied on a shared reflection`,
    sender: str(params, 'organisationName'),
    heading: `${str(params, 'teacherName')} replied`,
    greeting: `Dear ${toName},`,
    paragraphs: [`${str(params, 'teacherName')}, whom you coach, has replied on a reflection they shared with you.`],
    action: { label: 'Read the reply', url: `${publicUrl}/coach/people/${str(params, 'teacherUserId')}#reflections` },
    category: 'coaching',
  }),
  'practice-shared': ({ toName, params, publicUrl }) => ({
    subject: `${str(params, 'teacherName')} shared a classroom action step with you`,
    sender: str(params, 'organisationName'),
    heading: `${str(params, 'teacherName')} shared an action step`,
    greeting: `Dear ${toName},`,
    paragraphs: [`${str(params, 'teacherName')}, whom you coach, has shared something they plan to try in class. You can add an observation or feedback, and agree the next step, on Kindred.`],
    action: { label: 'See their action steps', url: `${publicUrl}/coach/people/${str(params, 'teacherUserId')}#practice` },
    category: 'coaching',
  }),
  'practice-followed-up': ({ toName, params, publicUrl }) => ({
    subject: `${str(params, 'teacherName')} wrote how an action step went`,
    sender: str(params, 'organisationName'),
    heading: `${str(params, 'teacherName')} followed up an action step`,
    greeting: `Dear ${toName},`,
    paragraphs: [`${str(params, 'teacherName')}, whom you coach, has written on an action step they shared with you.`],
    action: { label: 'Read it', url: `${publicUrl}/coach/people/${str(params, 'teacherUserId')}#practice` },
    category: 'coaching',
  }),
  'practice-follow-up-due': ({ toName, params, publicUrl, courseTitle }) => ({
    subject: 'How did it go? Your classroom action step',
    sender: 'Kindred',
    heading: 'How did it go?',
    greeting: `Dear ${toName},`,
    paragraphs: [
      `On ${formatDate(`${str(params, 'followUpOn')}T12:00:00Z`)} you planned to try this with ${str(params, 'className')} (${courseTitle(str(params, 'courseSlug'))}):`,
      str(params, 'what'),
      'Take two minutes to note what happened and what you will do next. If you have not tried it yet, choose a new date.',
    ],
    action: { label: 'Say how it went', url: `${publicUrl}/practice/${String(params.stepId)}#follow-up` },
    category: 'reminders',
  }),
  'leader-digest': ({ toName, params, publicUrl }) => {
    const rows = (params.organisations as { name: string; people: number; pendingInvitations: number; completedThisWeek: number }[] | undefined) ?? [];
    return {
      subject: 'Your weekly Kindred summary',
      sender: rows.length === 1 ? rows[0]!.name : 'Kindred',
      heading: 'This week on Kindred',
      greeting: `Dear ${toName},`,
      paragraphs: ['A summary of the organisations you lead:'],
      items: rows.map((r) => ({
        text: `${r.name}: ${r.people} people, ${r.completedThisWeek} course completions in the last 7 days, ${r.pendingInvitations} invitations not yet accepted`,
      })),
      action: { label: 'Open the staff dashboard', url: `${publicUrl}/lead` },
      category: 'leader_digest',
    };
  },
};

export type TemplateName = keyof typeof TEMPLATES;
