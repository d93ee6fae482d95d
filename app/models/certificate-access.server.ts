import { canLeaderSeePerson } from '#app/auth/permissions.server.ts';
import type { SessionUser } from '#app/auth/session.server.ts';

/** The learner, and leaders of the learner's organisation, may have the PDF. */
export async function canDownloadCertificate(viewer: SessionUser, ownerId: number): Promise<boolean> {
  return viewer.id === ownerId || (await canLeaderSeePerson(viewer, ownerId));
}

/** Leaders of the learner's organisation and platform admins may revoke. */
export async function canRevokeCertificate(viewer: SessionUser, ownerId: number): Promise<boolean> {
  return viewer.isPlatformAdmin || (await canLeaderSeePerson(viewer, ownerId));
}
