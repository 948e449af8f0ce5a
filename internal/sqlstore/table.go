package sqlstore

import (
	"fmt"
	"strings"
)

// DefaultTable is the table of a store configured with no table name.
const DefaultTable = "sessions"

// TableName returns name, or DefaultTable when name is empty. It panics,
// with the message of CheckTableName's error, when name is not a valid
// table name.
func TableName(pkg, name string) string {
	table, err := CheckTableName(pkg, name)
	if err != nil {
		panic(err.Error())
	}
	return table
}

// CheckTableName returns name, or DefaultTable when name is empty, and an
// error, with a message that starts with pkg, when name is not one or two
// dot-separated identifiers of ASCII letters, digits and underscores, each
// not starting with a digit: that keeps the name from changing the meaning
// of the SQL it goes into unquoted. Stores whose constructors return an
// error call it; the others call TableName.
func CheckTableName(pkg, name string) (string, error) {
	if name == "" {
		return DefaultTable, nil
	}
	if !validTableName(name) {
		return "", fmt.Errorf("%s: invalid table name %q: want one or two dot-separated identifiers of ASCII letters, digits and underscores", pkg, name)
	}
	return name, nil
}

// validTableName reports whether name is one or two dot-separated unquoted
// identifiers.
func validTableName(name string) bool {
	parts := strings.Split(name, ".")
	if len(parts) > 2 {
		return false
	}
	for _, part := range parts {
		if !validIdentifier(part) {
			return false
		}
	}
	return true
}

// validIdentifier reports whether s is ASCII letters, digits and
// underscores, not starting with a digit.
func validIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
