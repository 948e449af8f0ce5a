module github.com/seed3bbca6c1/scs

go 1.23
