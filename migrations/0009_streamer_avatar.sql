-- The streamer's profile picture as the platform last reported it when a
-- session opened: notifications show it (the Discord embed thumbnail) for
-- every event about the streamer, not only the live one.
ALTER TABLE streamers ADD COLUMN avatar_url TEXT;
