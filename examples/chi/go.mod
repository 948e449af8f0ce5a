module github.com/seed3bbca6c1/scs/examples/chi

go 1.26

require github.com/seed3bbca6c1/scs v0.0.0-00010101000000-000000000000

require github.com/go-chi/chi/v5 v5.5.0

replace github.com/seed3bbca6c1/scs => ../../
