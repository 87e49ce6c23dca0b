-- Lab 3: the MLflow database and its user. Run as the admin user, in one psql session:
--   psql -h <RDS-ENDPOINT> -p 5432 -U <USERNAME> -d postgres -v ON_ERROR_STOP=1 -f init.sql
CREATE DATABASE mlflow;
CREATE USER mlflow_user WITH PASSWORD 'mlflow_password';
GRANT ALL PRIVILEGES ON DATABASE mlflow TO mlflow_user;
-- Schema privileges belong to each database. Since PostgreSQL 15 nobody may create tables in
-- `public` by default, so this grant must be made while connected to the mlflow database;
-- made from the session's first database (as the course notes do) it changes nothing for MLflow.
\c mlflow
GRANT ALL PRIVILEGES ON SCHEMA public TO mlflow_user;
