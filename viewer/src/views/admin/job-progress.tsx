/** A job the admin started (a backup, a restore, an erasure), polled until it ends. */
import { useEffect, useState } from 'preact/hooks';
import { call } from '../../api.js';
import { ErrorNote } from '../../ui/controls.js';

/** Polls a job until it is no longer running; shows where it stands. */
export function JobProgress({ url, label }: { url: string; label: string }) {
  const [job, setJob] = useState<{ status: string; result?: unknown; error?: string | null }>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const j = await call<{ status: string; result?: unknown; error?: string | null }>('GET', url);
        if (!live) return;
        setJob(j);
        if (j.status === 'running' || j.status === 'requested' || j.status === 'pending') timer = setTimeout(() => void poll(), 1000);
      } catch (err) {
        if (live) setError((err as Error).message);
      }
    };
    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [url]);
  return (
    <div class="job" role="status" aria-live="polite">
      {label}: <strong>{job?.status ?? 'starting'}</strong>
      {job?.status === 'running' || !job ? <progress aria-label={`${label} in progress`} /> : null}
      {job?.error ? <span class="error"> {job.error}</span> : null}
      {job?.result !== undefined ? <pre class="body">{JSON.stringify(job.result, null, 2)}</pre> : null}
      <ErrorNote error={error} />
    </div>
  );
}
