/** Exporting a project, and erasing it after its name is typed again. */
import { useState } from 'preact/hooks';
import { call, enc, qs } from '../../api.js';
import { ErrorNote, Field, Form } from '../../ui/controls.js';
import { JobProgress } from './job-progress.js';

export function Erase() {
  const [project, setProject] = useState('');
  const [typed, setTyped] = useState('');
  const [job, setJob] = useState<string>();
  const [error, setError] = useState<string>();
  const phrase = `erase ${project}`;
  return (
    <section aria-labelledby="erase-h">
      <h2 id="erase-h">Export or erase a project</h2>
      <Form class="stack" onSubmit={() => {
          call<{ jobId: string }>('DELETE', `/v1/projects/${enc(project)}`).then(
            (j) => {
              setJob(`/v1/jobs/${enc(j.jobId)}`);
              setTyped('');
              setError(undefined);
            },
            (err: Error) => setError(err.message),
          );
        }}>
        <Field label="Project" value={project} onInput={setProject} required />
        {project ? (
          <p>
            <a href={`/v1/export${qs({ project })}`} download={`${project}.ndjson`}>
              Download everything stored for {project} (NDJSON)
            </a>
          </p>
        ) : null}
        <label>
          Type <code>{phrase}</code> to confirm <input value={typed} onInput={(e) => setTyped(e.currentTarget.value)} autocomplete="off" />
        </label>
        <button type="submit" class="danger" disabled={!project || typed !== phrase}>
          Erase {project || 'project'} everywhere
        </button>
      </Form>
      {job ? <JobProgress url={job} label={`erasure of ${project}`} /> : null}
      <ErrorNote error={error} />
    </section>
  );
}
