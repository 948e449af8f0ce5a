// Package compat holds the tests that prove this module a drop-in for SCS
// v2: payloads, request behaviour and store layouts are checked against SCS
// v2 itself, fetched from the module proxy. It is a module of its own so
// that the core module keeps no dependencies.
package compat
