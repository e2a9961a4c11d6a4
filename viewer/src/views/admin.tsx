/**
 * Admin (admin keys only; the API refuses member keys with 403 whatever this page shows): API keys
 * (a new key is shown once), retention policies, backups (create, list, restore with progress),
 * redaction rescan, erasing a project (typed confirmation), exports, re-derivation of a project's
 * summaries and learnings (estimate, progress, cancel, resume), and the audit log.
 */
import { Keys } from './admin/api-keys.js';
import { Audit } from './admin/audit-panel.js';
import { Backups } from './admin/backups-panel.js';
import { Erase } from './admin/erase-panel.js';
import { Rederive } from './admin/rederive-panel.js';
import { Retention } from './admin/retention-panel.js';

export function Admin({ myKeyId }: { myKeyId: string }) {
  return (
    <section aria-labelledby="admin-h">
      <h1 id="admin-h">Admin</h1>
      <Keys myKeyId={myKeyId} />
      <Retention />
      <Backups />
      <Erase />
      <Rederive />
      <Audit />
    </section>
  );
}
