package sqltest

import (
	"net/url"
	"os"
	"strings"
	"testing"
)

// PostgresSchema returns the CREATE statements of SCS v2's PostgreSQL layout
// as the READMEs of postgresstore, pgxstore and cockroachdbstore give them.
func PostgresSchema() []string {
	return []string{`CREATE TABLE sessions (
	token TEXT PRIMARY KEY,
	data BYTEA NOT NULL,
	expiry TIMESTAMPTZ NOT NULL
);`, `CREATE INDEX sessions_expiry_idx ON sessions (expiry);`}
}

// PostgresUserSchema returns the CREATE statements of the index of user
// sessions in PostgreSQL, as the READMEs of postgresstore and pgxstore give
// them.
func PostgresUserSchema() []string {
	return []string{`CREATE TABLE sessions_users (
	user_id TEXT NOT NULL,
	token TEXT NOT NULL,
	expiry TIMESTAMPTZ NOT NULL,
	created BIGINT NOT NULL,
	last_active BIGINT NOT NULL,
	label BYTEA NOT NULL,
	PRIMARY KEY (user_id, token)
);`}
}

// PostgresUserAlter returns the ALTER statement that adds to an index of
// user sessions made by an older README the columns it lacks, as the
// READMEs of postgresstore and pgxstore give it.
func PostgresUserAlter() []string {
	return []string{`ALTER TABLE sessions_users
	ADD COLUMN created BIGINT NOT NULL DEFAULT 0,
	ADD COLUMN last_active BIGINT NOT NULL DEFAULT 0,
	ADD COLUMN label BYTEA NOT NULL DEFAULT '';`}
}

// PostgresHarness returns h with what the stores over PostgreSQL's SQL
// share filled in: Schema, Open on server, Param and the statements that
// write and read rows the way SCS v2 does (expiry computed by the server).
func PostgresHarness(server Server, h Harness) Harness {
	h.Schema = PostgresSchema()
	h.Open = func(t testing.TB) *DB { return server.Open(t, h.Schema) }
	h.Param = "$1"
	h.SCSRows = `INSERT INTO sessions (token, data, expiry) VALUES
		($1, '\x00ff6c697665', current_timestamp + interval '1 minute'),
		($2, 'stale', current_timestamp - interval '1 second')`
	h.SCSSelect = "SELECT data, expiry FROM sessions WHERE token = $1 AND current_timestamp < expiry"
	h.InsertExpired = func(db *DB, n int) error {
		_, err := db.Exec(`INSERT INTO sessions (token, data, expiry)
			SELECT 'expired' || i::text, 'x', current_timestamp - interval '1 minute' FROM generate_series(1, $1) AS g(i)`, n)
		return err
	}
	return h
}

// Postgres is the PostgreSQL test server (SCS_POSTGRES_TEST_DSN) reached
// with the named driver ("postgres" for lib/pq, "pgx" for pgx's stdlib).
func Postgres(driver string) Server {
	return Server{
		Driver:  driver,
		Env:     "SCS_POSTGRES_TEST_DSN",
		Default: "postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
		Create:  "CREATE SCHEMA %s",
		Drop:    "DROP SCHEMA IF EXISTS %s CASCADE",
		Use:     searchPath,
	}
}

// CockroachDB is the CockroachDB server SCS_COCKROACHDB_TEST_DSN names, if
// it is set, and otherwise the PostgreSQL test server, since no CockroachDB
// runs here and cockroachdbstore's SQL is what both accept.
func CockroachDB() Server {
	s := Postgres("postgres")
	if env := "SCS_COCKROACHDB_TEST_DSN"; os.Getenv(env) != "" {
		s.Env, s.Default = env, ""
	}
	return s
}

// searchPath sets search_path through the options parameter of a URL or
// key=value DSN, which PostgreSQL and CockroachDB, lib/pq and pgx all take.
func searchPath(dsn, schema string) (string, error) {
	options := "-c search_path=" + schema
	if !strings.Contains(dsn, "://") {
		return dsn + " options='" + options + "'", nil
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("options", options)
	// pgx reads "+" as itself, not as a space; Encode writes a "+" in a
	// value as %2B, so every "+" it writes is a space.
	u.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
	return u.String(), nil
}
