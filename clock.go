package scs

import "time"

// This file holds the manager's clock, which tests can set.

func (s *SessionManager) clock() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}
