module github.com/seed3bbca6c1/scs/buntdbstore

go 1.23

require (
	github.com/seed3bbca6c1/scs v0.0.0-00010101000000-000000000000
	github.com/tidwall/buntdb v1.2.9
)

require (
	github.com/tidwall/btree v1.1.0 // indirect
	github.com/tidwall/gjson v1.12.1 // indirect
	github.com/tidwall/grect v0.1.4 // indirect
	github.com/tidwall/match v1.1.1 // indirect
	github.com/tidwall/pretty v1.2.0 // indirect
	github.com/tidwall/rtred v0.1.2 // indirect
	github.com/tidwall/tinyqueue v0.1.1 // indirect
)

replace github.com/seed3bbca6c1/scs => ../
