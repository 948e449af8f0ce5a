package memstore

import (
	"testing"
	"unsafe"
)

// TestShardSize checks that the padding keeps each shard on cache lines of
// its own.
func TestShardSize(t *testing.T) {
	if size := unsafe.Sizeof(shard{}); size%64 != 0 {
		t.Fatalf("a shard takes %d bytes, not a multiple of 64", size)
	}
}
