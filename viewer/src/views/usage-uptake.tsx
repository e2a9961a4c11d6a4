/**
 * Context uptake on the Usage page (GET /v1/usage/uptake): per UTC day, the context tokens memflow
 * handed agents, split into what the agents used, what they did not, and what is not judged yet (the
 * receiving session still open, or unknown); then per day and project.
 */
import type { UptakeUsageAnswer } from '../../../messages/api-v1.js';
import { call } from '../api.js';
import { useLoad } from '../hooks.js';
import { ErrorNote, Row, Table } from '../ui/controls.js';
import { fmtNum } from '../ui/view-format.js';

type Day = UptakeUsageAnswer['days'][number];
const PARTS = [
  ['usedTokens', 'used', 'bar used'],
  ['unusedTokens', 'unused', 'bar unused'],
  ['pendingTokens', 'not judged yet', 'bar pending'],
] as const;

/** Stacked bars per day: used, unused, not judged (a plain SVG, as the other charts). */
function StackedDays({ days }: { days: Day[] }) {
  const byDay = new Map<string, Record<(typeof PARTS)[number][0], number>>();
  for (const d of days) {
    const e = byDay.get(d.day) ?? { usedTokens: 0, unusedTokens: 0, pendingTokens: 0 };
    for (const [k] of PARTS) e[k] += d[k];
    byDay.set(d.day, e);
  }
  const rows = [...byDay];
  const w = 640;
  const h = 160;
  const max = Math.max(1, ...rows.map(([, v]) => v.usedTokens + v.unusedTokens + v.pendingTokens));
  const bw = rows.length ? w / rows.length : w;
  const label = rows.map(([day, v]) => `${day}: ${PARTS.map(([k, name]) => `${name} ${fmtNum(v[k])}`).join(', ')}`).join('; ') || 'no data';
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${w} ${h + 20}`} role="img" aria-label={`Context tokens per day: ${label}`}>
        <title>Context tokens handed to agents per day: used, unused, not judged yet</title>
        {rows.map(([day, v], i) => {
          let y = h;
          return (
            <g key={day}>
              {PARTS.map(([k, name, cls]) => {
                const bh = (v[k] / max) * h;
                y -= bh;
                return (
                  <rect key={k} x={i * bw + 2} y={y} width={Math.max(1, bw - 4)} height={bh} class={cls}>
                    <title>{`${day} ${name}: ${fmtNum(v[k])}`}</title>
                  </rect>
                );
              })}
              {rows.length <= 15 || i % Math.ceil(rows.length / 10) === 0 ? (
                <text x={Math.min(w - 20, Math.max(20, i * bw + bw / 2))} y={h + 14} text-anchor="middle" class="axis">
                  {day.slice(5)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption>
        Context tokens per day:{' '}
        {PARTS.map(([k, name, cls]) => (
          <span key={k} class="legend-item">
            <svg width="10" height="10" aria-hidden="true">
              <rect width="10" height="10" class={cls} />
            </svg>{' '}
            {name}{' '}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

export function ContextUptake({ days }: { days: number }) {
  const u = useLoad(() => call<UptakeUsageAnswer>('GET', `/v1/usage/uptake?days=${days}`), [days]);
  return (
    <section aria-labelledby="uptake-h">
      <h2 id="uptake-h">Context handed to agents</h2>
      <ErrorNote error={u.error} />
      {u.data && u.data.days.length === 0 ? <p class="muted">No context was handed over in the last {days} days.</p> : null}
      {u.data && u.data.days.length > 0 ? (
        <>
          <StackedDays days={u.data.days} />
          <Table label="Context tokens per day and project" head={['Day', 'Project', 'Servings', 'Injected', 'Used', 'Unused', 'Not judged']}>
            {u.data.days.map((d) => (
              <Row key={`${d.day}/${d.project}`} cells={[d.day, d.project, fmtNum(d.receipts), fmtNum(d.injectedTokens), fmtNum(d.usedTokens), fmtNum(d.unusedTokens), fmtNum(d.pendingTokens)]} />
            ))}
          </Table>
        </>
      ) : null}
    </section>
  );
}
