-- A user's stop (dashboard `s`, `POST /api/streamers/{id}/stop`) ends the
-- recording of the open session only: the recorder does not restart it
-- while this is set; the next session records again, and
-- `POST /api/streamers/{id}/start` clears it.
ALTER TABLE live_sessions ADD COLUMN user_stopped_at INTEGER;
