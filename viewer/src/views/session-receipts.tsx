/**
 * A session's injection receipts (GET /v1/sessions/{id}/receipts): what memflow handed the agent —
 * at its start, with each prompt, through the MCP tools and resources — each item's tokens and why
 * it was chosen, the candidates left out and why not, and,
 * once the session closed, whether the agent used it and the evidence (a file opened, a command run,
 * a quote, a dead end repeated).
 */
import type { SessionReceiptsAnswer } from '../../../messages/api-v1.js';
import { call, enc, qs } from '../api.js';
import { useLoad } from '../hooks.js';
import { ErrorNote, Row, Table } from '../ui/controls.js';
import { fmtNum, fmtTime, shortId } from '../ui/view-format.js';

const verdict = (used: boolean | null) => (used === null ? 'not judged yet' : used ? 'used' : 'unused');

export function SessionReceipts({ id, project }: { id: string; project: string | undefined }) {
  const r = useLoad(() => call<SessionReceiptsAnswer>('GET', `/v1/sessions/${enc(id)}/receipts${qs({ project })}`), [id, project]);
  const t = r.data?.totals;
  return (
    <section aria-labelledby="receipts-h">
      <h2 id="receipts-h">Context handed over</h2>
      <ErrorNote error={r.error} />
      {r.data && r.data.receipts.length === 0 ? <p class="muted">memflow handed this session no context.</p> : null}
      {t && r.data!.receipts.length > 0 ? (
        <p data-testid="receipts-totals">
          {fmtNum(t.injectedTokens)} tokens in {fmtNum(r.data!.receipts.length)} serving{r.data!.receipts.length === 1 ? '' : 's'}: {fmtNum(t.usedTokens)} used, {fmtNum(t.unusedTokens)} unused
          {t.pendingTokens > 0 ? `, ${fmtNum(t.pendingTokens)} not judged yet` : ''}
        </p>
      ) : null}
      {r.data?.receipts.map((receipt) => (
        <details key={receipt.id} class="receipt" open={r.data!.receipts.length === 1}>
          <summary>
            <span class="badge">{receipt.channel}</span> {fmtNum(receipt.tokens)} of {fmtNum(receipt.budget)} tokens, {fmtNum(receipt.items.length)} items{' '}
            <span class="muted">{fmtTime(receipt.createdAt)}</span>
          </summary>
          <Table label={`Items of the ${receipt.channel} serving`} head={['#', 'Item', 'Tokens', 'Why chosen', 'Uptake', 'Evidence']}>
            {receipt.items.map((i) => (
              <Row
                key={`${receipt.id}/${i.rank}`}
                cells={[
                  String(i.rank + 1),
                  <>
                    <span class="kind">{i.type}</span> {i.title ?? <span class="muted">(erased)</span>} <code>{shortId(i.id)}</code>
                  </>,
                  fmtNum(i.tokens),
                  i.reason,
                  <span class={`uptake ${verdict(i.used).replace(/ /g, '-')}`}>{verdict(i.used)}</span>,
                  i.evidence ?? '—',
                ]}
              />
            ))}
          </Table>
          {receipt.withheld.length > 0 ? (
            <Table label={`Left out of the ${receipt.channel} serving`} head={['Candidate', 'Score', 'Why not']}>
              {receipt.withheld.map((w) => (
                <Row
                  key={`${receipt.id}/w/${w.id}`}
                  cells={[
                    <>
                      <span class="kind">{w.type}</span> {w.title ?? <span class="muted">(erased)</span>} <code>{shortId(w.id)}</code>
                    </>,
                    w.score.toFixed(2),
                    w.reason,
                  ]}
                />
              ))}
            </Table>
          ) : null}
        </details>
      ))}
    </section>
  );
}
