module github.com/seed3bbca6c1/scs/cockroachdbstore

go 1.23

require (
	github.com/lib/pq v1.10.6
	github.com/seed3bbca6c1/scs v0.0.0-00010101000000-000000000000
)

replace github.com/seed3bbca6c1/scs => ../
