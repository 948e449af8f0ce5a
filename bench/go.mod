module github.com/seed3bbca6c1/scs/bench

go 1.26

require (
	github.com/alexedwards/scs/v2 v2.9.0
	github.com/gorilla/securecookie v1.1.2
	github.com/gorilla/sessions v1.4.0
	github.com/seed3bbca6c1/scs v0.0.0-00010101000000-000000000000
)

replace github.com/seed3bbca6c1/scs => ../
