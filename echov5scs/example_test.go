package echov5scs_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"

	"github.com/labstack/echo/v5"
	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/echov5scs"
)

func Example() {
	sessionManager := scs.New()

	e := echo.New()
	e.Use(echov5scs.LoadAndSave(sessionManager))
	e.POST("/login", func(c *echo.Context) error {
		ctx := c.Request().Context()
		// A new token on every change of privilege prevents session fixation.
		if err := sessionManager.RenewToken(ctx); err != nil {
			return err
		}
		sessionManager.Put(ctx, "user", c.FormValue("user"))
		return c.NoContent(http.StatusNoContent)
	})
	e.GET("/whoami", func(c *echo.Context) error {
		return c.String(http.StatusOK, sessionManager.GetString(c.Request().Context(), "user"))
	})

	srv := httptest.NewServer(e)
	defer srv.Close()

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, _ := client.PostForm(srv.URL+"/login", map[string][]string{"user": {"ada"}})
	resp.Body.Close()
	resp, _ = client.Get(srv.URL + "/whoami")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(string(body))
	// Output: ada
}
