/** Usage: LLM tokens and cost per day and per project (GET /v1/usage), as SVG charts, with the budgets. */
import { call } from '../api.js';
import { useLoad, useUrlState } from '../hooks.js';
import { Choice, ErrorNote, Row, Table } from '../ui/controls.js';
import { fmtNum } from '../ui/view-format.js';
import { ContextUptake } from './usage-uptake.js';

interface Usage {
  days: { day: string; tokensIn: number; tokensOut: number; cacheReadTokens: number; cacheWriteTokens: number; costUsd: number; requests: number }[];
  projects: { day: string; project: string; tokensIn: number; tokensOut: number; costUsd: number; summaries: number }[];
  budget: { dailyTokens: number | null; dailyCostUsd: number | null; today: { day: string; tokens: number; costUsd: number } };
}

/** A day as `11-25`. */
const dayLabel = (label: string) => (/^\d{4}-\d{2}-\d{2}$/.test(label) ? label.slice(5) : label);
/** SVG units per character of an axis label (10px text; generous, so that nothing is cut). */
const CHAR_W = 6.5;
const ariaOf = (title: string, data: { label: string; value: number }[], format: (n: number) => string) => `${title}: ${data.map((d) => `${d.label} ${format(d.value)}`).join(', ') || 'no data'}`;

/**
 * A bar chart of one value per day (a plain SVG: no library, no third party). A label is centred
 * under its bar but kept inside the chart, so the first and the last are never cut at its edge.
 */
function Bars({ title, data, format }: { title: string; data: { label: string; value: number }[]; format: (n: number) => string }) {
  const w = 640;
  const h = 180;
  const max = Math.max(1, ...data.map((d) => d.value));
  const bw = data.length ? w / data.length : w;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${w} ${h + 20}`} role="img" aria-label={ariaOf(title, data, format)}>
        <title>{title}</title>
        {data.map((d, i) => {
          const bh = (d.value / max) * h;
          const text = dayLabel(d.label);
          const half = (text.length * CHAR_W) / 2;
          return (
            <g key={d.label}>
              <rect x={i * bw + 2} y={h - bh} width={Math.max(1, bw - 4)} height={bh} class="bar">
                <title>{`${d.label}: ${format(d.value)}`}</title>
              </rect>
              {data.length <= 15 || i % Math.ceil(data.length / 10) === 0 ? (
                <text x={Math.min(w - half, Math.max(half, i * bw + bw / 2))} y={h + 14} text-anchor="middle" class="axis">
                  {text}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption>{title}</figcaption>
    </figure>
  );
}

/**
 * One horizontal bar per name (projects): the whole name on the left, the value after its bar.
 * Names do not fit under vertical bars (a centred "payments-api" lost its start at the edge).
 */
function NamedBars({ title, data, format }: { title: string; data: { label: string; value: number }[]; format: (n: number) => string }) {
  const labelW = Math.ceil(Math.max(4, ...data.map((d) => d.label.length)) * CHAR_W) + 8;
  const valueW = 90;
  const w = Math.max(640, labelW + valueW + 200);
  const row = 22;
  const max = Math.max(1, ...data.map((d) => d.value));
  const barW = (v: number) => Math.max(1, (v / max) * (w - labelW - valueW));
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${w} ${Math.max(1, data.length) * row + 4}`} role="img" aria-label={ariaOf(title, data, format)}>
        <title>{title}</title>
        {data.map((d, i) => (
          <g key={d.label}>
            <text x={0} y={i * row + 15} class="axis">
              {d.label}
            </text>
            <rect x={labelW} y={i * row + 4} width={barW(d.value)} height={row - 8} class="bar">
              <title>{`${d.label}: ${format(d.value)}`}</title>
            </rect>
            <text x={labelW + barW(d.value) + 6} y={i * row + 15} class="axis">
              {format(d.value)}
            </text>
          </g>
        ))}
      </svg>
      <figcaption>{title}</figcaption>
    </figure>
  );
}

function Gauge({ label, used, limit, format }: { label: string; used: number; limit: number | null; format: (n: number) => string }) {
  if (!limit) return <p>{label}: {format(used)} today (no budget)</p>;
  const pct = Math.min(100, (used / limit) * 100);
  return (
    <div class="gauge">
      <label>
        {label}: {format(used)} of {format(limit)} today ({pct.toFixed(1)}%)
        <progress max={100} value={pct}>
          {pct.toFixed(1)}%
        </progress>
      </label>
    </div>
  );
}

export function UsageView() {
  const [daysParam, setDaysParam] = useUrlState('days', '30');
  const days = Number(daysParam) || 30;
  const setDays = (n: number) => setDaysParam(String(n));
  const u = useLoad(() => call<Usage>('GET', `/v1/usage?days=${days}`), [days]);
  const usd = (n: number) => `$${n.toFixed(n < 1 ? 4 : 2)}`;
  const byProject = new Map<string, { tokens: number; cost: number; summaries: number }>();
  for (const p of u.data?.projects ?? []) {
    const e = byProject.get(p.project) ?? { tokens: 0, cost: 0, summaries: 0 };
    e.tokens += p.tokensIn + p.tokensOut;
    e.cost += p.costUsd;
    e.summaries += p.summaries;
    byProject.set(p.project, e);
  }
  // No model tokens and no cost: charts would be empty grey boxes (offline summaries cost nothing).
  const empty = Boolean(u.data && u.data.days.every((d) => d.tokensIn + d.tokensOut === 0 && d.costUsd === 0) && u.data.projects.every((p) => p.tokensIn + p.tokensOut === 0 && p.costUsd === 0));
  return (
    <section aria-labelledby="usage-h">
      <h1 id="usage-h">Usage</h1>
      <Choice label="Period" value={String(days)} options={['7', '30', '90', '366'].map((d) => [d, `last ${d} days`])} onChange={(v) => setDays(Number(v))} />
      <ErrorNote error={u.error} />
      {u.data ? (
        <>
          <h2>Budget</h2>
          <Gauge label="Tokens" used={u.data.budget.today.tokens} limit={u.data.budget.dailyTokens} format={fmtNum} />
          <Gauge label="Cost" used={u.data.budget.today.costUsd} limit={u.data.budget.dailyCostUsd} format={usd} />
          {empty ? (
            <div class="empty" role="status" data-testid="usage-empty">
              <p>
                <strong>No usage yet</strong> in the last {days} days.
              </p>
              <p class="muted">
                Usage counts the tokens and cost of the model that writes summaries and learnings. With no model key (<code>ANTHROPIC_API_KEY</code> unset) memflow summarizes offline, which costs nothing and shows nothing here.
              </p>
            </div>
          ) : (
            <>
          <h2>Per day</h2>
          <Bars title="Tokens per day (in + out)" data={u.data.days.map((d) => ({ label: d.day, value: d.tokensIn + d.tokensOut }))} format={fmtNum} />
          <Bars title="Cost per day (USD)" data={u.data.days.map((d) => ({ label: d.day, value: d.costUsd }))} format={usd} />
          <Table label="Usage per day" head={['Day', 'Tokens in', 'Tokens out', 'Cache read', 'Cache write', 'Requests', 'Cost']}>
              {u.data.days.map((d) => (
                <Row key={d.day} cells={[d.day, fmtNum(d.tokensIn), fmtNum(d.tokensOut), fmtNum(d.cacheReadTokens), fmtNum(d.cacheWriteTokens), fmtNum(d.requests), usd(d.costUsd)]} />
              ))}
            </Table>
          <h2>Per project</h2>
          <NamedBars title="Tokens per project" data={[...byProject].map(([label, v]) => ({ label, value: v.tokens }))} format={fmtNum} />
          <Table label="Usage per day and project" head={['Day', 'Project', 'Summaries', 'Tokens in', 'Tokens out', 'Cost']}>
              {u.data.projects.map((p) => (
                <Row key={`${p.day}/${p.project}`} cells={[p.day, p.project, fmtNum(p.summaries), fmtNum(p.tokensIn), fmtNum(p.tokensOut), usd(p.costUsd)]} />
              ))}
            </Table>
            </>
          )}
        </>
      ) : null}
      <ContextUptake days={days} />
    </section>
  );
}
