module github.com/seed3bbca6c1/scs/redisstore

go 1.23

require (
	github.com/gomodule/redigo v1.8.8
	github.com/seed3bbca6c1/scs v0.0.0-00010101000000-000000000000
)

replace github.com/seed3bbca6c1/scs => ../
