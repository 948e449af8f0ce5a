package memstore

// Stored reports whether s holds an entry for token, expired or not: the
// engine-level view the conformance kit's cleanup check needs.
func Stored(s *MemStore, token string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, ok := s.items[token]
	return ok
}
