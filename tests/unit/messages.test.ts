/**
 * The messages/ layer is the one home of the names clients and the worker agree on: every workflow
 * the worker hosts has its name in WorkflowType (and nothing else does), and every failure type is
 * spelled as its own key, so a type matched by a workflow is the type an activity throws.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Failure } from '../../messages/errors-v1.js';
import { WorkflowType } from '../../messages/workflows-v1/workflow-types.js';
import * as workflows from '../../workflows/index.js';

test('WorkflowType names exactly the workflows the worker hosts', () => {
  assert.deepEqual(Object.values(WorkflowType).sort(), Object.keys(workflows).sort());
});

test('each failure type is its own name, and no two are the same', () => {
  for (const [key, value] of Object.entries(Failure)) assert.equal(value, key);
  assert.equal(new Set(Object.values(Failure)).size, Object.keys(Failure).length);
});
