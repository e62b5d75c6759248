-- tests/data/pg/impactive_export.sql: a small Impactive export database
-- for tests/db/run.sh.  The tables are the export tables the main recipe
-- (pipelines/impactive_to_organizer_text) reads, with the columns of
-- pipelines/samples/impactive/*.csv typed as in schemas/impactive/*.lua
-- (id: bigint, datetime: timestamp, boolean: boolean, else text), plus
-- the profiles side table (phone -> Organizer Profile ID).
--
-- The rows are the sample CSV files themselves, loaded with \copy, so the
-- database and the CSV dumps cannot drift apart.  Run it from the source
-- tree's root (the \copy paths are relative):
--   psql -X -v ON_ERROR_STOP=1 -f tests/data/pg/impactive_export.sql
--
-- Note: PostgreSQL prints timestamps without trailing zero fractions
-- ("2024-10-28 21:05:12", "2024-10-28 21:09:40.12"), where the CSV dumps
-- say "2024-10-28 21:05:12.000000"; the recipe parses both forms.

DROP TABLE IF EXISTS messages, contacts, taggings, profiles;

CREATE TABLE messages (
    id              bigint PRIMARY KEY,
    campaign_id     bigint,
    activity_id     bigint,
    activity_title  text,
    message_type    text,
    sender_type     text,
    sender_id       bigint,
    sender_name     text,
    receiver_type   text,
    receiver_id     bigint,
    receiver_name   text,
    script_type     text,
    body            text,
    twilio_status   text,
    error_code      text,
    sent_at         timestamp,
    received_at     timestamp,
    created_at      timestamp
);

CREATE TABLE contacts (
    id              bigint PRIMARY KEY,
    campaign_id     bigint,
    phone           text,
    first_name      text,
    last_name       text
);

CREATE TABLE taggings (
    id              bigint PRIMARY KEY,
    campaign_id     bigint,
    tag_id          bigint,
    tag_name        text,
    tag_slug        text,
    taggable_type   text,
    taggable_id     bigint,
    value           boolean,
    phone           text,
    created_at      timestamp
);

CREATE TABLE profiles (
    phone           text,
    profile_id      text
);

\copy messages FROM 'pipelines/samples/impactive/messages.csv' WITH (FORMAT csv, HEADER true)
\copy contacts FROM 'pipelines/samples/impactive/contacts.csv' WITH (FORMAT csv, HEADER true)
\copy taggings FROM 'pipelines/samples/impactive/taggings.csv' WITH (FORMAT csv, HEADER true)
\copy profiles FROM 'pipelines/samples/impactive/profiles.csv' WITH (FORMAT csv, HEADER true)
