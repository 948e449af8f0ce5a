// Command migratev1 copies the live sessions of SCS v2's badgerstore, which
// keeps them in a Badger v1 directory, into a Badger v4 directory that
// github.com/seed3bbca6c1/scs/badgerstore then reads. Badger v4 cannot open
// a Badger v1 directory: the on-disk formats differ, so switching stores
// without this copy logs every user out.
//
//	go run . -from /var/lib/app/sessions -to /var/lib/app/sessions-v4
//
// Both stores use one layout: the key is a prefix (scs:session: unless the
// application chose another with NewWithPrefix) followed by the token, or
// its hash with HashTokenInStore; the value is the session's payload; the
// session's expiry is the entry's own Badger expiry, in whole Unix seconds.
// The program copies every key under the prefix with its value and expiry,
// leaves out the sessions that have expired, and does not change the v1
// directory (it opens it read-only). Run it while neither application
// writes sessions; a token already in the v4 directory is overwritten.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	badgerv1 "github.com/dgraph-io/badger"
	badgerv4 "github.com/dgraph-io/badger/v4"
)

func main() {
	from := flag.String("from", "", "the Badger v1 directory of SCS v2's badgerstore (read only)")
	to := flag.String("to", "", "the Badger v4 directory for github.com/seed3bbca6c1/scs/badgerstore (created when missing)")
	prefix := flag.String("prefix", "scs:session:", "the key prefix of the sessions (NewWithPrefix's, if the application used it)")
	flag.Parse()
	if *from == "" || *to == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: migratev1 -from V1DIR -to V4DIR [-prefix scs:session:]")
		os.Exit(2)
	}
	res, err := migrateDirs(*from, *to, *prefix, time.Now())
	if err != nil {
		log.Fatalf("migratev1: %v", err)
	}
	fmt.Printf("migratev1: copied %d sessions, left out %d expired ones\n", res.Copied, res.Expired)
}

// result counts what a migration did.
type result struct {
	Copied  int // sessions written to the v4 directory
	Expired int // sessions left out because they had expired at now
}

// migrateDirs opens the v1 directory from read-only and the v4 directory to,
// and copies the sessions under prefix that are live at now.
func migrateDirs(from, to, prefix string, now time.Time) (result, error) {
	if _, err := os.Stat(from); err != nil {
		return result{}, err
	}
	src, err := badgerv1.Open(badgerv1.DefaultOptions(from).WithReadOnly(true).WithLogger(nil))
	if err != nil {
		return result{}, fmt.Errorf("open the Badger v1 directory %s: %w", from, err)
	}
	defer src.Close()
	dst, err := badgerv4.Open(badgerv4.DefaultOptions(to).WithLogger(nil))
	if err != nil {
		return result{}, fmt.Errorf("open the Badger v4 directory %s: %w", to, err)
	}
	res, err := migrate(src, dst, prefix, now)
	if cerr := dst.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close the Badger v4 directory: %w", cerr)
	}
	return res, err
}

// migrate copies every entry of src whose key starts with prefix into dst,
// with its value and expiry, unless it has expired at now: Badger expires an
// entry once its ExpiresAt (Unix seconds) is not after the current second.
// An entry without expiry (ExpiresAt 0, which SCS v2's store never writes)
// is copied without one.
func migrate(src *badgerv1.DB, dst *badgerv4.DB, prefix string, now time.Time) (result, error) {
	var res result
	wb := dst.NewWriteBatch()
	defer wb.Cancel()
	err := src.View(func(txn *badgerv1.Txn) error {
		opts := badgerv1.DefaultIteratorOptions
		opts.Prefix = []byte(prefix)
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Seek(opts.Prefix); it.ValidForPrefix(opts.Prefix); it.Next() {
			item := it.Item()
			exp := item.ExpiresAt()
			if exp != 0 && exp <= uint64(now.Unix()) {
				res.Expired++
				continue
			}
			key := item.KeyCopy(nil)
			val, err := item.ValueCopy(nil)
			if err != nil {
				return fmt.Errorf("read %q: %w", key, err)
			}
			e := badgerv4.NewEntry(key, val)
			e.ExpiresAt = exp
			if err := wb.SetEntry(e); err != nil {
				return fmt.Errorf("write %q: %w", key, err)
			}
			res.Copied++
		}
		return nil
	})
	if err != nil {
		return result{}, err
	}
	if err := wb.Flush(); err != nil {
		return result{}, errors.Join(errors.New("write the Badger v4 directory"), err)
	}
	return res, nil
}
