package scs_test

import (
	"context"
	"testing"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/doccheck"
)

var sessionManager = scs.New()

// doc:begin docs/concurrency.md
// login ties the request's session to userID, under a new token.
func login(ctx context.Context, userID string) error {
	if err := sessionManager.RenewToken(ctx); err != nil {
		return err
	}
	return sessionManager.SetUser(ctx, userID)
}

// logOutEverywhere ends every session of userID: "log out of all devices".
func logOutEverywhere(ctx context.Context, userID string) (int, error) {
	n, err := sessionManager.DestroyUser(ctx, userID)
	if err != nil {
		return n, err
	}
	return n, sessionManager.Destroy(ctx) // this request's session too
}

// signedIn answers "where am I logged in?": Event.IDs, never tokens.
func signedIn(ctx context.Context, userID string) ([]string, error) {
	return sessionManager.UserSessions(ctx, userID)
}

// doc:end

// TestDocsCodeCompiles keeps the Go code of docs/concurrency.md the code
// above, which compiles (and runs, in ExampleSessionManager_DestroyUser's
// way, below).
func TestDocsCodeCompiles(t *testing.T) {
	doccheck.Check(t, "docs_test.go", ".", "docs/concurrency.md")
	ctx, err := sessionManager.Load(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := login(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := sessionManager.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if ids, err := signedIn(ctx, "alice"); err != nil || len(ids) != 1 {
		t.Fatalf("signedIn = %v, %v", ids, err)
	}
	if n, err := logOutEverywhere(ctx, "alice"); err != nil || n != 1 {
		t.Fatalf("logOutEverywhere = %d, %v", n, err)
	}
}
