-- A signal owed to a session is claimed by the process that sends it, so two API replicas (one's
-- dispatcher, the other's sweeper) never send and settle the same counts twice. A claim whose
-- sender died expires, and the sweeper sends the row again.
ALTER TABLE "session_signals" ADD COLUMN "claimed_until" TIMESTAMPTZ(3);
