// Package scs manages HTTP sessions: it loads and saves session data through
// middleware, keeps the data in a pluggable store, and sends the session token
// to the client in a cookie or a header.
//
// It is a drop-in replacement for github.com/alexedwards/scs/v2: the same API,
// defaults, payload encoding and store layouts, so an application switches by
// changing its import paths and keeps its users logged in.
//
// # Quick start
//
// Make one SessionManager with New, change its exported fields if the
// defaults do not suit, and wrap the handlers that use sessions with
// LoadAndSave. Inside a handler, the data methods take the request's context:
//
//	sessionManager := scs.New()
//	sessionManager.Lifetime = 12 * time.Hour
//
//	mux := http.NewServeMux()
//	mux.HandleFunc("GET /put", func(w http.ResponseWriter, r *http.Request) {
//		sessionManager.Put(r.Context(), "message", "Hello from a session!")
//	})
//	mux.HandleFunc("GET /get", func(w http.ResponseWriter, r *http.Request) {
//		io.WriteString(w, sessionManager.GetString(r.Context(), "message"))
//	})
//	http.ListenAndServe(":4000", sessionManager.LoadAndSave(mux))
//
// A session is saved, and its cookie sent, only when a request changed it.
// Call RenewToken after every change of privilege (login, logout) so that a
// token known before it is worthless after it, and Destroy to end a session.
// Pop reads and deletes a value at once, which suits flash messages.
//
// # Stores
//
// The default store is an in-memory memstore.MemStore: fine for one process,
// lost on restart. For anything else set Store to one of this project's
// store modules, each its own Go module so that only the driver you use is
// pulled in (postgresstore, pgxstore, mysqlstore, sqlite3store, redisstore,
// goredisstore, and more; see the README), or to your own type that
// implements Store. Stores keep the tables, key prefixes and payloads of
// SCS v2's stores, so sessions written by one are read by the other.
//
// [Store] has three methods. Everything else a store can do is an optional
// interface: SCS v2's [CtxStore] (request contexts reach the store),
// [IterableStore] and [IterableCtxStore] (Iterate), and three more, each
// taking a context: [ExpiryStore] (IdleRefreshInterval), [UpdateStore]
// (conditional writes: logouts that stick, and an atomic MergeConcurrent)
// and [UserIndexStore] (UserSessions and DestroyUser at the cost of one
// user's sessions). The manager finds them once, with [StoreAs], which
// looks through wrappers that have an Unwrap method; [WrapStore] adds
// metrics, tracing or a cache to a store and keeps every capability. A
// store without [UpdateStore], such as one written for SCS v2, works as in
// SCS v2, and the manager says so once ([EventWeakStore]). The storetest
// package checks a store against all of them, so a custom store can prove
// it behaves like the ones here. A [Sealer] (cookiestore) keeps the data in
// the token instead of a store.
//
// # Idle timeouts
//
// IdleTimeout ends a session that goes unused for that long; Lifetime ends
// it however active it is. An idle timeout is kept by saving the session's
// new expiry, which in SCS v2 costs a store write on every request, even one
// that only reads. Set IdleRefreshInterval to write only when the expiry
// would move by at least that much: a session is then refreshed at most once
// per interval, at the cost of expiring up to one interval early. It needs a
// store that can report a session's expiry ([ExpiryStore]).
//
// # Concurrent requests
//
// Requests of one session often overlap: a page that fires several API
// calls, two open tabs. By default, as in SCS v2, each request saves the
// whole session as it loaded and changed it, so the last one to finish wins
// and the others' changes are lost. With MergeConcurrent, saving applies only
// this request's changes (the keys it put, popped or removed, a Clear, a new
// deadline) to what the store holds at that moment; it costs one more store
// read per save.
//
// A logout sticks, in either mode, with stores that implement [UpdateStore]:
// once Destroy or DestroyUser has deleted a session, no request that loaded
// it earlier writes it back (its save is refused, its changes dropped, and
// Commit returns [ErrSessionGone]) or carries it to a new token with
// RenewToken or MergeSession. SCS v2 writes the old token back, so a logout
// could be undone by a request still in flight.
//
// # Tokens in headers
//
// LoadAndSaveHeader reads the token from a request header instead of a
// cookie and returns it in the response header of the same name, for API
// and mobile clients. Browsers' JavaScript reads that header only when the
// server lists it in Access-Control-Expose-Headers.
//
// # Errors
//
// LoadAndSave passes errors from the store and the codec to ErrorFunc,
// which by default logs them and answers 500 Internal Server Error. Sentinel
// errors, all in one file, can be tested with errors.Is: [ErrSessionGone],
// [ErrConflict], [ErrNotIterable] and [ErrCommitFailed]. OnEvent receives every
// lifecycle event, failures included, with a hashed session ID that is safe
// to log.
//
// # Migrating
//
// From SCS v2: change the import paths from github.com/alexedwards/scs/v2 to
// github.com/seed3bbca6c1/scs, and github.com/alexedwards/scs/xstore (SCS
// v2's stores have no /v2) to github.com/seed3bbca6c1/scs/xstore. The API,
// the defaults, the cookie and the stored data are the same, so sessions
// survive the switch in both directions. What can still change (the Go
// version, dependency versions, cookie settings that are now refused, ...)
// is listed, each with what to do, in docs/migrating-from-scs.md. From
// gorilla/sessions, see docs/migrating-from-gorilla.md: a session there is
// a value you fetch and save by hand; here the middleware loads and saves
// it, and the data methods take the request's context.
package scs
