module github.com/seed3bbca6c1/scs/boltstore

go 1.23

require (
	github.com/seed3bbca6c1/scs v0.0.0-00010101000000-000000000000
	go.etcd.io/bbolt v1.3.4
)

require golang.org/x/sys v0.0.0-20200202164722-d101bd2416d5 // indirect

replace github.com/seed3bbca6c1/scs => ../
