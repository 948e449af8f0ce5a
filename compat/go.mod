module github.com/seed3bbca6c1/scs/compat

go 1.26

require github.com/seed3bbca6c1/scs v0.0.0-00010101000000-000000000000

require github.com/alexedwards/scs/v2 v2.9.0

replace github.com/seed3bbca6c1/scs => ../
