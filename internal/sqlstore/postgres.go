package sqlstore

import "fmt"

// PostgresStatements are the statements on a table with SCS v2's PostgreSQL
// layout (token TEXT PRIMARY KEY, data BYTEA, expiry TIMESTAMPTZ), which
// postgresstore, pgxstore and cockroachdbstore share: CockroachDB takes the
// same SQL. Expiry is compared with the server's clock (current_timestamp),
// as SCS does.
func PostgresStatements(table string) Statements {
	return Statements{
		Find:           "SELECT data FROM " + table + " WHERE token = $1 AND expiry > current_timestamp",
		FindExpiry:     "SELECT data, expiry FROM " + table + " WHERE token = $1 AND expiry > current_timestamp",
		Commit:         "INSERT INTO " + table + " (token, data, expiry) VALUES ($1, $2, $3) ON CONFLICT (token) DO UPDATE SET data = EXCLUDED.data, expiry = EXCLUDED.expiry",
		Delete:         "DELETE FROM " + table + " WHERE token = $1",
		All:            "SELECT token, data FROM " + table + " WHERE expiry > current_timestamp",
		CompareAndSwap: "UPDATE " + table + " SET data = $1, expiry = $2 WHERE token = $3 AND data = $4 AND expiry > current_timestamp",
		Update:         "UPDATE " + table + " SET data = $1, expiry = $2 WHERE token = $3 AND expiry > current_timestamp",
		Cleanup: fmt.Sprintf("DELETE FROM %[1]s WHERE token IN (SELECT token FROM %[1]s WHERE expiry < current_timestamp LIMIT %[2]d)",
			table, BatchSize),
		Users: PostgresUserStatements(UsersTable(table)),
	}
}

// PostgresUserStatements are the statements on the index of user sessions
// in PostgreSQL (see UserStatements). Add also drops the user's expired
// rows, in the same statement.
func PostgresUserStatements(users string) UserStatements {
	return UserStatements{
		Add: "WITH pruned AS (DELETE FROM " + users + " WHERE user_id = $1 AND expiry <= current_timestamp)" +
			" INSERT INTO " + users + " (user_id, token, expiry, created, last_active, label) VALUES ($1, $2, $3, $4, $5, $6)" +
			" ON CONFLICT (user_id, token) DO UPDATE SET expiry = EXCLUDED.expiry, created = EXCLUDED.created," +
			" last_active = EXCLUDED.last_active, label = EXCLUDED.label",
		Remove: "DELETE FROM " + users + " WHERE user_id = $1 AND token = ANY (string_to_array($2, ','))",
		List:   "SELECT " + UserColumns + " FROM " + users + " WHERE user_id = $1 AND expiry > current_timestamp",
		Prune:  "DELETE FROM " + users + " WHERE user_id = $1 AND expiry <= current_timestamp",
		Cleanup: fmt.Sprintf("DELETE FROM %[1]s WHERE (user_id, token) IN (SELECT user_id, token FROM %[1]s WHERE expiry < current_timestamp LIMIT %[2]d)",
			users, BatchSize),
	}
}
