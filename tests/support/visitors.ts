// The kinds of visitor the access and action matrices try every route as.

export type Visitor = 'signedOut' | 'teacher' | 'coach' | 'leader' | 'otherLeader' | 'trustLeader' | 'admin' | 'deactivated';

/** A status, 'in' for a redirect to sign-in, 'away' for any other redirect. */
export type Expected = number | 'in' | 'away';

/** Who each signed-in visitor is in the demo data ('deactivated' is deactivated after signing in). */
export const VISITOR_EMAILS: Record<Exclude<Visitor, 'signedOut'>, string> = {
  teacher: 'teacher@oakfield.example',
  coach: 'coach@oakfield.example',
  leader: 'leader@oakfield.example',
  otherLeader: 'leader@brookside.example',
  trustLeader: 'trust.leader@northfield.example',
  admin: 'admin@kindred.example',
  deactivated: 'joe.nowak@oakfield.example',
};

export function outcome(response: Response): Expected {
  if (response.status >= 300 && response.status < 400) return (response.headers.get('location') ?? '').startsWith('/sign-in') ? 'in' : 'away';
  return response.status;
}
