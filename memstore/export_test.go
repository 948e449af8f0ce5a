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
