/** API keys: list, create (a new key is shown once), revoke. */
import { useState } from 'preact/hooks';
import { call, enc } from '../../api.js';
import { useLoad } from '../../hooks.js';
import { Choice, ErrorNote, Field, Form, Table } from '../../ui/controls.js';
import { fmtTime } from '../../ui/view-format.js';

interface Key {
  id: string;
  prefix: string;
  role: 'admin' | 'maintainer' | 'member';
  label: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export function Keys({ myKeyId }: { myKeyId: string }) {
  const keys = useLoad(() => call<{ items: Key[] }>('GET', '/v1/admin/keys'), []);
  const [role, setRole] = useState<'member' | 'admin'>('member');
  const [label, setLabel] = useState('');
  const [created, setCreated] = useState<{ key: string; prefix: string; role: string }>();
  const [confirm, setConfirm] = useState<string>();
  const [error, setError] = useState<string>();
  return (
    <section aria-labelledby="keys-h">
      <h2 id="keys-h">API keys</h2>
      <Form onSubmit={() => {
          call<{ key: string; prefix: string; role: string }>('POST', '/v1/admin/keys', { role, ...(label ? { label } : {}) }).then(
            (k) => {
              setCreated(k);
              setError(undefined);
              keys.reload();
            },
            (err: Error) => setError(err.message),
          );
        }}>
        <Choice label="Role" value={role} options={['member', 'admin']} onChange={(v) => setRole(v as 'member' | 'admin')} />
        <Field label="Label" value={label} onInput={setLabel} />
        <button type="submit">Create key</button>
      </Form>
      {created ? (
        <div class="notice" role="status">
          <p>
            New {created.role} key. Copy it now: it is shown this once and never again.
          </p>
          <output class="secret" aria-label="new API key">
            {created.key}
          </output>
          <button type="button" onClick={() => setCreated(undefined)}>
            I have copied it
          </button>
        </div>
      ) : null}
      <ErrorNote error={error ?? keys.error} />
      <Table label="API keys" head={['Key', 'State', 'Role', 'Label', 'Created', 'Last used']}>
          {keys.data?.items.map((k) => (
            <tr key={k.id} data-key={k.prefix}>
              <td>
                <code>{k.prefix}…</code>
              </td>
              <td>
                {k.revokedAt ? (
                  `revoked ${fmtTime(k.revokedAt)}`
                ) : k.id === myKeyId ? (
                  'active (this session)'
                ) : confirm === k.id ? (
                  <button
                    type="button"
                    class="danger"
                    onClick={() =>
                      call('DELETE', `/v1/admin/keys/${enc(k.id)}`).then(
                        () => {
                          setConfirm(undefined);
                          keys.reload();
                        },
                        (err: Error) => setError(err.message),
                      )
                    }
                  >
                    Confirm revoke {k.prefix}
                  </button>
                ) : (
                  <button type="button" onClick={() => setConfirm(k.id)}>
                    Revoke {k.prefix}
                  </button>
                )}
              </td>
              <td>{k.role}</td>
              <td>{k.label ?? ''}</td>
              <td>{fmtTime(k.createdAt)}</td>
              <td>{k.lastUsedAt ? fmtTime(k.lastUsedAt) : 'never'}</td>
            </tr>
          ))}
        </Table>
    </section>
  );
}

