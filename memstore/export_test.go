package memstore

// Stored reports whether s holds an entry for token, expired or not: the
// engine-level view the conformance kit's cleanup check needs.
func Stored(s *MemStore, token string) bool {
	sh := s.shard(token)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	_, ok := sh.items[token]
	return ok
}

// IndexedTokens returns the entries of userID in s's index of user
// sessions, expired or not: the engine-level view that tests of the index's
// cleanup need.
func IndexedTokens(s *MemStore, userID string) map[string]int64 {
	sh := s.userShard(userID, false)
	if sh == nil {
		return nil
	}
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	e, ok := sh.users[userID]
	if !ok {
		return nil
	}
	tokens := make(map[string]int64, len(e.tokens))
	for token, ix := range e.tokens {
		tokens[token] = ix.expiry
	}
	return tokens
}
