package scs

import (
	"context"
	"time"
)

// GetString returns the string value for key, or "" when it is missing or
// not a string.
func (s *SessionManager) GetString(ctx context.Context, key string) string {
	v, _ := s.Get(ctx, key).(string)
	return v
}

// GetBool returns the bool value for key, or false when it is missing or not
// a bool.
func (s *SessionManager) GetBool(ctx context.Context, key string) bool {
	v, _ := s.Get(ctx, key).(bool)
	return v
}

// GetInt returns the int value for key, or 0 when it is missing or not an
// int.
func (s *SessionManager) GetInt(ctx context.Context, key string) int {
	v, _ := s.Get(ctx, key).(int)
	return v
}

// GetInt64 returns the int64 value for key, or 0 when it is missing or not
// an int64.
func (s *SessionManager) GetInt64(ctx context.Context, key string) int64 {
	v, _ := s.Get(ctx, key).(int64)
	return v
}

// GetInt32 returns the int32 value for key, or 0 when it is missing or not
// an int32.
func (s *SessionManager) GetInt32(ctx context.Context, key string) int32 {
	v, _ := s.Get(ctx, key).(int32)
	return v
}

// GetFloat returns the float64 value for key, or 0 when it is missing or not
// a float64.
func (s *SessionManager) GetFloat(ctx context.Context, key string) float64 {
	v, _ := s.Get(ctx, key).(float64)
	return v
}

// GetBytes returns the []byte value for key, or nil when it is missing or
// not a []byte.
func (s *SessionManager) GetBytes(ctx context.Context, key string) []byte {
	v, _ := s.Get(ctx, key).([]byte)
	return v
}

// GetTime returns the time.Time value for key, or the zero time when it is
// missing or not a time.Time.
func (s *SessionManager) GetTime(ctx context.Context, key string) time.Time {
	v, _ := s.Get(ctx, key).(time.Time)
	return v
}

// PopString is Pop for a string value: "" when missing or of another type.
func (s *SessionManager) PopString(ctx context.Context, key string) string {
	v, _ := s.Pop(ctx, key).(string)
	return v
}

// PopBool is Pop for a bool value: false when missing or of another type.
func (s *SessionManager) PopBool(ctx context.Context, key string) bool {
	v, _ := s.Pop(ctx, key).(bool)
	return v
}

// PopInt is Pop for an int value: 0 when missing or of another type.
func (s *SessionManager) PopInt(ctx context.Context, key string) int {
	v, _ := s.Pop(ctx, key).(int)
	return v
}

// PopFloat is Pop for a float64 value: 0 when missing or of another type.
func (s *SessionManager) PopFloat(ctx context.Context, key string) float64 {
	v, _ := s.Pop(ctx, key).(float64)
	return v
}

// PopBytes is Pop for a []byte value: nil when missing or of another type.
func (s *SessionManager) PopBytes(ctx context.Context, key string) []byte {
	v, _ := s.Pop(ctx, key).([]byte)
	return v
}

// PopTime is Pop for a time.Time value: the zero time when missing or of
// another type.
func (s *SessionManager) PopTime(ctx context.Context, key string) time.Time {
	v, _ := s.Pop(ctx, key).(time.Time)
	return v
}
