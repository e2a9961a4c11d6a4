/** The audit log, page by page. */
import { useEffect, useState } from 'preact/hooks';
import { CHANGED_EVENT, qs, type AuditItem } from '../../api.js';
import { usePaged } from '../../hooks.js';
import { readable } from '../../../../clients/readable.js';
import { ErrorNote, Form, More, Table } from '../../ui/controls.js';
import { fmtTime, shortId } from '../../ui/view-format.js';

export function Audit() {
  const [action, setAction] = useState('');
  const audit = usePaged<AuditItem>((cursor) => `/v1/admin/audit${qs({ action, cursor, limit: 25 })}`);
  useEffect(audit.reload, []);
  // An action taken on this page (a key, a policy, a backup, an erasure) is in the log at once.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const on = () => {
      clearTimeout(timer);
      timer = setTimeout(audit.reload, 300);
    };
    addEventListener(CHANGED_EVENT, on);
    return () => {
      clearTimeout(timer);
      removeEventListener(CHANGED_EVENT, on);
    };
  }, [action]);
  return (
    <section aria-labelledby="audit-h">
      <h2 id="audit-h">Audit log</h2>
      <Form onSubmit={() => audit.reload()}>
        <label>
          Action (exact, or a family like <code>key.</code>) <input value={action} onInput={(e) => setAction(e.currentTarget.value)} />
        </label>
        <button type="submit">Filter</button>
      </Form>
      <ErrorNote error={audit.error} />
      <Table label="Audit log" head={['When', 'Action', 'Target', 'Outcome', 'Actor key', 'Details', 'Request']}>
          {audit.items.map((a) => (
            <tr key={a.id}>
              <td>{fmtTime(a.createdAt)}</td>
              <td>{a.action}</td>
              <td>{a.target ?? ''}</td>
              <td>{a.outcome}</td>
              <td>{a.actorKeyId ? shortId(a.actorKeyId) : 'operator'}</td>
              <td>
                <code class="details">{a.details ? readable(JSON.stringify(a.details)) : ''}</code>
              </td>
              <td>{a.requestId ? <code>{a.requestId}</code> : '—'}</td>
            </tr>
          ))}
        </Table>
      <More list={audit} />
    </section>
  );
}
