-- First-start initialisation of the compose stack's Postgres (postgres:16).
--
-- The postgres image runs this once, as the superuser, when its data volume is
-- empty (mounted at /docker-entrypoint-initdb.d/). It makes two roles and three
-- databases so that Jiandu and Temporal never share credentials or a database:
--
--   role jiandu    owns database jiandu                   (JIANDU_DATABASE_URL)
--   role temporal  owns databases temporal, temporal_visibility
--                  (Temporal's persistence and its SQL visibility store; the
--                   temporal service runs with SKIP_DB_CREATE=true and only
--                   creates and upgrades the schemas inside them)
--
-- Passwords come from the postgres container's environment (docker-compose.yml
-- sets JIANDU_DB_PASSWORD and TEMPORAL_DB_PASSWORD), read with psql's \getenv,
-- so no secret is written in this file. Changing a password later means
-- ALTER ROLE ... PASSWORD ... by hand: this script never runs again on an
-- existing volume.

\set ON_ERROR_STOP on

\getenv jiandu_password JIANDU_DB_PASSWORD
\getenv temporal_password TEMPORAL_DB_PASSWORD

\if :{?jiandu_password}
\else
  DO $$ BEGIN RAISE EXCEPTION 'initdb.sql: JIANDU_DB_PASSWORD is not set in the postgres container'; END $$;
\endif
\if :{?temporal_password}
\else
  DO $$ BEGIN RAISE EXCEPTION 'initdb.sql: TEMPORAL_DB_PASSWORD is not set in the postgres container'; END $$;
\endif

CREATE ROLE jiandu LOGIN PASSWORD :'jiandu_password';
CREATE ROLE temporal LOGIN PASSWORD :'temporal_password';

CREATE DATABASE jiandu OWNER jiandu ENCODING 'UTF8' TEMPLATE template0;
CREATE DATABASE temporal OWNER temporal ENCODING 'UTF8' TEMPLATE template0;
CREATE DATABASE temporal_visibility OWNER temporal ENCODING 'UTF8' TEMPLATE template0;

-- Nobody but the owner (and the superuser) may connect to each database.
REVOKE ALL ON DATABASE jiandu FROM PUBLIC;
REVOKE ALL ON DATABASE temporal FROM PUBLIC;
REVOKE ALL ON DATABASE temporal_visibility FROM PUBLIC;
