import type { Generated, Insertable, Selectable } from 'kysely';

// Dates are ISO-8601 strings in UTC; booleans are 0 | 1; absent values are null.

export type Role = 'teacher' | 'coach' | 'leader';
export const ROLES: readonly Role[] = ['teacher', 'coach', 'leader'];

export interface OrganisationsTable {
  id: Generated<number>;
  name: string;
  kind: 'school' | 'trust';
  trust_id: number | null;
  created_at: string;
  /** Months a deactivated person is kept before being erased; null keeps them until asked. */
  retention_months: number | null;
  /** 1: members sign in only through single sign-on; their passwords are refused. */
  sso_only: Generated<0 | 1>;
  /** The school's Microsoft Entra tenant: Microsoft sign-ins for its domains must come from it. */
  microsoft_tenant_id: string | null;
}

/** An email domain a platform admin has verified for an organisation (lower case). */
export interface OrganisationDomainsTable {
  domain: string;
  organisation_id: number;
  created_at: string;
}

/** A single sign-on under way: one-time, keyed by the HMAC of the random `kindred_sso` cookie. */
export interface SsoAttemptsTable {
  id: string;
  provider: string;
  state: string;
  nonce: string;
  code_verifier: string;
  redirect_to: string;
  expires_at: string;
}

export interface UsersTable {
  id: Generated<number>;
  email: string;
  name: string;
  password_hash: string | null;
  created_at: string;
  /** Set when the person was erased: the row stays, pseudonymised, so ids in the audit trail resolve. */
  erased_at: string | null;
  /** First sign-in through single sign-on: from then on the person has joined, with or without a password. */
  sso_linked_at: Generated<string | null>;
}

export interface MembershipsTable {
  id: Generated<number>;
  user_id: number;
  organisation_id: number;
  deactivated_at: string | null;
  created_at: string;
}

export interface MembershipRolesTable {
  membership_id: number;
  role: Role;
}

export interface PlatformAdminsTable {
  user_id: number;
  created_at: string;
}

export interface SessionsTable {
  id: string;
  user_id: number;
  created_at: string;
  expires_at: string;
  /** For the idle timeout; refreshed at most once a minute. */
  last_seen_at: string;
  /** When the password was last given in this session (sign-in or a re-check before a sensitive act). */
  password_confirmed_at: string;
  /** What the person sees in their list of sessions. */
  user_agent: string;
  address: string;
}

/** What was posted after a session ended, until its author signs in again (an hour at most). */
export interface KeptDraftsTable {
  /** The HMAC of the random token in the `kindred_draft` cookie. */
  id: string;
  path: string;
  /** The posted fields as JSON: `{ name: string[] }`. */
  fields: string;
  /** The owner of the ended session when it was still known; only they get the draft back. */
  user_id: number | null;
  expires_at: string;
}

export interface InvitationsTable {
  id: Generated<number>;
  token_hash: string;
  user_id: number;
  organisation_id: number;
  created_by: number | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface FailedSignInsTable {
  id: Generated<number>;
  at: string;
  email: string;
  address: string;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  event: AuditEvent;
  actor_user_id: number | null;
  subject_user_id: number | null;
  organisation_id: number | null;
  address: string | null;
  detail: Generated<string>;
}

export type AuditEvent =
  | 'sign_in'
  | 'sign_in_failed'
  | 'sign_out'
  | 'password_changed'
  | 'role_changed'
  | 'invitation_created'
  | 'invitation_accepted'
  | 'organisation_created'
  | 'organisation_changed'
  | 'member_deactivated'
  | 'member_reactivated'
  | 'certificate_revoked'
  | 'roster_imported'
  | 'group_changed'
  | 'assignment_created'
  | 'assignment_updated'
  | 'assignment_withdrawn'
  | 'group_member_added'
  | 'group_member_removed'
  | 'session_ended'
  | 'password_reset_requested'
  | 'password_reset'
  | 'sso_sign_in'
  | 'sso_sign_in_refused'
  | 'sso_member_created'
  | 'sso_settings_changed'
  | 'person_erased';

export interface EnrolmentsTable {
  id: Generated<number>;
  user_id: number;
  course_slug: string;
  content_version: string;
  started_at: string;
  completed_at: string | null;
  last_module_slug: string | null;
  last_activity_at: string;
}

export interface ModuleProgressTable {
  id: Generated<number>;
  user_id: number;
  course_slug: string;
  module_slug: string;
  content_version: string;
  first_visited_at: string;
  last_visited_at: string;
  completed_at: string | null;
}

export interface ReflectionResponsesTable {
  id: Generated<number>;
  user_id: number;
  course_slug: string;
  module_slug: string;
  item_id: string;
  content_version: string;
  body: string;
  saved_at: string;
  /** When the learner shared it with their coach; null while private. */
  shared_at: Generated<string | null>;
}

export interface CheckAttemptsTable {
  id: Generated<number>;
  user_id: number;
  course_slug: string;
  module_slug: string;
  item_id: string;
  content_version: string;
  /** JSON: { [questionId]: string[] } — the option ids the learner chose. */
  answers: string;
  /** JSON: { [questionId]: boolean } */
  results: string;
  passed: 0 | 1;
  attempts: number;
  submitted_at: string;
}

export type RevocationReason = 'issued-in-error' | 'misconduct' | 'duplicate' | 'other';

export interface CertificatesTable {
  id: Generated<number>;
  code: string;
  user_id: number;
  course_slug: string;
  course_title: string;
  content_version: string;
  cpd_hours: number;
  learner_name: string;
  organisation_id: number | null;
  organisation_name: string;
  completed_at: string;
  revoked_at: string | null;
  revoked_by: number | null;
  revocation_reason: RevocationReason | null;
  revocation_note: string | null;
  /** The holder's identity in the credential: sha256$hex(lower-case email + salt). */
  recipient_salt: string | null;
  recipient_hash: string | null;
  /** Set when the holder was erased: the name is withheld, the certificate still verifies. */
  holder_withheld_at: string | null;
}

export interface ExternalCpdTable {
  id: Generated<number>;
  user_id: number;
  title: string;
  provider: string;
  /** YYYY-MM-DD */
  activity_date: string;
  hours: number;
  note: string;
  link: string | null;
  created_at: string;
  updated_at: string;
}

export interface GroupsTable {
  id: Generated<number>;
  organisation_id: number;
  name: string;
  coach_user_id: number | null;
  created_at: string;
}

export interface GroupMembersTable {
  group_id: number;
  user_id: number;
  added_at: string;
}

export interface AssignmentsTable {
  id: Generated<number>;
  organisation_id: number;
  course_slug: string;
  target_kind: 'person' | 'group' | 'role';
  target_user_id: number | null;
  target_group_id: number | null;
  target_role: Role | null;
  /** YYYY-MM-DD, or null for no due date. */
  due_date: string | null;
  assigned_by: number;
  created_at: string;
  withdrawn_at: string | null;
  /** 'person:12', 'group:3' or 'role:teacher': one live assignment per course and target. */
  target_key: string;
}

export interface ReflectionCommentsTable {
  id: Generated<number>;
  reflection_id: number;
  author_user_id: number;
  body: string;
  created_at: string;
  read_by_owner_at: string | null;
  /** From the reply form: the same form sent twice is stored once. */
  submission_key: string | null;
}

/** Who a shared reflection was shared with: the teacher's coaches at the moment of sharing. */
export interface ReflectionSharesTable {
  reflection_id: number;
  coach_user_id: number;
  shared_at: string;
}

export type ActionStepStatus = 'planned' | 'followed-up' | 'closed';
export type ActionStepOutcome = 'as-planned' | 'adapted' | 'not-yet';
export type ActionStepNoteKind = 'follow-up' | 'observation' | 'feedback' | 'agreed-next' | 'reply';

/** A classroom action step planned from a module's <ActionStep>; a repeat or next step points back. */
export interface ActionStepsTable {
  id: Generated<number>;
  user_id: number;
  course_slug: string;
  module_slug: string;
  item_id: string;
  previous_step_id: number | null;
  what: string;
  class_name: string;
  /** YYYY-MM-DD: when Kindred asks "How did it go?". */
  follow_up_on: string;
  success_looks_like: string;
  status: ActionStepStatus;
  outcome: ActionStepOutcome | null;
  followed_up_at: string | null;
  /** Time the teacher says they gave to it, for the CPD log. */
  minutes_given: number | null;
  ended_as: 'closed' | 'repeated' | 'carried' | null;
  shared_at: string | null;
  created_at: string;
  updated_at: string;
  submission_key: string | null;
}

export interface ActionStepSharesTable {
  step_id: number;
  coach_user_id: number;
  shared_at: string;
}

export interface ActionStepNotesTable {
  id: Generated<number>;
  step_id: number;
  author_user_id: number;
  kind: ActionStepNoteKind;
  outcome: ActionStepOutcome | null;
  body: string;
  next_text: string | null;
  created_at: string;
  read_by_owner_at: string | null;
  submission_key: string | null;
}

export type OutboxStatus = 'pending' | 'sent' | 'failed';

export interface OutboxTable {
  id: Generated<number>;
  /** Which message (app/mail/templates.tsx). */
  template: string;
  to_user_id: number | null;
  to_address: string;
  to_name: string;
  /** JSON for the template; emptied to {} once sent, since it can hold a one-time link. */
  params: string;
  status: Generated<OutboxStatus>;
  attempts: Generated<number>;
  next_attempt_at: string;
  claimed_until: string | null;
  claimed_by: string | null;
  last_error: string | null;
  dedupe_key: string | null;
  subject: string | null;
  created_at: string;
  sent_at: string | null;
}

export interface PasswordResetsTable {
  id: Generated<number>;
  token_hash: string;
  user_id: number;
  requested_by: number | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface EmailPreferencesTable {
  user_id: number;
  assignments: Generated<0 | 1>;
  reminders: Generated<0 | 1>;
  coaching: Generated<0 | 1>;
  leader_digest: Generated<0 | 1>;
  updated_at: string;
}

export type AssignmentNoticeKind = 'assigned' | 'due-7' | 'due-1' | 'overdue';

export interface AssignmentNoticesTable {
  assignment_id: number;
  user_id: number;
  kind: AssignmentNoticeKind;
  created_at: string;
}

/** A named job that one process at a time may run: held by `holder` until `expires_at` (db/leases.ts). */
export interface LeasesTable {
  name: string;
  holder: string;
  expires_at: string;
}

export interface Database {
  organisations: OrganisationsTable;
  organisation_domains: OrganisationDomainsTable;
  sso_attempts: SsoAttemptsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  membership_roles: MembershipRolesTable;
  platform_admins: PlatformAdminsTable;
  sessions: SessionsTable;
  kept_drafts: KeptDraftsTable;
  invitations: InvitationsTable;
  failed_sign_ins: FailedSignInsTable;
  audit_log: AuditLogTable;
  enrolments: EnrolmentsTable;
  module_progress: ModuleProgressTable;
  reflection_responses: ReflectionResponsesTable;
  check_attempts: CheckAttemptsTable;
  certificates: CertificatesTable;
  external_cpd: ExternalCpdTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  assignments: AssignmentsTable;
  reflection_comments: ReflectionCommentsTable;
  reflection_shares: ReflectionSharesTable;
  outbox: OutboxTable;
  password_resets: PasswordResetsTable;
  email_preferences: EmailPreferencesTable;
  assignment_notices: AssignmentNoticesTable;
  action_steps: ActionStepsTable;
  action_step_shares: ActionStepSharesTable;
  action_step_notes: ActionStepNotesTable;
  leases: LeasesTable;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type Organisation = Selectable<OrganisationsTable>;
