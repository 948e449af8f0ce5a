module github.com/seed3bbca6c1/scs/echov5scs

go 1.25.0

require (
	github.com/labstack/echo/v5 v5.4.2
	github.com/seed3bbca6c1/scs v0.0.0-00010101000000-000000000000
)

require golang.org/x/time v0.15.0 // indirect

replace github.com/seed3bbca6c1/scs => ../
