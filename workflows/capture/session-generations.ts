/**
 * The generations of the session workflow that running sessions may still replay, one function per
 * `patched()`/`deprecatePatch()` marker, each with the date it shipped and the step it is at under
 * the retirement rule (docs/CONTRIBUTING.md, "Changing a running workflow"). The workflow reads as
 * one generation; what older runs still need is named here, and leaves with its marker.
 *
 * A run can live long (docs/CONTRIBUTING.md): 30 minutes after its last event, longer while busy
 * (it continues-as-new at 5,000 history events) or while its close is parked, so a marker is
 * retired in two steps after the last run that could take its old branch is gone.
 *
 * Step 3 taken on 2026-11-27 (no run started before 07:51 UTC that day, when step 2 shipped, is open
 * on any deployment: see docs/CONTRIBUTING.md): `summaries-v1`, `batched-capture-v1` and
 * `close-folded-v1` are gone. Runs since recorded them deprecated, which replay without the calls.
 */
import { deprecatePatch, patched } from '@temporalio/workflow';

/**
 * Step 2 for `end-while-parked-v1` (shipped 2026-11-27 00:31, deprecated the same day): a session
 * that ends while its summaries are parked records the status summarizing with an activity of its
 * own. Called where `patched()` was, so runs that recorded the marker find it there.
 */
export function endWhileParked(): void {
  deprecatePatch('end-while-parked-v1');
}

/**
 * Step 2 for `no-stop-catch-up-v1` (shipped 2026-11-27 07:51, deprecated the same day): a stop no
 * longer asks the persistEvents activity to turn events stored without their observation into
 * observations (only an API from before batched capture, 2026-11-23, stored such events). Called at
 * every stop, where `patched()` was.
 */
export function stopWithoutCatchUp(): void {
  deprecatePatch('no-stop-catch-up-v1');
}

/**
 * Step 1 for `lean-session-v1` (shipped 2026-12-01): fewer tasks per session on Temporal. A stop's
 * work (the batch summaries due, the rolling summary, the vector sync) is one activity,
 * summarizeTurn, instead of three; and the close's settling (vector sync, uptake, status completed)
 * is a local activity, run in the workflow task that follows the final summary instead of an
 * activity task and a workflow task of its own. One marker for both (the first call in a run
 * records it; later calls answer the same), called before a stop's first activity and before the
 * settling. Runs that did either the old way replay without the marker (fixtures `*-pre-lean-session.json`).
 */
export function leanSession(): boolean {
  return patched('lean-session-v1');
}
