-- experience 0001: the 3 planned Experience platform tables (live-schema.md §5.2, variant (a), the
-- most complete "Complete Migration Script"), without its defects:
-- * no GIN index over the text result of jsonb_extract_path_text (fails: text has no GIN operator
--   class); visited waypoints are indexed as jsonb (state -> 'visited_waypoints') instead;
-- * no duplicate indexes: (a)'s idx_player_profiles_user_id repeated the unique key,
--   idx_experience_progress_player_exp and _player_id repeated the (player_id, experience_id)
--   unique key, and idx_progress_events_type / _content_id are leading columns of the
--   (event_type, timestamp) and (content_id, timestamp) indexes kept here;
-- * one shared updated_at trigger function (update_updated_at_column) instead of one per table.
-- Added: CHECKs on the values the game logic relies on, and NOT NULL on columns with defaults.
-- Rows belong to a user: deleting a user deletes the profile, its progress and its events
-- (ON DELETE CASCADE all the way down).

CREATE TABLE player_profiles (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    total_experiences_played integer NOT NULL DEFAULT 0,
    total_playtime_seconds integer NOT NULL DEFAULT 0,
    total_distance_meters float8 NOT NULL DEFAULT 0.0,
    account_level integer NOT NULL DEFAULT 1,
    stats jsonb NOT NULL DEFAULT '{}',
    created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT player_profiles_user_id_key UNIQUE (user_id),
    CONSTRAINT player_profiles_counters_non_negative CHECK (
        total_experiences_played >= 0 AND total_playtime_seconds >= 0 AND total_distance_meters >= 0
    ),
    CONSTRAINT player_profiles_account_level_positive CHECK (account_level >= 1)
);

CREATE INDEX idx_player_profiles_account_level ON player_profiles (account_level);
CREATE INDEX idx_player_profiles_achievements ON player_profiles USING gin (stats jsonb_path_ops);

CREATE TRIGGER player_profile_updated_at BEFORE UPDATE ON player_profiles
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

COMMENT ON TABLE player_profiles IS 'Per-user player statistics across all experiences';
COMMENT ON COLUMN player_profiles.stats IS 'Cross-experience stats and achievements (jsonb, containment-indexed)';

CREATE TABLE experience_progress (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    player_id uuid NOT NULL REFERENCES player_profiles(id) ON DELETE CASCADE,
    experience_id varchar(100) NOT NULL,
    started_at timestamp,
    completed_at timestamp,
    last_played_at timestamp,
    playtime_seconds integer NOT NULL DEFAULT 0,
    completion_percentage float8 NOT NULL DEFAULT 0.0,
    current_location varchar(255),
    state jsonb NOT NULL DEFAULT '{}',
    created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT experience_progress_player_experience_key UNIQUE (player_id, experience_id),
    CONSTRAINT experience_progress_experience_id_not_empty CHECK (btrim(experience_id) <> ''),
    CONSTRAINT experience_progress_playtime_non_negative CHECK (playtime_seconds >= 0),
    CONSTRAINT experience_progress_completion_range
        CHECK (completion_percentage >= 0 AND completion_percentage <= 100),
    CONSTRAINT experience_progress_completed_after_start
        CHECK (completed_at IS NULL OR started_at IS NULL OR completed_at >= started_at)
);

CREATE INDEX idx_experience_progress_experience_id ON experience_progress (experience_id);
CREATE INDEX idx_experience_progress_last_played ON experience_progress (last_played_at);
CREATE INDEX idx_experience_progress_completion ON experience_progress (completion_percentage);
CREATE INDEX idx_experience_progress_inventory ON experience_progress USING gin (state jsonb_path_ops);
CREATE INDEX idx_experience_progress_visited ON experience_progress USING gin ((state -> 'visited_waypoints'));

CREATE TRIGGER experience_progress_updated_at BEFORE UPDATE ON experience_progress
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

COMMENT ON TABLE experience_progress IS 'Progress of one player in one experience (one row per player and experience)';

-- Append-only by intent (nothing enforces it).
CREATE TABLE player_progress_events (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    experience_progress_id uuid NOT NULL REFERENCES experience_progress(id) ON DELETE CASCADE,
    event_type varchar(50) NOT NULL,
    content_id varchar(255),
    data jsonb NOT NULL DEFAULT '{}',
    location_lat float8,
    location_lng float8,
    "timestamp" timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT player_progress_events_event_type_not_empty CHECK (btrim(event_type) <> ''),
    CONSTRAINT player_progress_events_location_range CHECK (
        (location_lat IS NULL OR location_lat BETWEEN -90 AND 90)
        AND (location_lng IS NULL OR location_lng BETWEEN -180 AND 180)
    )
);

CREATE INDEX idx_progress_events_experience_id ON player_progress_events (experience_progress_id);
CREATE INDEX idx_progress_events_timestamp ON player_progress_events ("timestamp");
CREATE INDEX idx_progress_events_type_timestamp ON player_progress_events (event_type, "timestamp");
CREATE INDEX idx_progress_events_content_timestamp ON player_progress_events (content_id, "timestamp");
CREATE INDEX idx_progress_events_location ON player_progress_events (location_lat, location_lng);
CREATE INDEX idx_progress_events_data ON player_progress_events USING gin (data jsonb_path_ops);

COMMENT ON TABLE player_progress_events IS 'Append-only log of player events (waypoint_visited, quest_completed, ...) for analytics';

-- core/0007's default privileges cover tables created by the role that ran it; grant explicitly too,
-- so the module is right even when it is applied by another role (e.g. a superuser).
GRANT SELECT ON player_profiles, experience_progress, player_progress_events TO gaia_readonly;
GRANT SELECT, INSERT, UPDATE, DELETE ON player_profiles, experience_progress, player_progress_events
    TO gaia_app;
